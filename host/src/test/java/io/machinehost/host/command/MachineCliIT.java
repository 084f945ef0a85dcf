package io.machinehost.host.command;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code dist/bin/machine} driven as a user would, with real plugin processes. */
@Timeout(120)
class MachineCliIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path temp;

  @Test
  void noneMachine_createListInspectQueryRemove() throws Exception {
    MachineProcess machine = new MachineProcess(temp.resolve("store"));

    MachineProcess.Result create =
        machine.run("create", "-d", "none", "--url", "tcp://127.0.0.1:2376", "m1");
    assertThat(create.exitCode()).as(create.err()).isZero();

    MachineProcess.Result ls = machine.run("ls");
    assertThat(ls.out().lines())
        .containsExactly(
            "NAME   ACTIVE   DRIVER   STATE     URL                    DOCKER   ERRORS",
            "m1     -        none     Running   tcp://127.0.0.1:2376");
    assertThat(machine.run("ip", "m1").out()).isEqualTo("127.0.0.1\n");
    assertThat(machine.run("status", "m1").out()).isEqualTo("Running\n");
    assertThat(machine.run("url", "m1").out()).isEqualTo("tcp://127.0.0.1:2376\n");
    JsonNode inspect = JSON.readTree(machine.run("inspect", "m1").out());
    assertThat(inspect.path("Driver").path("URL").asText()).isEqualTo("tcp://127.0.0.1:2376");

    MachineProcess.Result badName =
        machine.run("create", "-d", "none", "--url", "tcp://h:1", "a_b");
    assertThat(badName.exitCode()).isEqualTo(2);
    assertThat(badName.err()).contains("invalid machine name \"a_b\"");
    MachineProcess.Result unknown = machine.run("create", "-d", "nosuch", "x");
    assertThat(unknown.exitCode()).isEqualTo(3);
    assertThat(unknown.err()).contains("driver \"nosuch\" not found");
    MachineProcess.Result duplicate =
        machine.run("create", "-d", "none", "--url", "tcp://127.0.0.1:2376", "m1");
    assertThat(duplicate.exitCode()).isEqualTo(1);
    assertThat(duplicate.err()).contains("machine \"m1\" already exists");
    assertThat(machine.machineDir("a_b")).doesNotExist();
    assertThat(machine.machineDir("x")).doesNotExist();

    MachineProcess.Result rm = machine.run("rm", "-y", "m1");
    assertThat(rm.exitCode()).isZero();
    assertThat(machine.machineDir("m1")).doesNotExist();
  }

  @Test
  void ls_fiftyMachines_onePluginLaunch() throws Exception {
    MachineProcess machine = new MachineProcess(temp.resolve("store"));
    assertThat(
            machine.run("create", "-d", "none", "--url", "tcp://127.0.0.1:2376", "m00").exitCode())
        .isZero();
    cloneMachine(machine, "m00", 49);

    MachineProcess.Result ls = machine.run("--debug", "ls");

    assertThat(ls.exitCode()).isZero();
    assertThat(ls.out().lines().filter(l -> l.contains("Running"))).hasSize(50);
    // One plugin: launched, or the warm one the create left (reused).
    assertThat(ls.err().lines().filter(l -> l.matches("debug: (launched|reused) plugin none .*")))
        .hasSize(1);
  }

  /** Copies a machine's directory as other machines (what 49 creates would write). */
  private static void cloneMachine(MachineProcess machine, String source, int copies)
      throws Exception {
    String config = Files.readString(machine.machineDir(source).resolve("config.json"));
    for (int i = 1; i <= copies; i++) {
      String name = String.format("m%02d", i);
      Files.createDirectories(machine.machineDir(name));
      Files.writeString(
          machine.machineDir(name).resolve("config.json"),
          config.replace("\"" + source + "\"", "\"" + name + "\""));
    }
  }

  @Test
  void eightConcurrentProcesses_sameMachine_everyUpdateKept() throws Exception {
    MachineProcess machine = new MachineProcess(temp.resolve("store"));
    assertThat(
            machine.run("create", "-d", "none", "--url", "tcp://127.0.0.1:2376", "m1").exitCode())
        .isZero();

    List<Process> processes = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      processes.add(machine.builder("label", "m1", "k" + i + "=v" + i).start());
    }
    for (Process p : processes) {
      p.getInputStream().readAllBytes();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isZero();
    }

    JsonNode config = JSON.readTree(machine.machineDir("m1").resolve("config.json").toFile());
    JsonNode labels = config.path("HostOptions").path("Labels");
    for (int i = 0; i < 8; i++) {
      assertThat(labels.path("k" + i).asText()).as("label k%d", i).isEqualTo("v" + i);
    }
    assertThat(config.path("Driver").path("URL").asText()).isEqualTo("tcp://127.0.0.1:2376");
  }

  @Test
  void ls_corruptConfig_shownWithItsErrorOthersListed() throws Exception {
    MachineProcess machine = new MachineProcess(temp.resolve("store"));
    machine.run("create", "-d", "none", "--url", "tcp://127.0.0.1:2376", "good");
    Files.createDirectories(machine.machineDir("broken"));
    Files.write(machine.machineDir("broken").resolve("config.json"), new byte[0]);

    MachineProcess.Result ls = machine.run("ls");

    assertThat(ls.exitCode()).isZero();
    assertThat(ls.out()).containsPattern("good +- +none +Running");
    assertThat(ls.out()).containsPattern("broken +- +unknown +Error .*machine rm -f broken");
  }

  @Test
  void ls_pluginHangsOnOneMachine_timeoutForItOthersListedNoProcessLeft() throws Exception {
    Path plugins = temp.resolve("plugins");
    // No plugin left means the stdin-lifeline mode: a warm plugin would stay for its idle period.
    MachineProcess machine =
        new MachineProcess(temp.resolve("store"))
            .env("MACHINEHOST_PLUGIN_REUSE", "0")
            .withFakeDriver(plugins);
    for (String name : List.of("hang1", "ok1")) {
      MachineProcess.Result r = machine.run("create", "-d", "fake", "--fake-token", "t", name);
      assertThat(r.exitCode()).as(r.err()).isZero();
    }

    MachineProcess.Result ls = machine.run("ls", "-t", "2");

    assertThat(ls.exitCode()).isZero();
    assertThat(ls.out()).containsPattern("hang1 +- +fake +Timeout");
    assertThat(ls.out()).containsPattern("ok1 +- +fake +Running +tcp://192.0.2.10:2376");
    assertNoPluginLeft(plugins);
  }

  @Test
  void create_ctrlC_cancelsInTheDriverAndLeavesNothing() throws Exception {
    Path plugins = temp.resolve("plugins");
    MachineProcess machine =
        new MachineProcess(temp.resolve("store"))
            .env("MACHINEHOST_PLUGIN_REUSE", "0")
            .withFakeDriver(plugins);
    Process process =
        machine
            .builder(
                "create", "-d", "fake", "--fake-token", "t", "--fake-create-seconds", "60", "f1")
            .start();
    StringBuilder seen = new StringBuilder();
    BufferedReader err = MachineProcess.stderrUntil(process, "Allocating the fake machine", seen);
    assertThat(seen.toString()).contains("Allocating the fake machine");
    assertThat(temp.resolve("store").resolve("fake-cloud").resolve("f1")).exists();

    new ProcessBuilder("kill", "-INT", String.valueOf(process.pid())).start().waitFor();

    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    err.lines().forEach(l -> seen.append(l).append('\n'));
    assertThat(process.exitValue()).as(seen.toString()).isEqualTo(130);
    assertThat(seen.toString()).contains("create of machine \"f1\" cancelled");
    assertThat(machine.machineDir("f1")).doesNotExist();
    assertThat(temp.resolve("store").resolve("fake-cloud").resolve("f1")).doesNotExist();
    assertNoPluginLeft(plugins);
  }

  @Test
  void create_driverSlowerThanTheStartTimeout_failsNamingTheLimit() throws Exception {
    Path plugins = temp.resolve("plugins");
    Files.createDirectories(plugins);
    Path slow = plugins.resolve("machine-driver-slow");
    Files.writeString(slow, "#!/bin/sh\necho 'still loading' >&2\nexec sleep 60\n");
    slow.toFile().setExecutable(true);
    MachineProcess machine =
        new MachineProcess(temp.resolve("store"))
            .env("MACHINE_PLUGIN_PATH", plugins.toString())
            .env("MACHINE_PLUGIN_START_TIMEOUT", "1");

    MachineProcess.Result r = machine.run("create", "-d", "slow", "s1");

    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.err()).contains("printed no handshake line within 1000 ms", "still loading");
    assertThat(machine.machineDir("s1")).doesNotExist();
  }

  private static void assertNoPluginLeft(Path plugins) throws InterruptedException {
    // The plugin script names its directory on the JVM's command line (-Dfake.plugins=…).
    String marker = "-Dfake.plugins=" + plugins;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    List<String> left;
    do {
      left =
          ProcessHandle.allProcesses()
              .filter(p -> p.info().commandLine().orElse("").contains(marker))
              .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
              .toList();
      if (left.isEmpty()) {
        return;
      }
      Thread.sleep(200);
    } while (System.nanoTime() < deadline);
    assertThat(left).as("plugin processes left behind").isEmpty();
  }
}
