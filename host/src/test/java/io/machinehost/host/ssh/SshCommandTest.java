package io.machinehost.host.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import io.machinehost.sdk.ssh.SshKeys;
import io.machinehost.testsupport.EmbeddedSshd;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code machine ssh} with the native client against an embedded sshd, and its refusals. */
class SshCommandTest {
  @TempDir Path dir;
  private FakeMachines machines;
  private EmbeddedSshd sshd;
  private Path key;

  @BeforeEach
  void start() throws Exception {
    machines = new FakeMachines(dir.resolve("store"));
    key = dir.resolve("id_ed25519");
    sshd = EmbeddedSshd.start(dir.resolve("host_key"), SshKeys.generate(key));
    machines.add("m1", FakeSshDriver.config("RUNNING", sshd.port(), "root", key.toString()));
  }

  @AfterEach
  void stop() {
    sshd.close();
    machines.close();
  }

  @Test
  void ssh_command_printsItsOutputAndExitsWithItsStatus() {
    FakeMachines.Result echo = machines.run("", "--native-ssh", "ssh", "m1", "--", "echo", "hi");
    FakeMachines.Result exit = machines.run("", "--native-ssh", "ssh", "m1", "exit", "7");

    assertThat(echo.exitCode()).as(echo.err()).isZero();
    assertThat(echo.out()).isEqualTo("hi\n");
    assertThat(exit.exitCode()).as(exit.err()).isEqualTo(7);
    assertThat(sshd.commands()).containsExactly("echo hi", "exit 7");
  }

  @Test
  void ssh_stdin_reachesTheCommand() {
    FakeMachines.Result result = machines.run("one\ntwo\n", "ssh", "--native-ssh", "m1", "cat");

    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out()).isEqualTo("one\ntwo\n");
  }

  @Test
  void ssh_optionsAfterTheName_belongToTheCommand() {
    machines.env("MACHINE_NATIVE_SSH", "1");

    FakeMachines.Result result = machines.run("", "ssh", "m1", "echo", "--help", "-D");

    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out()).isEqualTo("--help -D\n");
  }

  @Test
  void ssh_noCommand_opensAShell() {
    FakeMachines.Result result = machines.run("ls\nexit 3\n", "--native-ssh", "ssh", "m1");

    assertThat(result.exitCode()).as(result.err()).isEqualTo(3);
    assertThat(result.out()).contains("echo: ls");
  }

  @Test
  void ssh_firstContact_pinsTheHostKeyInTheMachineDirectory() {
    machines.run("", "--native-ssh", "ssh", "m1", "exit", "0");

    assertThat(machines.machineDir("m1").resolve("known_hosts"))
        .content()
        .startsWith("[127.0.0.1]:" + sshd.port() + " ");
  }

  @Test
  void ssh_changedHostKey_refusedUntilAccepted() throws Exception {
    machines.run("", "--native-ssh", "ssh", "m1", "exit", "0");
    int port = sshd.port();
    sshd.close();
    sshd =
        EmbeddedSshd.start(
            dir.resolve("new_host_key"),
            EmbeddedSshd.publicKeyLine(SshKeys.publicKeyPath(key)),
            port);

    FakeMachines.Result refused = machines.run("", "--native-ssh", "ssh", "m1", "echo", "x");
    FakeMachines.Result accepted =
        machines.run("", "--native-ssh", "ssh", "--accept-new-host-key", "m1", "echo", "y");
    FakeMachines.Result after = machines.run("", "--native-ssh", "ssh", "m1", "echo", "z");

    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.err())
        .startsWith("Error: cannot run SSH on machine \"m1\": ")
        .contains("has changed")
        .contains("machine ssh --accept-new-host-key m1");
    assertThat(accepted.exitCode()).as(accepted.err()).isZero();
    assertThat(accepted.err()).contains("Forgot the host key pinned for machine \"m1\"");
    assertThat(accepted.out()).isEqualTo("y\n");
    assertThat(after.out()).isEqualTo("z\n");
    assertThat(sshd.commands()).containsExactly("echo y", "echo z");
  }

  @Test
  void ssh_wrongKey_refusedNamingTheKey() throws Exception {
    Path other = dir.resolve("other");
    SshKeys.generate(other);
    machines.add("m2", FakeSshDriver.config("RUNNING", sshd.port(), "root", other.toString()));

    FakeMachines.Result result = machines.run("", "--native-ssh", "ssh", "m2", "true");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err())
        .startsWith("Error: cannot run SSH on machine \"m2\": ")
        .contains("refused the key " + other);
  }

  @Test
  void ssh_stoppedMachine_refusedSayingHowToStartIt() throws Exception {
    machines.add("off", FakeSshDriver.config("STOPPED", sshd.port(), "root", key.toString()));

    FakeMachines.Result result = machines.run("", "ssh", "off", "true");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err())
        .isEqualTo(
            "Error: cannot run SSH on machine \"off\": it is Stopped; start it with \"machine"
                + " start off\"\n");
    assertThat(sshd.commands()).isEmpty();
  }

  @Test
  void ssh_unknownMachine_saysSo() {
    FakeMachines.Result result = machines.run("", "ssh", "nope", "true");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err()).contains("\"nope\"").contains("machine ls");
  }

  @Test
  void ssh_noNameAndNoDefault_usageError() {
    FakeMachines.Result result = machines.run("", "ssh");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("no machine name given");
  }

  @Test
  void ssh_notAMachineName_usageError() {
    FakeMachines.Result result = machines.run("", "ssh", "../m1", "true");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("invalid machine name \"../m1\"");
    assertThat(Files.exists(dir.resolve("store/machines/m1/known_hosts"))).isFalse();
  }
}
