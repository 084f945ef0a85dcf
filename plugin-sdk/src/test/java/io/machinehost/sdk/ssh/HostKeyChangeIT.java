package io.machinehost.sdk.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.machinehost.sdk.DriverException;
import io.machinehost.testsupport.SshdTargetContainer;
import io.machinehost.testsupport.Testbed;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.Container.ExecResult;

/** A machine whose host key changes after it was pinned is refused by both clients. */
@ExtendWith(Testbed.class)
@Timeout(60)
class HostKeyChangeIT {
  @TempDir Path dir;

  @Test
  void connect_hostKeyChangedAfterPinning_refusedByNativeAndSystemSsh() throws Exception {
    Path key = dir.resolve("id");
    try (SshdTargetContainer machine = new SshdTargetContainer(SshKeys.generate(key))) {
      machine.start();
      SshTarget target = machine.target("root", key).withKnownHosts(dir.resolve("known_hosts"));
      assertThat(Ssh.run(target, "true").isSuccess()).isTrue();

      // Reinstalled: new host keys, and sshd re-executes itself on SIGHUP to load them.
      ExecResult regenerated =
          machine.execInContainer(
              "sh",
              "-c",
              "rm -f /etc/ssh/ssh_host_* && ssh-keygen -A && kill -HUP $(cat /run/sshd-main.pid)");
      assertThat(regenerated.getExitCode()).as(regenerated.getStderr()).isZero();
      awaitAnswer(machine);

      assertThatThrownBy(() -> Ssh.run(target, "true"))
          .isInstanceOfSatisfying(
              DriverException.class,
              e -> assertThat(e.code()).isEqualTo(DriverException.Code.FAILED_PRECONDITION))
          .hasMessageContaining("has changed")
          .hasMessageContaining("ssh-keygen -R '[127.0.0.1]:" + machine.sshPort() + "'");

      Process ssh =
          new ProcessBuilder(
                  SystemSsh.command(SystemSsh.find().orElseThrow(), target, List.of("true")))
              .redirectErrorStream(true)
              .start();
      String output = new String(ssh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(ssh.waitFor()).isEqualTo(255);
      assertThat(output).contains("REMOTE HOST IDENTIFICATION HAS CHANGED");

      KnownHosts.forget(target.knownHosts(), target.host(), target.port());
      assertThat(Ssh.run(target, "echo accepted").stdout()).isEqualTo("accepted\n");
    }
  }

  private static void awaitAnswer(SshdTargetContainer machine) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      if (Ssh.answers("127.0.0.1", machine.sshPort(), Duration.ofSeconds(1))) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("sshd did not come back after SIGHUP");
  }
}
