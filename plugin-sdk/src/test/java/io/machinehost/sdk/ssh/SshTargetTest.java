package io.machinehost.sdk.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SshTargetTest {

  @Test
  void toString_ipv4_isUserAtHostPort() {
    assertThat(SshTarget.of("192.0.2.10", 22, "root", null)).hasToString("root@192.0.2.10:22");
  }

  @Test
  void address_ipv6_putsHostInBrackets() {
    assertThat(SshTarget.of("::1", 2222, "root", null).address()).isEqualTo("[::1]:2222");
  }

  @Test
  void new_portOutOfRange_throws() {
    assertThatThrownBy(() -> SshTarget.of("h", 0, "root", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("between 1 and 65535");
  }

  @Test
  void new_blankUser_throws() {
    assertThatThrownBy(() -> SshTarget.of("h", 22, " ", null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void withKnownHosts_anyTarget_keepsTheRest() {
    SshTarget target = SshTarget.of("h", 22, "u", Path.of("k")).withKnownHosts(Path.of("kh"));

    assertThat(target.knownHostsIfAny()).contains(Path.of("kh"));
    assertThat(target.privateKeyIfAny()).contains(Path.of("k"));
    assertThat(target.host()).isEqualTo("h");
  }
}
