package io.machinehost.host.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the host does with what drivers say, through real {@code machine} and plugin processes: it
 * acts on the ErrorInfo reason, words not-running and not-found as proto/README.md says, cuts off a
 * hung long operation at its deadline, opens no Watch stream to a plain plugin, and a plugin
 * listing leaves nothing in the store.
 */
@Timeout(180)
class DriverContractCliIT {
  @TempDir Path temp;

  /** A plugin directory holding {@code machine-driver-marker}: a mode of the misbehaving plugin. */
  private MachineProcess withMarker(String mode) throws IOException {
    Path plugins = Files.createDirectories(temp.resolve("plugins"));
    Path script = plugins.resolve("machine-driver-marker");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Files.writeString(
        script,
        "#!/bin/sh\nexec '"
            + java
            + "' -XX:TieredStopAtLevel=1 -cp '"
            + System.getProperty("java.class.path")
            + "' io.machinehost.host.plugin.MisbehavingPluginMain "
            + mode
            + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return new MachineProcess(temp.resolve("store"))
        .env("MACHINE_PLUGIN_PATH", plugins.toString())
        .env("MACHINEHOST_PLUGIN_REUSE", "0");
  }

  private static void created(MachineProcess machine, String... args) throws Exception {
    MachineProcess.Result r = machine.run(args);
    assertThat(r.exitCode()).as(r.err()).isZero();
  }

  @Test
  void errorWithAnotherCode_hostFollowsTheReason_andDebugShowsWhatCame() throws Exception {
    MachineProcess machine = withMarker("reason-not-code");
    created(machine, "create", "-d", "marker", "m1");

    MachineProcess.Result ip = machine.run("--debug", "ip", "m1");
    MachineProcess.Result stop = machine.run("stop", "m1");
    MachineProcess.Result url = machine.run("url", "m1");

    // Every status says INTERNAL; the reasons say FAILED_PRECONDITION, NOT_FOUND, INVALID_ARGUMENT.
    assertThat(ip.exitCode()).isEqualTo(1);
    assertThat(ip.err())
        .contains(
            "machine \"m1\" is not running (the marker driver says: IP address is not set); start"
                + " it with \"machine start m1\"")
        .contains(
            "debug: GetIp of machine \"m1\" answered gRPC status INTERNAL \"IP address is not"
                + " set\"; ErrorInfo reason \"FAILED_PRECONDITION\" domain"
                + " \"driver.machinehost.io\" -> FAILED_PRECONDITION");
    assertThat(stop.exitCode()).isEqualTo(1);
    assertThat(stop.err())
        .contains("machine \"m1\" no longer exists at its provider")
        .contains("instance i-0abc was deleted")
        .contains("remove it here too with \"machine rm m1\"");
    assertThat(url.exitCode()).as("INVALID_ARGUMENT exits 2: " + url.err()).isEqualTo(2);
  }

  @Test
  void plainPlugin_withReuseOn_getsNoWatchStream_andNoRecord() throws Exception {
    MachineProcess machine = withMarker("plain-health");
    created(machine, "create", "-d", "marker", "m1");
    machine.env("MACHINEHOST_PLUGIN_REUSE", "1");

    MachineProcess.Result status = machine.run("--debug", "status", "m1");

    assertThat(status.exitCode()).as(status.err()).isZero();
    assertThat(status.out()).isEqualTo("Running\n");
    assertThat(status.err()).contains("launched plugin marker").doesNotContain("health Watch");
    assertThat(temp.resolve("store/run/marker.json")).doesNotExist();
  }

  @Test
  void rm_removeHangs_cutOffAtTheDeadlineTheDriverDeclares_storeEntryKept() throws Exception {
    MachineProcess machine =
        new MachineProcess(temp.resolve("store"))
            .env("MACHINEHOST_PLUGIN_REUSE", "0")
            .withFakeDriver(temp.resolve("plugins"))
            .env("FAKE_REMOVE_TIMEOUT_SECONDS", "3")
            .env("MACHINEHOST_PROGRESS_INTERVAL", "1");
    created(machine, "create", "-d", "fake", "--fake-token", "t", "stuck1");

    MachineProcess.Result rm = machine.run("rm", "-y", "stuck1");

    assertThat(rm.exitCode()).isEqualTo(1);
    assertThat(rm.err())
        .contains("Deleting the fake machine")
        .contains("still waiting for machine \"stuck1\" after ")
        .contains(
            "the fake driver did not finish Remove of machine \"stuck1\" within 3 s: the call was"
                + " cut off and the driver told to cancel it")
        .contains("the limit is the one the driver declares")
        .contains("set MACHINEHOST_REMOVE_TIMEOUT=<seconds> to wait longer (0: no limit)")
        .contains("\"machine rm -f stuck1\" forgets it anyway");
    assertThat(machine.machineDir("stuck1")).isDirectory();
  }

  @Test
  void rm_removeHangs_userDeadlineWins() throws Exception {
    MachineProcess machine =
        new MachineProcess(temp.resolve("store"))
            .env("MACHINEHOST_PLUGIN_REUSE", "0")
            .withFakeDriver(temp.resolve("plugins"))
            .env("FAKE_REMOVE_TIMEOUT_SECONDS", "600");
    created(machine, "create", "-d", "fake", "--fake-token", "t", "stuck2");

    MachineProcess.Result bad =
        machine.env("MACHINEHOST_REMOVE_TIMEOUT", "soon").run("rm", "-y", "stuck2");
    MachineProcess.Result rm =
        machine.env("MACHINEHOST_REMOVE_TIMEOUT", "1").run("rm", "-y", "stuck2");

    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err())
        .contains("MACHINEHOST_REMOVE_TIMEOUT is \"soon\": give a whole number of seconds");
    assertThat(rm.exitCode()).isEqualTo(1);
    assertThat(rm.err())
        .contains("did not finish Remove of machine \"stuck2\" within 1 s")
        .contains("the limit is MACHINEHOST_REMOVE_TIMEOUT's");
    assertThat(machine.machineDir("stuck2")).isDirectory();
  }

  @Test
  void pluginLs_freshStore_leavesNoWarmRecord() throws Exception {
    MachineProcess machine = new MachineProcess(temp.resolve("store"));

    MachineProcess.Result ls = machine.env("MACHINEHOST_PLUGIN_REUSE", "1").run("plugin", "ls");

    assertThat(ls.exitCode()).as(ls.err()).isZero();
    assertThat(ls.out()).containsPattern("none +\\S+ +1 ");
    Path run = temp.resolve("store").resolve("run");
    if (Files.isDirectory(run)) {
      try (Stream<Path> files = Files.list(run)) {
        assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")))
            .isEmpty();
      }
    }
  }
}
