package io.machinehost.sdk.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.Operation;
import io.machinehost.testsupport.SshdTargetContainer;
import io.machinehost.testsupport.Testbed;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/** The SSH layer against real OpenSSH in the test bench's sshd-target container. */
@ExtendWith(Testbed.class)
@Testcontainers
@Timeout(60)
class OpenSshIT {
  private static final Path KEYS = keysDir();
  private static final Path KEY = KEYS.resolve("id_ed25519");
  private static final Path RSA_KEY = KEYS.resolve("id_rsa");
  private static final String AUTHORIZED = generateKeys();

  @Container static final SshdTargetContainer MACHINE = new SshdTargetContainer(AUTHORIZED);

  @TempDir Path dir;

  private static Path keysDir() {
    try {
      return Files.createTempDirectory("machinehost-it-keys-");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String generateKeys() {
    try {
      return SshKeys.generate(KEY) + "\n" + SshKeys.generate(RSA_KEY, SshKeys.Type.RSA);
    } catch (DriverException e) {
      throw new IllegalStateException(e);
    }
  }

  @AfterAll
  static void deleteKeys() throws IOException {
    try (Stream<Path> files = Files.walk(KEYS)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private SshTarget pinned(String user, Path key) {
    return MACHINE.target(user, key).withKnownHosts(dir.resolve("known_hosts"));
  }

  private static DriverException.Code codeOf(Throwable e) {
    return ((DriverException) e).code();
  }

  @Test
  void run_commands_returnExitStatusStdoutAndStderr() throws Exception {
    try (SshClient client = SshjClient.connect(pinned("root", KEY))) {
      assertThat(client.run("true")).isEqualTo(new CommandResult(0, "", ""));
      assertThat(client.run("echo out; echo err >&2; exit 7"))
          .isEqualTo(new CommandResult(7, "out\n", "err\n"));
      assertThat(client.run("id -un").stdout()).isEqualTo("root\n");
    }
  }

  @Test
  void run_sudoUser_runsAsRootWithSudo() throws Exception {
    CommandResult result = Ssh.run(pinned(SshdTargetContainer.USER, KEY), "sudo -n id -u");

    assertThat(result).isEqualTo(new CommandResult(0, "0\n", ""));
  }

  @Test
  void run_rsaKey_logsIn() throws Exception {
    assertThat(Ssh.run(pinned("root", RSA_KEY), "echo rsa").stdout()).isEqualTo("rsa\n");
  }

  @Test
  void run_stdin_arrivesWhole() throws Exception {
    byte[] input = new byte[1 << 20];
    for (int i = 0; i < input.length; i++) {
      input[i] = (byte) ('a' + i % 26);
    }
    try (SshClient client = SshjClient.connect(pinned("root", KEY))) {
      CommandResult result = client.run("wc -c; ", input, Duration.ZERO);
      CommandResult echoed = client.run("head -c 5", input, Duration.ZERO);

      assertThat(result.stdout().trim()).isEqualTo(Integer.toString(input.length));
      assertThat(echoed.stdout()).isEqualTo("abcde");
    }
  }

  @Test
  void exec_streams_pipeStdinThrough() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (SshClient client = SshjClient.connect(pinned("root", KEY))) {
      int status =
          client.exec(
              "tr a-z A-Z; echo done >&2",
              new ByteArrayInputStream("piped through\n".getBytes(StandardCharsets.UTF_8)),
              out,
              err);

      assertThat(status).isZero();
      assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("PIPED THROUGH\n");
      assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("done\n");
    }
  }

  @Test
  void shell_pty_runsLinesAndReturnsExitStatus() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (SshClient client = SshjClient.connect(pinned("root", KEY))) {
      int status =
          client.shell(
              "xterm",
              100,
              30,
              new ByteArrayInputStream(
                  "echo $((6*7)) $(tput cols); test -t 0 && echo tty\nexit 5\n"
                      .getBytes(StandardCharsets.UTF_8)),
              out);

      assertThat(status).isEqualTo(5);
      assertThat(out.toString(StandardCharsets.UTF_8)).contains("42 100").contains("tty");
    }
  }

  @Test
  void scp_fileBothWays_contentSurvives() throws Exception {
    Path local = dir.resolve("hello.txt");
    Files.writeString(local, "hello machine\n");
    try (SshClient client = SshjClient.connect(pinned("root", KEY))) {
      client.upload(local, "/tmp/hello.txt", false);
      assertThat(client.run("cat /tmp/hello.txt").stdout()).isEqualTo("hello machine\n");

      client.run("printf 'from machine' > ~/back.txt").orThrow("write back.txt");
      client.download("~/back.txt", dir.resolve("back.txt"), false);
    }

    assertThat(Files.readString(dir.resolve("back.txt"))).isEqualTo("from machine");
  }

  @Test
  void scp_directoryRecursive_copiesTreeBothWays() throws Exception {
    Path tree = dir.resolve("tree");
    Files.createDirectories(tree.resolve("sub"));
    Files.writeString(tree.resolve("a.txt"), "a");
    Files.writeString(tree.resolve("sub").resolve("b.txt"), "b");
    try (SshClient client = SshjClient.connect(pinned("root", KEY))) {
      client.run("rm -rf /tmp/up && mkdir /tmp/up").orThrow("mkdir");
      client.upload(tree, "/tmp/up", true);
      assertThat(client.run("cat /tmp/up/tree/a.txt /tmp/up/tree/sub/b.txt").stdout())
          .isEqualTo("ab");

      Path back = Files.createDirectories(dir.resolve("back"));
      client.download("/tmp/up/tree", back, true);
    }

    assertThat(Files.readString(dir.resolve("back/tree/sub/b.txt"))).isEqualTo("b");
  }

  @Test
  void scp_directoryWithoutRecursive_refusedByTheMachine() throws Exception {
    try (SshClient client = SshjClient.connect(pinned("root", KEY))) {
      client.run("mkdir -p /tmp/dir").orThrow("mkdir");

      assertThatThrownBy(() -> client.download("/tmp/dir", dir, false))
          .satisfies(e -> assertThat(codeOf(e)).isEqualTo(DriverException.Code.FAILED_PRECONDITION))
          .hasMessageContaining("/tmp/dir");
    }
  }

  @Test
  void scp_missingRemoteFile_failsNamingIt() throws Exception {
    try (SshClient client = SshjClient.connect(pinned("root", KEY))) {
      assertThatThrownBy(() -> client.download("/nonexistent", dir.resolve("x"), false))
          .satisfies(e -> assertThat(codeOf(e)).isEqualTo(DriverException.Code.FAILED_PRECONDITION))
          .hasMessageContaining("No such file or directory");
    }
  }

  @Test
  void scp_machineToMachine_goesThroughTheLocalHost() throws Exception {
    try (SshdTargetContainer other = new SshdTargetContainer(AUTHORIZED)) {
      other.start();
      SshTarget source = pinned("root", KEY);
      SshTarget destination =
          other.target("root", KEY).withKnownHosts(dir.resolve("other_known_hosts"));
      Ssh.run(source, "mkdir -p /tmp/m2m/d && echo deep > /tmp/m2m/d/f").orThrow("prepare");

      Scp.copy(
          ScpLocation.remote(source, "/tmp/m2m"), ScpLocation.remote(destination, "/tmp"), true);

      assertThat(Ssh.run(destination, "cat /tmp/m2m/d/f").stdout()).isEqualTo("deep\n");
    }
  }

  @Test
  void connect_wrongKey_permissionDeniedQuickly() throws Exception {
    Path stranger = dir.resolve("stranger");
    SshKeys.generate(stranger);

    assertThatThrownBy(() -> Ssh.run(pinned("root", stranger), "true"))
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(DriverException.Code.PERMISSION_DENIED))
        .hasMessageContaining("root@127.0.0.1:" + MACHINE.sshPort())
        .hasMessageContaining(stranger.toString());
    assertThatThrownBy(
            () -> Ssh.waitFor(pinned("root", stranger), Duration.ofMinutes(5), Operation.none()))
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(DriverException.Code.PERMISSION_DENIED));
  }

  @Test
  void connect_closedPort_clearErrorWithinBound() {
    SshTarget closed = SshTarget.of("127.0.0.1", Testbed.freePort(), "root", KEY);

    assertThatThrownBy(() -> Ssh.run(closed, "true"))
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(DriverException.Code.UNAVAILABLE))
        .hasMessageContaining("cannot connect to SSH at " + closed.address())
        .hasMessageContaining("connection refused");
    assertThatThrownBy(() -> Ssh.waitFor(closed, Duration.ofSeconds(2), Operation.none()))
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(DriverException.Code.TIMEOUT))
        .hasMessageContaining(closed.address());
  }

  @Test
  void systemSsh_pinnedByNativeClient_logsInWithTheSameFile() throws Exception {
    Path ssh = SystemSsh.find().orElseThrow();
    SshTarget target = pinned("root", KEY);
    Ssh.waitFor(target, Duration.ofSeconds(10), Operation.none());

    Process process =
        new ProcessBuilder(SystemSsh.command(ssh, target, List.of("echo", "via", "ssh")))
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(process.waitFor()).as(output).isZero();
    assertThat(output).isEqualTo("via ssh\n");
    assertThat(Files.readAllLines(target.knownHosts())).hasSize(1);
  }

  @Test
  void systemSsh_firstContact_pinsALineTheNativeClientAccepts() throws Exception {
    Path ssh = SystemSsh.find().orElseThrow();
    SshTarget target = pinned("root", KEY);

    Process process =
        new ProcessBuilder(SystemSsh.command(ssh, target, List.of("true")))
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor()).as(output).isZero();

    assertThat(Ssh.run(target, "echo native").stdout()).isEqualTo("native\n");
    assertThat(Files.readAllLines(target.knownHosts())).hasSize(1);
  }
}
