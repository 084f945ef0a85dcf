package io.machinehost.host.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import io.machinehost.sdk.ssh.SshKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code machine scp} refuses before it copies anything. */
class ScpCommandTest {
  @TempDir Path dir;
  private FakeMachines machines;

  @BeforeEach
  void start() throws Exception {
    machines = new FakeMachines(dir.resolve("store"));
    Path key = dir.resolve("id_ed25519");
    SshKeys.generate(key);
    // Port 9 of 127.0.0.1 (discard) is closed here: no test below may get as far as connecting.
    machines.add("m1", FakeSshDriver.config("RUNNING", 9, "root", key.toString()));
    machines.add("off", FakeSshDriver.config("STOPPED", 9, "root", key.toString()));
  }

  @AfterEach
  void stop() {
    machines.close();
  }

  @Test
  void scp_bothEndsLocal_usageError() {
    FakeMachines.Result result = machines.run("", "scp", "a", "localhost:b");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("neither a nor localhost:b is on a machine");
  }

  @Test
  void scp_missingLocalSource_namesIt() {
    Path missing = dir.resolve("missing.txt");

    FakeMachines.Result result = machines.run("", "scp", missing.toString(), "m1:/tmp/");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err())
        .isEqualTo(
            "Error: cannot copy "
                + missing
                + ": there is no such file or directory on this host\n");
  }

  @Test
  void scp_directoryWithoutRecursive_askedForDashR() throws Exception {
    Path tree = Files.createDirectories(dir.resolve("tree"));

    FakeMachines.Result result = machines.run("", "scp", tree.toString(), "m1:/tmp/");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("it is a directory; copy it with -r");
  }

  @Test
  void scp_stoppedMachine_namesItAndTheNextStep() throws Exception {
    Path file = Files.writeString(dir.resolve("f"), "x");

    FakeMachines.Result to = machines.run("", "scp", file.toString(), "off:/tmp/f");
    FakeMachines.Result from = machines.run("", "scp", "off:/tmp/f", file.toString());

    assertThat(to.err())
        .isEqualTo(
            "Error: cannot copy files to machine \"off\": it is Stopped; start it with \"machine"
                + " start off\"\n");
    assertThat(from.err()).startsWith("Error: cannot copy files from machine \"off\": it is");
  }

  @Test
  void scp_unknownMachine_saysSo() {
    FakeMachines.Result result = machines.run("", "scp", "nope:/etc/hosts", "x");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err()).contains("machine \"nope\" does not exist");
  }

  @Test
  void scp_deltaWithNativeSsh_refused() throws Exception {
    Path file = Files.writeString(dir.resolve("f"), "x");

    FakeMachines.Result result =
        machines.run("", "--native-ssh", "scp", "-d", file.toString(), "m1:/tmp/f");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("-d copies with rsync over the system ssh");
  }

  @Test
  void scp_deltaWithoutLocalRsync_saysToInstallIt() throws Exception {
    Path file = Files.writeString(dir.resolve("f"), "x");
    machines.env("PATH", Files.createDirectories(dir.resolve("empty-bin")).toString());

    FakeMachines.Result result = machines.run("", "scp", "-d", file.toString(), "m1:/tmp/f");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err())
        .contains("-d copies with rsync, which is not installed on this host")
        .contains("copy without -d");
  }

  @Test
  void scp_emptyMachineName_usageError() {
    FakeMachines.Result result = machines.run("", "scp", ":/etc/hosts", "x");

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("names no machine before the colon");
  }
}
