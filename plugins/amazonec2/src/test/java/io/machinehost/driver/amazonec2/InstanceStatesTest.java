package io.machinehost.driver.amazonec2;

import static org.assertj.core.api.Assertions.assertThat;

import io.machinehost.sdk.MachineState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InstanceStatesTest {
  @ParameterizedTest
  @CsvSource({
    "pending, STARTING",
    "running, RUNNING",
    "stopping, STOPPING",
    "shutting-down, STOPPING",
    "stopped, STOPPED",
    "terminated, NOT_FOUND",
    "rebooting, ERROR"
  })
  void of_ec2State_dockerMachineState(String ec2, MachineState expected) {
    assertThat(InstanceStates.of(ec2)).isEqualTo(expected);
  }

  @Test
  void isLts_ubuntuImageNames_evenYearAprilReleasesOnly() {
    assertThat(
            Prerequisites.isLts(
                "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20240423"))
        .isTrue();
    assertThat(
            Prerequisites.isLts("ubuntu/images/hvm-ssd/ubuntu-xenial-16.04-amd64-server-20170721"))
        .isTrue();
    assertThat(
            Prerequisites.isLts("ubuntu/images/hvm-ssd/ubuntu-mantic-23.04-amd64-server-20230420"))
        .isFalse();
    assertThat(
            Prerequisites.isLts("ubuntu/images/hvm-ssd/ubuntu-focal-20.10-amd64-server-20201022"))
        .isFalse();
  }
}
