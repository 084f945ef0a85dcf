package io.machinehost.host.command;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CreateCommandTest {
  @TempDir Path temp;
  Cli cli;

  @BeforeEach
  void setUp() {
    cli = new Cli(temp.resolve("store"));
  }

  @Test
  void create_none_writesRecordWithDriverConfig() throws Exception {
    Cli.Result r = cli.run("create", "-d", "none", "--url", "tcp://127.0.0.1:2376", "m1");

    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).contains("Machine \"m1\" was created.");
    assertThat(r.err()).contains("Creating machine \"m1\" with the none driver");
    JsonNode config =
        new ObjectMapper().readTree(cli.machineDir("m1").resolve("config.json").toFile());
    assertThat(config.path("DriverName").asText()).isEqualTo("none");
    assertThat(config.path("Driver").path("URL").asText()).isEqualTo("tcp://127.0.0.1:2376");
    assertThat(config.path("Error").asText()).isEmpty();
    assertThat(cli.launches()).isEqualTo(1);
  }

  @Test
  void create_nameTaken_failsAndKeepsTheFirst() throws Exception {
    cli.createNone("m1");
    byte[] before = Files.readAllBytes(cli.machineDir("m1").resolve("config.json"));

    Cli.Result r = cli.run("create", "-d", "none", "--url", "tcp://10.0.0.9:2376", "m1");

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("machine \"m1\" already exists", "machine rm m1");
    assertThat(Files.readAllBytes(cli.machineDir("m1").resolve("config.json"))).isEqualTo(before);
  }

  @Test
  void create_invalidName_usageErrorAndNothingWritten() {
    Cli.Result r = cli.run("create", "-d", "none", "--url", "tcp://127.0.0.1:2376", "-bad_name");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(cli.store().resolve("machines")).doesNotExist();

    Cli.Result underscore = cli.run("create", "-d", "none", "--url", "tcp://h:1", "bad_name");
    assertThat(underscore.exitCode()).isEqualTo(2);
    assertThat(underscore.err()).contains("invalid machine name \"bad_name\"");
    assertThat(cli.store().resolve("machines")).doesNotExist();
  }

  @Test
  void create_unknownDriver_namesItAndWritesNothing() {
    Cli.Result r = cli.run("create", "-d", "nosuch", "x");

    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.err()).contains("driver \"nosuch\" not found", "machine plugin ls");
    assertThat(cli.store().resolve("machines")).doesNotExist();
  }

  @Test
  void create_noDriver_usageError() {
    Cli.Result r = cli.run("create", "x");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("no driver given", "-d DRIVER");
  }

  @Test
  void create_driverFromEnvironment_used() {
    Cli.Result r =
        cli.env("MACHINE_DRIVER", "none").run("create", "--url", "tcp://127.0.0.1:2376", "m1");

    assertThat(r.exitCode()).isZero();
    assertThat(cli.machineDir("m1").resolve("config.json")).exists();
  }

  @Test
  void create_unknownFlag_usageErrorNamingIt() {
    Cli.Result r = cli.run("create", "-d", "none", "--url", "tcp://h:1", "--nope", "m1");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--nope", "machine create --help");
    assertThat(cli.store().resolve("machines")).doesNotExist();
  }

  @Test
  void create_missingRequiredFlag_namesFlagAndEnvVar() {
    Cli.Result r = cli.run("create", "-d", "fake", "f1");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--fake-token", "FAKE_TOKEN", "machine create -d fake --help");
    assertThat(cli.store().resolve("machines")).doesNotExist();
  }

  @Test
  void create_flagFromItsEnvVar_used() {
    Cli.Result r = cli.env("FAKE_TOKEN", "from-env").run("create", "-d", "fake", "f1");

    assertThat(r.exitCode()).isZero();
    assertThat(cli.run("inspect", "-f", "{{.Driver.token}}", "f1").out().trim()).isEqualTo("****");
  }

  @Test
  void create_valueOutOfRangeOrNotAChoice_usageError() {
    Cli.Result range =
        cli.run("create", "-d", "fake", "--fake-token", "t", "--fake-size", "500", "f1");
    Cli.Result choice =
        cli.run("create", "-d", "fake", "--fake-token", "t", "--fake-region", "east", "f1");
    Cli.Result type =
        cli.run("create", "-d", "fake", "--fake-token", "t", "--fake-size", "big", "f1");

    assertThat(range.exitCode()).isEqualTo(2);
    assertThat(range.err()).contains("--fake-size", "between 1 and 100");
    assertThat(choice.exitCode()).isEqualTo(2);
    assertThat(choice.err()).contains("--fake-region", "[north, south]");
    assertThat(type.exitCode()).isEqualTo(2);
    assertThat(type.err()).contains("--fake-size");
    assertThat(cli.store().resolve("machines")).doesNotExist();
  }

  @Test
  void create_driverFails_leavesNoMachineAndNoResource() {
    Cli.Result r =
        cli.run("create", "-d", "fake", "--fake-token", "s3cr3t", "--fake-fail-create", "f1");

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err())
        .contains("creating machine \"f1\" failed", "out of machines", "nothing was left behind")
        .doesNotContain("s3cr3t");
    assertThat(cli.machineDir("f1")).doesNotExist();
    assertThat(cli.store().resolve("fake-cloud").resolve("f1")).doesNotExist();
  }

  @Test
  void create_progress_printedOnStderr() {
    Cli.Result r = cli.run("create", "-d", "fake", "--fake-token", "t", "f1");

    assertThat(r.exitCode()).isZero();
    assertThat(r.err()).contains("Allocating the fake machine", "Booting (100%)");
  }

  @Test
  void createHelp_withDriver_listsItsFlagsWithoutSecrets() {
    Cli.Result r = cli.env("FAKE_TOKEN", "hush-hush").run("create", "-d", "fake", "--help");

    assertThat(r.exitCode()).isZero();
    assertThat(r.out())
        .contains("Options of the fake driver:", "--fake-region", "north|south", "default north")
        .contains("--fake-token", "env FAKE_TOKEN", "secret")
        .doesNotContain("hush-hush");
    assertThat(cli.store().resolve("machines")).doesNotExist();
  }
}
