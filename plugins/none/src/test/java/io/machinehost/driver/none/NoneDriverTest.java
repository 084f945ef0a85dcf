package io.machinehost.driver.none;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.machinehost.sdk.Driver;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.Operation;
import io.machinehost.sdk.testing.DriverHarness;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The none driver behind the SDK's in-process harness (the example of plugin-sdk/README.md). */
class NoneDriverTest {
  @AutoClose final DriverHarness harness = new DriverHarness(NoneDriver::new);

  @Test
  void create_url_runningAtThatHost() throws Exception {
    Driver machine = harness.create("m1", Map.of("url", "tcp://192.0.2.10:2376"));

    assertThat(machine.getState()).isEqualTo(MachineState.RUNNING);
    assertThat(machine.getIp()).isEqualTo("192.0.2.10");
    assertThat(machine.getUrl()).isEqualTo("tcp://192.0.2.10:2376");
  }

  @Test
  void create_noUrl_invalidArgumentNamingTheFlag() {
    assertThatThrownBy(() -> harness.create("m1", Map.of()))
        .isInstanceOfSatisfying(DriverException.class, e -> assertThat(e.flag()).contains("url"));
  }

  @Test
  void configure_urlWithoutHost_invalidArgumentWithAnExample() {
    Driver machine = harness.machine("m1");

    assertThatThrownBy(() -> harness.configure(machine, Map.of("url", "tcp:nohost")))
        .isInstanceOfSatisfying(
            DriverException.class,
            e -> {
              assertThat(e.code()).isEqualTo(DriverException.Code.INVALID_ARGUMENT);
              assertThat(e.flag()).contains("url");
            })
        .hasMessageContaining("e.g. tcp://192.0.2.10:2376");
  }

  @ParameterizedTest
  @ValueSource(strings = {"tcp://127.0.0.1:99999", "tcp://127.0.0.1:0"})
  void configure_portOutOfRange_invalidArgumentStatingTheRange(String url) {
    Driver machine = harness.machine("m1");

    assertThatThrownBy(() -> harness.configure(machine, Map.of("url", url)))
        .isInstanceOfSatisfying(
            DriverException.class,
            e -> assertThat(e.code()).isEqualTo(DriverException.Code.INVALID_ARGUMENT))
        .hasMessageContaining("a port is from 1 to 65535");
  }

  @Test
  void configure_hugeHost_invalidArgumentStatingTheLimitWithoutEchoingIt() {
    Driver machine = harness.machine("m1");
    String url = "tcp://" + "h".repeat(100_000) + ":2376";

    assertThatThrownBy(() -> harness.configure(machine, Map.of("url", url)))
        .isInstanceOfSatisfying(
            DriverException.class,
            e -> {
              assertThat(e.code()).isEqualTo(DriverException.Code.INVALID_ARGUMENT);
              assertThat(e.getMessage()).hasSizeLessThan(200).contains("at most 2048");
            });
  }

  @Test
  void configure_longHostName_invalidArgumentStatingTheLimit() {
    Driver machine = harness.machine("m1");
    String url = "tcp://" + "h".repeat(300) + ":2376";

    assertThatThrownBy(() -> harness.configure(machine, Map.of("url", url)))
        .hasMessageContaining("a host name has at most 253");
  }

  @Test
  void start_notSupported() throws Exception {
    Driver machine = harness.create("m1", Map.of("url", "tcp://192.0.2.10:2376"));

    assertThatThrownBy(() -> machine.start(Operation.none()))
        .isInstanceOfSatisfying(
            DriverException.class,
            e -> assertThat(e.code()).isEqualTo(DriverException.Code.NOT_SUPPORTED));
  }
}
