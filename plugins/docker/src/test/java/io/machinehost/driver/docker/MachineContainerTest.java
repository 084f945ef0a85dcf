package io.machinehost.driver.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.machinehost.sdk.MachineState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MachineContainerTest {
  @ParameterizedTest
  @CsvSource({
    "running, RUNNING",
    "paused, PAUSED",
    "restarting, STARTING",
    "created, STOPPED",
    "exited, STOPPED",
    "dead, STOPPED",
    "removing, STOPPING",
    "'', ERROR",
    "unheard-of, ERROR"
  })
  void stateOf_containerStatus_machineState(String status, MachineState state) {
    assertThat(MachineContainer.stateOf(status)).isEqualTo(state);
  }

  @Test
  void nameOf_machine_prefixed() {
    assertThat(MachineContainer.nameOf("dev.1")).isEqualTo("machinehost-dev.1");
  }

  @Test
  void labels_machine_nameStoreAndDriver() {
    assertThat(MachineContainer.labels("dev", "/s"))
        .containsEntry("io.machinehost.driver", "docker")
        .containsEntry("io.machinehost.machine", "dev")
        .containsEntry("io.machinehost.store", "/s");
  }
}
