package io.machinehost.host.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class HostOperationTest {
  private final StringWriter text = new StringWriter();
  private final PrintWriter err = new PrintWriter(text, true);

  private String output() {
    synchronized (err) {
      return text.toString();
    }
  }

  private static boolean eventually(Supplier<Boolean> condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.get()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  @Test
  void silentDriver_notATerminal_printsStillWaitingLines() throws Exception {
    try (HostOperation op = new HostOperation("m1", err, false, false, Duration.ofMillis(100))) {
      op.progress("boot", "Booting");

      assertThat(eventually(() -> output().contains("still waiting for machine \"m1\" after")))
          .as(output())
          .isTrue();
    }
    String closed = output();
    assertThat(closed).startsWith("Booting\n").contains("(last: Booting)");
    Thread.sleep(300);
    assertThat(output()).as("nothing after close").isEqualTo(closed);
  }

  @Test
  void silentDriver_onATerminal_theSpinnerLineCountsSeconds() throws Exception {
    try (HostOperation op = new HostOperation("m1", err, true, false, Duration.ZERO)) {
      op.progress("boot", "Booting");

      assertThat(eventually(() -> output().contains("Booting (1 s)"))).as(output()).isTrue();
    }
    assertThat(output()).endsWith("\n");
  }

  @Test
  void intervalFromEnv_zeroTurnsItOff_garbageKeepsTheDefault() {
    assertThat(HostOperation.intervalFromEnv("0")).isZero();
    assertThat(HostOperation.intervalFromEnv("5")).isEqualTo(Duration.ofSeconds(5));
    assertThat(HostOperation.intervalFromEnv("soon")).isEqualTo(Duration.ofSeconds(30));
    assertThat(HostOperation.intervalFromEnv(null)).isEqualTo(Duration.ofSeconds(30));
  }
}
