package io.machinehost.host.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.machinehost.sdk.LongOperation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HostDeadlinesTest {
  private static final Map<LongOperation, Duration> DECLARED =
      Map.of(LongOperation.REMOVE, Duration.ofSeconds(90));

  @Test
  void of_nothingSet_driversDeclarationThenTheHostsDefaults() {
    HostDeadlines d = new HostDeadlines(Map.of(), () -> DECLARED);

    assertThat(d.of(LongOperation.REMOVE)).isEqualTo(Duration.ofSeconds(90));
    assertThat(d.of(LongOperation.CREATE)).isEqualTo(Duration.ofMinutes(30));
    assertThat(d.of(LongOperation.STOP)).isEqualTo(Duration.ofMinutes(10));
    assertThat(d.advice(LongOperation.REMOVE))
        .isEqualTo(
            "the limit is the one the driver declares; set MACHINEHOST_REMOVE_TIMEOUT=<seconds> to"
                + " wait longer (0: no limit)");
    assertThat(d.advice(LongOperation.STOP)).startsWith("the limit is the host's default;");
  }

  @Test
  void of_userSettings_winOverTheDriver_perOperationOverAll() {
    HostDeadlines d =
        new HostDeadlines(
            Map.of("MACHINEHOST_OPERATION_TIMEOUT", "60", "MACHINEHOST_REMOVE_TIMEOUT", "0"),
            () -> DECLARED);

    assertThat(d.of(LongOperation.REMOVE)).isZero();
    assertThat(d.of(LongOperation.START)).isEqualTo(Duration.ofSeconds(60));
    assertThat(d.advice(LongOperation.START))
        .startsWith("the limit is MACHINEHOST_OPERATION_TIMEOUT's;")
        .contains("MACHINEHOST_START_TIMEOUT=<seconds>");
  }

  @Test
  void of_notANumber_saysWhichVariableAndWhatToGive() {
    HostDeadlines d = new HostDeadlines(Map.of("MACHINEHOST_KILL_TIMEOUT", "5m"), Map::of);

    assertThatThrownBy(() -> d.of(LongOperation.KILL))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "MACHINEHOST_KILL_TIMEOUT is \"5m\": give a whole number of seconds (0: no limit)");
  }

  @Test
  void protocolDocument_namesEveryVariableAndDefault() throws Exception {
    String document = Files.readString(Path.of("..", "proto", "README.md"));

    assertThat(document).contains(HostDeadlines.ALL_ENV, "30 min", "10 min each");
    for (LongOperation operation : LongOperation.values()) {
      assertThat(document).contains("`" + HostDeadlines.envOf(operation) + "`");
    }
  }
}
