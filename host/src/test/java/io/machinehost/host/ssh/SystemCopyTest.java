package io.machinehost.host.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.machinehost.host.ssh.SystemCopy.End;
import io.machinehost.sdk.ssh.SshTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SystemCopyTest {
  private static final Path SCP = Path.of("/usr/bin/scp");
  private static final Path RSYNC = Path.of("/usr/bin/rsync");
  private static final Path SSH = Path.of("/usr/bin/ssh");

  @TempDir Path dir;

  private SshTarget target(String host) {
    return SshTarget.of(host, 2222, "docker", null).withKnownHosts(dir.resolve("known_hosts"));
  }

  @Test
  void scp_upload_machineOptionsThenLocalThenRemote() throws Exception {
    List<String> args =
        SystemCopy.scp(
            SCP,
            List.of(End.local("a.txt"), End.local("b.txt")),
            End.remote(target("192.0.2.10"), "/tmp/"),
            true,
            true);

    assertThat(args)
        .startsWith("/usr/bin/scp", "-r", "-q", "-F", "/dev/null")
        .containsSubsequence("-o", "Port=2222", "-o", "User=docker")
        .containsSubsequence("-o", "UserKnownHostsFile=" + dir.resolve("known_hosts"))
        .endsWith("--", "a.txt", "b.txt", "192.0.2.10:/tmp/");
  }

  @Test
  void scp_download_ipv6HostInBrackets() throws Exception {
    List<String> args =
        SystemCopy.scp(SCP, List.of(End.remote(target("::1"), "x")), End.local("."), false, false);

    assertThat(args).doesNotContain("-r", "-q").endsWith("--", "[::1]:x", ".");
  }

  @Test
  void scp_localPathsScpWouldMisread_madeRelative() throws Exception {
    List<String> args =
        SystemCopy.scp(
            SCP,
            List.of(End.local("a:b"), End.local("-rf")),
            End.remote(target("h"), ""),
            false,
            false);

    assertThat(args).endsWith("--", "./a:b", "./-rf", "h:");
  }

  @Test
  void scp_bothEndsRemote_refused() {
    End remote = End.remote(target("h"), "x");

    assertThatThrownBy(() -> SystemCopy.scp(SCP, List.of(remote), remote, false, false))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rsync_overSsh_withTheMachinesOptionsInOneArgument() throws Exception {
    Path key = Files.writeString(dir.resolve("my key"), "k");
    Files.setPosixFilePermissions(
        key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    SshTarget target = SshTarget.of("h", 2222, "docker", key).withKnownHosts(dir.resolve("kh"));

    List<String> args =
        SystemCopy.rsync(
            RSYNC, SSH, List.of(End.local("site")), End.remote(target, "/srv/"), true, false);

    assertThat(args).startsWith("/usr/bin/rsync", "--times", "--recursive", "-e");
    String rsh = args.get(4);
    assertThat(rsh)
        .startsWith("/usr/bin/ssh -F /dev/null -o ")
        .contains("-o 'IdentityFile=\"" + key + "\"'")
        .contains("-o Port=2222 -o User=docker");
    assertThat(args).endsWith("--", "site", "h:/srv/");
  }

  @Test
  void rshCommand_quotes_singleThenDouble() {
    assertThat(SystemCopy.rshCommand(List.of("ssh", "a b", "it's", "")))
        .isEqualTo("ssh 'a b' \"it's\" ''");
    assertThatThrownBy(() -> SystemCopy.rshCommand(List.of("'\"")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
