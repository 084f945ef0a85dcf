package io.machinehost.host.command;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** status, ip, url, inspect, start/stop/restart/kill, label, active, version, completion, help. */
class CommandsTest {
  @TempDir Path temp;
  Cli cli;

  @BeforeEach
  void setUp() {
    cli = new Cli(temp.resolve("store"));
  }

  @Test
  void statusIpUrl_noneMachine_printValues() {
    cli.createNone("m1");

    assertThat(cli.run("status", "m1").out().trim()).isEqualTo("Running");
    assertThat(cli.run("ip", "m1").out().trim()).isEqualTo("127.0.0.1");
    assertThat(cli.run("url", "m1").out().trim()).isEqualTo("tcp://127.0.0.1:2376");
  }

  @ParameterizedTest
  @ValueSource(strings = {"status", "ip", "url", "inspect", "start", "stop", "kill", "restart"})
  void command_missingMachine_namesItAndTheNextStep(String command) {
    Cli.Result r = cli.run(command, "ghost");

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("machine \"ghost\" does not exist; run \"machine ls\"");
  }

  @Test
  void status_noNameNoDefault_usageError() {
    Cli.Result r = cli.run("status");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("no \"default\" machine");
  }

  @Test
  void status_noName_usesTheDefaultMachine() {
    cli.createNone("default");

    assertThat(cli.run("status").out().trim()).isEqualTo("Running");
  }

  @Test
  void ip_severalMachines_oneLineEachInOrder() {
    cli.createNone("a");
    cli.run("create", "-d", "none", "--url", "tcp://127.0.0.2:2376", "b");

    assertThat(cli.run("ip", "b", "a").out().lines()).containsExactly("127.0.0.2", "127.0.0.1");
  }

  @Test
  void url_stoppedMachine_failsWithTheDriversReason() {
    cli.run("create", "-d", "fake", "--fake-token", "t", "f1");
    cli.run("stop", "f1");

    Cli.Result r = cli.run("url", "f1");

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("f1", "is not running");
  }

  @Test
  void inspect_json_withSecretRedacted() throws Exception {
    cli.run("create", "-d", "fake", "--fake-token", "s3cr3t", "f1");

    Cli.Result r = cli.run("inspect", "f1");

    JsonNode json = new ObjectMapper().readTree(r.out());
    assertThat(json.path("Name").asText()).isEqualTo("f1");
    assertThat(json.path("DriverName").asText()).isEqualTo("fake");
    assertThat(json.path("Driver").path("token").asText()).isEqualTo("****");
    assertThat(r.out()).doesNotContain("s3cr3t");
    assertThat(Files.readString(cli.machineDir("f1").resolve("config.json"))).contains("s3cr3t");
    assertThat(cli.run("inspect", "--format", "{{.DriverName}}", "f1").out().trim())
        .isEqualTo("fake");
  }

  @Test
  void power_fakeMachine_transitionsAndSavesConfig() {
    cli.run("create", "-d", "fake", "--fake-token", "t", "f1");

    Cli.Result stop = cli.run("stop", "f1");
    assertThat(stop.exitCode()).isZero();
    assertThat(stop.out()).contains("Machine \"f1\" was stopped.");
    assertThat(stop.err()).contains("Stopping \"f1\"...", "Stopping the fake machine");
    assertThat(cli.run("status", "f1").out().trim()).isEqualTo("Stopped");

    assertThat(cli.run("stop", "f1").out()).contains("Machine \"f1\" is already stopped.");
    assertThat(cli.run("start", "f1").out()).contains("Machine \"f1\" was started.");
    assertThat(cli.run("status", "f1").out().trim()).isEqualTo("Running");
    assertThat(cli.run("kill", "f1").out()).contains("was killed");
    assertThat(cli.run("status", "f1").out().trim()).isEqualTo("Stopped");
    assertThat(cli.run("restart", "f1").out()).contains("was restarted");
    assertThat(cli.run("status", "f1").out().trim()).isEqualTo("Running");
  }

  @Test
  void stop_noneMachine_notSupportedNamesMachine() {
    cli.createNone("m1");

    Cli.Result r = cli.run("stop", "m1");

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("cannot stop machine \"m1\"", "none driver cannot stop");
  }

  @Test
  void stop_several_oneDriverForAll() {
    for (String name : new String[] {"f1", "f2", "f3"}) {
      cli.run("create", "-d", "fake", "--fake-token", "t", name);
    }

    Cli.Result r = cli.run("stop", "f1", "f2", "f3");

    assertThat(r.exitCode()).isZero();
    assertThat(r.out().lines())
        .containsExactly(
            "Machine \"f1\" was stopped.",
            "Machine \"f2\" was stopped.",
            "Machine \"f3\" was stopped.");
    assertThat(r.err()).contains("[f2] Stopping the fake machine");
    assertThat(cli.launches()).isEqualTo(1);
  }

  @Test
  void label_setRemoveList() {
    cli.createNone("m1");

    assertThat(cli.run("label", "m1", "b=2", "a=1").out().lines()).containsExactly("a=1", "b=2");
    assertThat(cli.run("label", "m1", "--rm", "a").out().lines()).containsExactly("b=2");
    Cli.Result bad = cli.run("label", "m1", "oops");
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).contains("label \"oops\" is not KEY=VALUE");
  }

  @Test
  void active_noDockerHost_saysHowToSetIt() {
    cli.createNone("m1");

    Cli.Result r = cli.run("active");

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("DOCKER_HOST is not set");
  }

  @Test
  void versionHelpCompletion_startNoDriver() {
    cli.createNone("m1");

    Cli.Result version = cli.run("version");
    assertThat(version.exitCode()).isZero();
    assertThat(version.out()).contains("machine version", "driver protocol 1");
    assertThat(cli.launches()).isZero();

    Cli.Result help = cli.run("--help");
    assertThat(help.out()).contains("create", "ls", "rm", "inspect", "completion");
    assertThat(cli.launches()).isZero();

    Cli.Result bash = cli.run("completion", "bash");
    assertThat(bash.exitCode()).isZero();
    assertThat(bash.out()).contains("complete -F", "machine");
    assertThat(cli.launches()).isZero();
    assertThat(cli.run("completion", "zsh").out()).contains("bashcompinit");
    assertThat(cli.run("completion", "tcsh").exitCode()).isEqualTo(2);
  }

  @Test
  void unknownCommand_usageErrorWithSuggestion() {
    Cli.Result r = cli.run("lss");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("lss", "Did you mean", "ls");
  }
}
