package io.machinehost.sdk.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.machinehost.sdk.DriverException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SystemSshTest {
  private static final Path SSH = Path.of("/usr/bin/ssh");

  @TempDir Path dir;

  private Path key(String mode) throws Exception {
    Path key = dir.resolve("id");
    Files.writeString(key, "key");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString(mode));
    return key;
  }

  @Test
  void command_firstContact_pinsTheKeyInThePinFile() throws Exception {
    SshTarget target =
        SshTarget.of("192.0.2.10", 2222, "docker", key("rw-------"))
            .withKnownHosts(dir.resolve("known_hosts"));

    List<String> args = SystemSsh.command(SSH, target, List.of("uname", "-a"));

    assertThat(args)
        .startsWith("/usr/bin/ssh", "-F", "/dev/null")
        .containsSubsequence("-o", "StrictHostKeyChecking=accept-new")
        .containsSubsequence("-o", "UserKnownHostsFile=" + dir.resolve("known_hosts"))
        .containsSubsequence("-o", "PasswordAuthentication=no")
        .containsSubsequence("-o", "IdentitiesOnly=yes", "-o", "IdentityFile=" + dir.resolve("id"))
        .containsSubsequence("-o", "Port=2222", "-o", "User=docker")
        .endsWith("--", "192.0.2.10", "uname", "-a")
        .doesNotContain("StrictHostKeyChecking=no", "LogLevel=quiet");
  }

  @Test
  void command_pinnedHost_acceptsOnlyThePinnedKey() throws Exception {
    Path knownHosts = dir.resolve("known_hosts");
    Files.writeString(knownHosts, "[192.0.2.10]:2222 ssh-ed25519 AAAA\n");
    SshTarget target = SshTarget.of("192.0.2.10", 2222, "docker", null).withKnownHosts(knownHosts);

    assertThat(SystemSsh.command(SSH, target, List.of()))
        .containsSubsequence("-o", "StrictHostKeyChecking=yes")
        .doesNotContain("StrictHostKeyChecking=accept-new");
    // Another port of the same address is another machine: not pinned yet.
    assertThat(
            SystemSsh.command(
                SSH,
                SshTarget.of("192.0.2.10", 2223, "docker", null).withKnownHosts(knownHosts),
                List.of()))
        .containsSubsequence("-o", "StrictHostKeyChecking=accept-new");
  }

  @Test
  void command_unpinnedTarget_checksNothingAsDockerMachine() throws Exception {
    List<String> args = SystemSsh.command(SSH, SshTarget.of("h", 22, "root", null), List.of());

    assertThat(args)
        .containsSubsequence("-o", "StrictHostKeyChecking=no")
        .containsSubsequence("-o", "UserKnownHostsFile=/dev/null")
        .doesNotContain("-i")
        .endsWith("--", "h");
  }

  @Test
  void command_keyReadableByOthers_refusedWithMode() throws Exception {
    SshTarget target = SshTarget.of("h", 22, "root", key("rw-r--r--"));

    assertThatThrownBy(() -> SystemSsh.command(SSH, target, List.of()))
        .isInstanceOfSatisfying(
            DriverException.class,
            e -> assertThat(e.code()).isEqualTo(DriverException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("permissions 0644 for '" + dir.resolve("id") + "' are too open");
  }

  @Test
  void command_missingKey_refused() {
    SshTarget target = SshTarget.of("h", 22, "root", dir.resolve("missing"));

    assertThatThrownBy(() -> SystemSsh.command(SSH, target, List.of()))
        .hasMessageContaining("does not exist");
  }
}
