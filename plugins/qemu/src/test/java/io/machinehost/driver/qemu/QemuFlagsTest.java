package io.machinehost.driver.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.machinehost.sdk.DriverException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class QemuFlagsTest {
  @Test
  void forwards_tcpAndUdp_hostfwdOnLoopback() throws DriverException {
    List<QemuFlags.Forward> forwards = QemuFlags.forwards(List.of("8080:80", "udp/5353:53", " "));

    assertThat(forwards)
        .extracting(QemuFlags.Forward::hostfwd)
        .containsExactly("tcp:127.0.0.1:8080-:80", "udp:127.0.0.1:5353-:53");
    assertThat(forwards)
        .extracting(QemuFlags.Forward::spec)
        .containsExactly("8080:80", "udp/5353:53");
  }

  @ParameterizedTest
  @ValueSource(strings = {"8080", "a:b", "0:80", "8080:70000", "sctp/1:2", "1:2:3"})
  void forwards_notAForward_invalidArgumentNamingTheFlag(String given) {
    DriverException e =
        catchThrowableOfType(DriverException.class, () -> QemuFlags.forwards(List.of(given)));

    assertThat(e.code()).isEqualTo(DriverException.Code.INVALID_ARGUMENT);
    assertThat(e.flag()).contains(QemuFlags.PORT_FORWARD);
    assertThat(e.getMessage()).contains("--qemu-port-forward").contains(given).contains("8080:80");
  }

  @Test
  void forwards_sameHostPortTwice_invalidArgument() {
    DriverException e =
        catchThrowableOfType(
            DriverException.class, () -> QemuFlags.forwards(List.of("8080:80", "8080:81")));

    assertThat(e.getMessage()).contains("8080").contains("twice");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Root", "a b", "1user", "abcdefghijklmnopqrstuvwxyz0123456"})
  void sshUser_notAUserName_invalidArgument(String given) {
    DriverException e = catchThrowableOfType(DriverException.class, () -> QemuFlags.sshUser(given));

    assertThat(e.flag()).contains(QemuFlags.SSH_USER);
  }

  @Test
  void sshUser_empty_docker() throws DriverException {
    assertThat(QemuFlags.sshUser(" ")).isEqualTo("docker");
  }

  @Test
  void accel_unknown_invalidArgumentListingChoices() {
    DriverException e =
        catchThrowableOfType(DriverException.class, () -> Accelerator.Setting.of("hvf"));

    assertThat(e.flag()).contains(QemuFlags.ACCEL);
    assertThat(e.getMessage()).contains("auto, kvm or tcg").contains("hvf");
  }
}
