package io.machinehost.sdk.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.machinehost.sdk.DriverException;
import org.junit.jupiter.api.Test;

class CommandResultTest {

  @Test
  void orThrow_success_returnsResult() throws Exception {
    CommandResult result = new CommandResult(0, "out", "");

    assertThat(result.orThrow("list")).isSameAs(result);
  }

  @Test
  void orThrow_failure_namesWhatStatusAndStderr() {
    CommandResult result = new CommandResult(100, "", "E: Unable to locate package x\n");

    assertThatThrownBy(() -> result.orThrow("install x"))
        .isInstanceOfSatisfying(
            DriverException.class,
            e -> assertThat(e.code()).isEqualTo(DriverException.Code.FAILED_PRECONDITION))
        .hasMessage("install x failed with exit status 100: E: Unable to locate package x");
  }
}
