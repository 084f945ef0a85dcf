package io.machinehost.host.command;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.machinehost.host.legacy.GoPrograms;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker-machine's legacy plugin protocol through {@code dist/bin/machine}: the project's Go test
 * driver (host/src/test/go, standard library only) installed as {@code
 * docker-machine-driver-legacytest}, driven through every command, and misbehaving.
 */
@Timeout(120)
class LegacyDriverCliIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path temp;
  private Path driver;
  private MachineProcess machine;

  @BeforeEach
  void install() throws Exception {
    Path plugins = temp.resolve("plugins");
    driver = GoPrograms.legacyDriver(plugins, "docker-machine-driver-legacytest");
    machine =
        new MachineProcess(temp.resolve("store"))
            .env("MACHINE_PLUGIN_PATH", plugins.toString())
            .env("LEGACYTEST_CLOUD", temp.resolve("cloud").toString());
  }

  @AfterEach
  void noPluginLeft() throws Exception {
    for (ProcessHandle p : GoPrograms.running(driver)) {
      boolean gone = MachineProcess.exits(p.pid(), 15);
      p.destroyForcibly();
      assertThat(gone).as("legacy plugin %d outlived its command", p.pid()).isTrue();
    }
  }

  private MachineProcess.Result ok(String... args) throws Exception {
    MachineProcess.Result r = machine.run(args);
    assertThat(r.exitCode()).as("machine %s: %s", List.of(args), r.err()).isZero();
    return r;
  }

  @Test
  void lifecycle_everyCommand_throughTheBridge() throws Exception {
    MachineProcess.Result plugins = ok("plugin", "ls");
    assertThat(plugins.out().lines().filter(l -> l.startsWith("legacytest ")))
        .singleElement()
        .satisfies(
            l ->
                assertThat(l)
                    .contains("legacy-rpc", driver.toString(), "unauthenticated", "loopback TCP"));
    assertThat(ok("create", "-d", "legacytest", "--help").out())
        .contains("--legacytest-cpus=N", "--legacytest-ip=VALUE", "env LEGACYTEST_IP");

    MachineProcess.Result create =
        ok(
            "create",
            "-d",
            "legacytest",
            "--legacytest-cpus",
            "3",
            "--legacytest-tag",
            "a",
            "--legacytest-tag",
            "b",
            "--legacytest-api-token",
            "s3cret-value",
            "--no-provision",
            "m1");
    assertThat(create.err()).contains("Creating instance m1 ...", "Instance m1 is running");

    assertThat(ok("ls").out().lines())
        .containsExactly(
            "NAME   ACTIVE   DRIVER       STATE     URL                    DOCKER   ERRORS",
            "m1     -        legacytest   Running   tcp://127.0.0.1:2376");
    assertThat(ok("status", "m1").out()).isEqualTo("Running\n");
    assertThat(ok("ip", "m1").out()).isEqualTo("127.0.0.1\n");
    assertThat(ok("url", "m1").out()).isEqualTo("tcp://127.0.0.1:2376\n");
    String inspect = ok("inspect", "m1").out();
    assertThat(inspect).doesNotContain("s3cret-value");
    JsonNode config = JSON.readTree(inspect).path("Driver");
    assertThat(config.path("CPUs").asInt()).isEqualTo(3);
    assertThat(config.path("Tags").toString()).isEqualTo("[\"a\",\"b\"]");
    assertThat(config.path("StorePath").asText()).isEqualTo(temp.resolve("store").toString());
    // The record keeps the driver's own JSON, secret included, for the legacy binary.
    assertThat(Files.readString(machine.machineDir("m1").resolve("config.json")))
        .contains("s3cret-value");

    ok("stop", "m1");
    assertThat(ok("status", "m1").out()).isEqualTo("Stopped\n");
    ok("start", "m1");
    assertThat(ok("status", "m1").out()).isEqualTo("Running\n");
    assertThat(ok("restart", "m1").err()).contains("Restarting instance m1");
    ok("kill", "m1");
    assertThat(ok("status", "m1").out()).isEqualTo("Stopped\n");
    ok("start", "m1");

    ok("rm", "-y", "m1");
    assertThat(machine.machineDir("m1")).doesNotExist();
    assertThat(temp.resolve("cloud").resolve("m1")).doesNotExist();
    assertThat(ok("ls").out().lines()).hasSize(1);
  }

  @Test
  void ls_threeMachines_onePluginEach() throws Exception {
    for (String name : List.of("a", "b", "c")) {
      ok("create", "-d", "legacytest", "--no-provision", name);
    }
    ok("stop", "b");

    MachineProcess.Result ls = ok("--debug", "ls");

    assertThat(ls.out())
        .contains("a      -        legacytest   Running", "b      -        legacytest   Stopped");
    assertThat(
            ls.err().lines().filter(l -> l.startsWith("debug: launched legacy plugin legacytest")))
        .hasSize(3);
  }

  @Test
  void create_driverRejectsValues_legacyMessageAndNothingLeft() throws Exception {
    MachineProcess.Result bad =
        machine.run("create", "-d", "legacytest", "--legacytest-cpus", "0", "--no-provision", "x");
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).contains("invalid CPU count 0: must be at least 1");
    assertThat(machine.machineDir("x")).doesNotExist();

    MachineProcess.Result refused =
        machine.run(
            "create", "-d", "legacytest", "--legacytest-fail-create", "--no-provision", "y");
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.err()).contains("the test cloud refused (fail-create)");
    assertThat(machine.machineDir("y")).doesNotExist();
  }

  @Test
  void create_pluginSpeaksVersion2_refusedClearly() throws Exception {
    MachineProcess.Result r =
        machine.env("LEGACYTEST_MODE", "version-2").run("create", "-d", "legacytest", "v");
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.err()).contains("speaks docker-machine plugin API version 2", "speaks version 1");
    assertThat(machine.machineDir("v")).doesNotExist();
  }

  @Test
  void create_preV051Plugin_usesOldServiceName() throws Exception {
    machine.env("LEGACYTEST_MODE", "v0");
    MachineProcess.Result r = ok("--debug", "create", "-d", "legacytest", "--no-provision", "old");
    assertThat(r.err()).contains("RpcServerDriver at 127.0.0.1:");
    assertThat(ok("status", "old").out()).isEqualTo("Running\n");
  }

  @Test
  void create_pluginPrintsNoAddress_boundedWaitShowsStderr() throws Exception {
    long start = System.nanoTime();
    MachineProcess.Result r =
        machine
            .env("LEGACYTEST_MODE", "no-address")
            .env("MACHINE_PLUGIN_START_TIMEOUT", "2")
            .run("create", "-d", "legacytest", "n");
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.err())
        .contains(
            "printed no RPC server address within 2000 ms", "legacytest: stuck before listening");
    assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(60);
  }

  @Test
  void create_pluginCrashesMidCall_reportedAndRemovable() throws Exception {
    MachineProcess.Result r =
        machine
            .env("LEGACYTEST_MODE", "crash-mid-call")
            .run("create", "-d", "legacytest", "--no-provision", "c");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err())
        .contains("exited unexpectedly during Create", "exited with code 3", "simulated crash");

    machine.env("LEGACYTEST_MODE", "");
    assertThat(ok("ls").out()).contains("c ", "create failed");
    ok("rm", "-f", "-y", "c");
    assertThat(machine.machineDir("c")).doesNotExist();
  }

  @Test
  void create_pluginStopsAnsweringHeartbeats_killedAndReported() throws Exception {
    MachineProcess.Result r =
        machine
            .env("LEGACYTEST_MODE", "no-heartbeat,slow-create")
            .run("create", "-d", "legacytest", "--no-provision", "h");
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("stopped answering heartbeats");
    assertThat(GoPrograms.running(driver)).isEmpty();
  }

  @Test
  void sigkillOfMachine_legacyPluginExitsWithinItsHeartbeatTimeout() throws Exception {
    Process create =
        machine
            .env("LEGACYTEST_MODE", "slow-create")
            .builder("create", "-d", "legacytest", "--no-provision", "k")
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      List<ProcessHandle> plugins = List.of();
      for (int i = 0; i < 200 && plugins.isEmpty(); i++) {
        Thread.sleep(100);
        plugins = GoPrograms.running(driver);
      }
      assertThat(plugins).as("the legacy plugin started").isNotEmpty();
      // Wait until Create is under way, so the plugins (the flag lookup's and the machine's) were
      // serving when their host died.
      Thread.sleep(1500);
      plugins = GoPrograms.running(driver);
      new ProcessBuilder("kill", "-KILL", String.valueOf(create.pid())).start().waitFor();
      for (ProcessHandle p : plugins) {
        assertThat(MachineProcess.exits(p.pid(), 15))
            .as("legacy plugin %d alive 15 s after machine was SIGKILLed", p.pid())
            .isTrue();
      }
    } finally {
      create.destroyForcibly();
    }
  }

  @Test
  void pluginTest_legacyDriver_passesTheChecksThatApply() throws Exception {
    MachineProcess.Result r = machine.run("plugin", "test", "legacytest");

    assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
    assertThat(r.out())
        .contains("Testing " + driver)
        .contains("PASS lifecycle.refuses-without-token")
        .contains("PASS lifecycle.close-honoured")
        .contains("PASS lifecycle.heartbeat-timeout")
        .contains("PASS contract.create-flags", "5 typed flags")
        .contains("PASS semantics.lifecycle")
        .contains("SKIP lifecycle.channel-authentication")
        .contains("SKIP semantics.cancel-create")
        .contains("7 passed, 0 failed, 7 skipped");
  }

  @Test
  void pluginTest_brokenLegacyDriver_fails() throws Exception {
    MachineProcess.Result r =
        machine.env("LEGACYTEST_MODE", "version-2").run("plugin", "test", driver.toString());

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.out()).contains("FAIL lifecycle.address-and-version", "API version 2");
  }

  @Test
  void legacyBinary_coreDriverResolvesToIt() throws Exception {
    Path binary = GoPrograms.legacyDriver(temp.resolve("dm"), "docker-machine");
    machine.env("MACHINE_LEGACY_BINARY", binary.toString());

    assertThat(ok("plugin", "ls").out().lines().filter(l -> l.startsWith("virtualbox ")))
        .singleElement()
        .satisfies(l -> assertThat(l).contains("legacy-rpc", binary.toString()));
    ok("create", "-d", "virtualbox", "--virtualbox-cpus", "2", "--no-provision", "vb");
    assertThat(ok("ls").out()).contains("vb     -        virtualbox   Running");
    ok("rm", "-y", "vb");
    for (ProcessHandle p : GoPrograms.running(binary)) {
      assertThat(MachineProcess.exits(p.pid(), 15)).isTrue();
    }
  }
}
