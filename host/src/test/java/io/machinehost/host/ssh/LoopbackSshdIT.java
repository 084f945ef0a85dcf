package io.machinehost.host.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import io.machinehost.sdk.ssh.Ssh;
import io.machinehost.sdk.ssh.SshKeys;
import io.machinehost.testsupport.Testbed;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generic driver end to end against an OpenSSH sshd of the test's own on a loopback port (no
 * container): create, ssh, scp there and back, through the built {@code machine}.
 */
@Timeout(180)
class LoopbackSshdIT {
  private static final Path SSHD = Path.of("/usr/sbin/sshd");

  @TempDir Path dir;
  private Process sshd;
  private int port;
  private Path key;
  private MachineRunner machine;

  @BeforeEach
  void startSshd() throws Exception {
    assertThat(SSHD)
        .as(
            "OpenSSH's sshd is missing: install openssh-server (\"make testbed\" installs it),"
                + " then run the tests again")
        .isExecutable();
    // sshd refuses to start without its privilege separation directory.
    Files.createDirectories(Path.of("/run/sshd"));
    Path hostKey = dir.resolve("ssh_host_ed25519_key");
    SshKeys.generate(hostKey);
    key = dir.resolve("id_ed25519");
    Files.writeString(dir.resolve("authorized_keys"), SshKeys.generate(key) + "\n");
    port = Testbed.freePort();
    Path config = dir.resolve("sshd_config");
    Files.writeString(
        config,
        String.join(
            "\n",
            "Port " + port,
            "ListenAddress 127.0.0.1",
            "HostKey " + hostKey,
            "PidFile " + dir.resolve("sshd.pid"),
            "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
            "StrictModes no",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "PermitRootLogin prohibit-password",
            "Subsystem sftp internal-sftp",
            ""),
        StandardCharsets.UTF_8);
    sshd =
        new ProcessBuilder(SSHD.toString(), "-D", "-e", "-f", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("sshd.log").toFile())
            .start();
    for (int i = 0; i < 100 && !Ssh.answers("127.0.0.1", port, Duration.ofSeconds(1)); i++) {
      assertThat(sshd.isAlive())
          .as("sshd exited: %s", Files.readString(dir.resolve("sshd.log")))
          .isTrue();
      Thread.sleep(50);
    }
    machine = new MachineRunner(dir.resolve("store"), Files.createDirectories(dir.resolve("work")));
  }

  @AfterEach
  void stopSshd() throws Exception {
    if (sshd != null) {
      sshd.destroy();
      if (!sshd.waitFor(10, TimeUnit.SECONDS)) {
        sshd.destroyForcibly();
      }
    }
  }

  @Test
  void generic_onLoopbackSshd_createSshAndScpThereAndBack() throws Exception {
    machine.ok(
        "create",
        "-d",
        "generic",
        "--no-provision",
        "--generic-ip-address",
        "127.0.0.1",
        "--generic-ssh-port",
        Integer.toString(port),
        "--generic-ssh-user",
        System.getProperty("user.name"),
        "--generic-ssh-key",
        key.toString(),
        "lo");

    assertThat(machine.ok("ssh", "lo", "--", "echo", "hi").out()).isEqualTo("hi\n");
    assertThat(machine.run("ssh", "lo", "--", "exit", "7").exitCode()).isEqualTo(7);
    assertThat(machine.run("--native-ssh", "ssh", "lo", "exit", "7").exitCode()).isEqualTo(7);

    byte[] data = new byte[200_000];
    new Random(7).nextBytes(data);
    Path work = dir.resolve("work");
    Files.write(work.resolve("out.bin"), data);
    Path there = dir.resolve("there.bin");
    machine.ok("scp", "out.bin", "lo:" + there);
    machine.ok("scp", "lo:" + there, "back.bin");
    machine.ok("--native-ssh", "scp", "lo:" + there, "native-back.bin");

    assertThat(there).hasBinaryContent(data);
    assertThat(work.resolve("back.bin")).hasBinaryContent(data);
    assertThat(work.resolve("native-back.bin")).hasBinaryContent(data);
    assertThat(Files.readString(dir.resolve("sshd.log"))).contains("Accepted publickey");
  }
}
