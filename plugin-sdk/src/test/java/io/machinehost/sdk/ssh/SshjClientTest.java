package io.machinehost.sdk.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.machinehost.sdk.DriverException;
import io.machinehost.testsupport.EmbeddedSshd;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class SshjClientTest {
  @TempDir Path dir;
  private Path key;
  private EmbeddedSshd sshd;

  @BeforeEach
  void startServer() throws Exception {
    key = dir.resolve("id_ed25519");
    SshKeys.generate(key);
    sshd =
        EmbeddedSshd.start(
            dir.resolve("host_key"), EmbeddedSshd.publicKeyLine(SshKeys.publicKeyPath(key)));
  }

  @AfterEach
  void stopServer() {
    sshd.close();
  }

  private static DriverException.Code codeOf(Throwable e) {
    return ((DriverException) e).code();
  }

  @Test
  void run_echo_returnsStatusAndOutput() throws Exception {
    try (SshClient client = SshjClient.connect(sshd.target("root", key))) {
      CommandResult result = client.run("echo hello");

      assertThat(result).isEqualTo(new CommandResult(0, "hello\n", ""));
    }
  }

  @Test
  void run_failingCommand_returnsStatusAndStderr() throws Exception {
    try (SshClient client = SshjClient.connect(sshd.target("root", key))) {
      assertThat(client.run("err broken")).isEqualTo(new CommandResult(1, "", "broken\n"));
      assertThat(client.run("exit 42").exitStatus()).isEqualTo(42);
    }
  }

  @Test
  void run_withStdin_commandReadsIt() throws Exception {
    byte[] input = "line one\nline two\n".getBytes(StandardCharsets.UTF_8);
    try (SshClient client = SshjClient.connect(sshd.target("root", key))) {
      CommandResult result = client.run("cat", input, Duration.ZERO);

      assertThat(result.stdout()).isEqualTo("line one\nline two\n");
    }
  }

  @Test
  void exec_streams_copiesBothWays() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (SshClient client = SshjClient.connect(sshd.target("root", key))) {
      int status =
          client.exec(
              "cat", new ByteArrayInputStream("piped".getBytes(StandardCharsets.UTF_8)), out, err);

      assertThat(status).isZero();
      assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("piped");
    }
  }

  @Test
  void run_commandOverTime_throwsTimeout() throws Exception {
    try (SshClient client = SshjClient.connect(sshd.target("root", key))) {
      assertThatThrownBy(() -> client.run("sleep", new byte[0], Duration.ofMillis(300)))
          .satisfies(e -> assertThat(codeOf(e)).isEqualTo(DriverException.Code.TIMEOUT))
          .hasMessageContaining("command \"sleep\" on root@127.0.0.1:" + sshd.port());
    }
  }

  @Test
  void shell_pty_echoesAndReturnsExitStatus() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (SshClient client = SshjClient.connect(sshd.target("root", key))) {
      int status =
          client.shell(
              "xterm",
              80,
              24,
              new ByteArrayInputStream("hi\nexit 3\n".getBytes(StandardCharsets.UTF_8)),
              out);

      assertThat(status).isEqualTo(3);
      assertThat(out.toString(StandardCharsets.UTF_8)).contains("echo: hi");
    }
  }

  @Test
  void connect_wrongKey_permissionDeniedNamingKeyAndTarget() throws Exception {
    Path other = dir.resolve("other");
    SshKeys.generate(other);

    assertThatThrownBy(() -> SshjClient.connect(sshd.target("root", other)))
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(DriverException.Code.PERMISSION_DENIED))
        .hasMessageContaining("root@127.0.0.1:" + sshd.port())
        .hasMessageContaining("the key " + other)
        .hasMessageContaining("authorized_keys");
  }

  @Test
  void connect_serverClosesDuringLogin_unavailableNotRefusedKey() {
    sshd.onLogin(session -> session.close(true));

    assertThatThrownBy(() -> SshjClient.connect(sshd.target("root", key)))
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(DriverException.Code.UNAVAILABLE))
        .hasMessageContaining("127.0.0.1:" + sshd.port())
        .hasMessageContaining("closed the connection while logging in")
        .hasMessageNotContaining("authorized_keys");
  }

  @Test
  void connect_serverStallsDuringLogin_unavailableNotRefusedKey() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    sshd.onLogin(
        session -> {
          try {
            release.await(20, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    try {
      assertThatThrownBy(() -> SshjClient.connect(sshd.target("root", key), Duration.ofSeconds(2)))
          .satisfies(e -> assertThat(codeOf(e)).isEqualTo(DriverException.Code.UNAVAILABLE))
          .hasMessageContaining("did not finish logging in within 2000 ms")
          .hasMessageNotContaining("authorized_keys");
    } finally {
      release.countDown();
    }
  }

  @Test
  void connect_closedPort_unavailableNamingHostPort() {
    sshd.stop();

    assertThatThrownBy(() -> SshjClient.connect(sshd.target("root", key)))
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(DriverException.Code.UNAVAILABLE))
        .hasMessageContaining("127.0.0.1:" + sshd.port())
        .hasMessageContaining("connection refused");
  }

  @Test
  void connect_missingKeyFile_failedPrecondition() {
    assertThatThrownBy(() -> SshjClient.connect(sshd.target("root", dir.resolve("nope"))))
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(DriverException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("SSH key " + dir.resolve("nope") + " does not exist");
  }

  @Test
  void connect_firstContact_pinsHostKey() throws Exception {
    Path knownHosts = dir.resolve("machine").resolve("known_hosts");
    SshTarget target = sshd.target("root", key).withKnownHosts(knownHosts);

    try (SshClient client = SshjClient.connect(target)) {
      client.run("exit 0");
    }
    try (SshClient again = SshjClient.connect(target)) {
      assertThat(again.run("echo still").stdout()).isEqualTo("still\n");
    }

    assertThat(Files.readAllLines(knownHosts))
        .singleElement()
        .asString()
        .startsWith("[127.0.0.1]:" + sshd.port() + " ");
  }

  @Test
  void connect_changedHostKey_refusedSayingHowToAccept() throws Exception {
    Path knownHosts = dir.resolve("known_hosts");
    try (SshClient client =
        SshjClient.connect(sshd.target("root", key).withKnownHosts(knownHosts))) {
      client.run("exit 0");
    }
    int port = sshd.port();
    sshd.stop();
    // The same address now answers with another host key, as a reinstalled machine would.
    sshd =
        EmbeddedSshd.start(
            dir.resolve("other_host_key"),
            EmbeddedSshd.publicKeyLine(SshKeys.publicKeyPath(key)),
            port);

    SshTarget target = sshd.target("root", key).withKnownHosts(knownHosts);
    assertThatThrownBy(() -> SshjClient.connect(target))
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(DriverException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("host key of [127.0.0.1]:" + port + " has changed")
        .hasMessageContaining("ssh-keygen -R '[127.0.0.1]:" + port + "' -f '" + knownHosts + "'")
        .satisfies(e -> assertThat(KnownHosts.isChangedKeyRefusal((DriverException) e)).isTrue());
    assertThat(sshd.commands()).isEmpty();

    KnownHosts.forget(knownHosts, "127.0.0.1", port);
    try (SshClient client = SshjClient.connect(target)) {
      assertThat(client.run("exit 0").isSuccess()).isTrue();
    }
  }

  @Test
  void upload_directoryWithoutRecursive_invalidArgument() throws Exception {
    Files.createDirectories(dir.resolve("tree"));
    try (SshClient client = SshjClient.connect(sshd.target("root", key))) {
      assertThatThrownBy(() -> client.upload(dir.resolve("tree"), "x", false))
          .satisfies(e -> assertThat(codeOf(e)).isEqualTo(DriverException.Code.INVALID_ARGUMENT))
          .hasMessageContaining("is a directory; copy it with -r");
    }
  }
}
