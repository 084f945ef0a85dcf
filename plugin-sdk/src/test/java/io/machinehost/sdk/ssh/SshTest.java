package io.machinehost.sdk.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.Operation;
import io.machinehost.testsupport.EmbeddedSshd;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class SshTest {
  @TempDir Path dir;
  private Path key;
  private EmbeddedSshd sshd;

  @BeforeEach
  void startServer() throws Exception {
    key = dir.resolve("id");
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
  void waitFor_serverUp_returnsAfterLoggingIn() throws Exception {
    Ssh.waitFor(sshd.target("root", key), Duration.ofSeconds(10), Operation.none());

    assertThat(sshd.commands()).containsExactly("exit 0");
  }

  @Test
  void waitFor_closedPort_timesOutNamingHostPort() {
    sshd.stop();

    assertThatThrownBy(
            () -> Ssh.waitFor(sshd.target("root", key), Duration.ofSeconds(1), Operation.none()))
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(DriverException.Code.TIMEOUT))
        .hasMessageStartingWith(
            "SSH at root@127.0.0.1:" + sshd.port() + " did not answer within 1 s")
        .hasMessageContaining("connection refused");
  }

  @Test
  void waitFor_cancelled_throwsCancelled() {
    sshd.stop();
    CancelAfter operation = new CancelAfter(2);

    assertThatThrownBy(
            () -> Ssh.waitFor(sshd.target("root", key), Duration.ofMinutes(5), operation))
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(DriverException.Code.CANCELLED))
        .hasMessageContaining("127.0.0.1:" + sshd.port());
  }

  @Test
  void waitFor_changedHostKey_failsAtOnce() throws Exception {
    Path knownHosts = dir.resolve("known_hosts");
    java.nio.file.Files.writeString(
        knownHosts,
        KnownHosts.hostPattern("127.0.0.1", sshd.port())
            + " ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFysqEbfUZko37K/C/zRwG8H9L6+p0VmiT7pHU3ynPVs\n");

    assertThatThrownBy(
            () ->
                Ssh.waitFor(
                    sshd.target("root", key).withKnownHosts(knownHosts),
                    Duration.ofMinutes(5),
                    Operation.none()))
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(DriverException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("has changed");
  }

  @Test
  void run_command_connectsRunsAndDisconnects() throws Exception {
    assertThat(Ssh.run(sshd.target("root", key), "echo ok").stdout()).isEqualTo("ok\n");
  }

  @Test
  void answers_sshServer_isTrue() {
    assertThat(Ssh.answers("127.0.0.1", sshd.port(), Duration.ofSeconds(5))).isTrue();
  }

  @Test
  void answers_closedPort_isFalse() {
    sshd.stop();

    assertThat(Ssh.answers("127.0.0.1", sshd.port(), Duration.ofSeconds(5))).isFalse();
  }

  @Test
  void answers_acceptingButSilentPort_isFalse() throws Exception {
    // As Docker's port proxy does for a container whose sshd is gone: accept, then close.
    try (ServerSocket proxy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread acceptor =
          new Thread(
              () -> {
                try (Socket s = proxy.accept()) {
                  s.getOutputStream()
                      .write(
                          "HTTP/1.0 400\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                } catch (IOException e) {
                  // the test is over
                }
              });
      acceptor.start();

      assertThat(Ssh.answers("127.0.0.1", proxy.getLocalPort(), Duration.ofSeconds(5))).isFalse();
      acceptor.join();
    }
  }

  /** An operation cancelled on its n-th look. */
  private static final class CancelAfter implements Operation {
    private final AtomicInteger looks = new AtomicInteger();
    private final int limit;

    CancelAfter(int limit) {
      this.limit = limit;
    }

    @Override
    public void progress(String step, String message) {}

    @Override
    public void progress(String step, String message, double fraction) {}

    @Override
    public boolean isCancelled() {
      return looks.incrementAndGet() > limit;
    }

    @Override
    public void onCancel(Runnable action) {}
  }
}
