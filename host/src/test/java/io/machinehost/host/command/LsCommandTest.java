package io.machinehost.host.command;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class LsCommandTest {
  @TempDir Path temp;
  Cli cli;

  @BeforeEach
  void setUp() {
    cli = new Cli(temp.resolve("store"));
  }

  @Test
  void ls_machines_tableWithStateAndUrl() {
    cli.createNone("m1");
    cli.run("create", "-d", "fake", "--fake-token", "t", "f1");
    cli.run("stop", "f1");

    Cli.Result r = cli.run("ls");

    assertThat(r.exitCode()).isZero();
    assertThat(r.out().lines())
        .containsExactly(
            "NAME   ACTIVE   DRIVER   STATE     URL                    DOCKER   ERRORS",
            "f1     -        fake     Stopped",
            "m1     -        none     Running   tcp://127.0.0.1:2376");
  }

  @Test
  void ls_fiftyMachinesOfOneDriver_oneDriverStarted() {
    for (int i = 0; i < 50; i++) {
      cli.createNone("m" + i);
    }

    Cli.Result r = cli.run("ls", "-q");
    Cli.Result full = cli.run("ls");

    assertThat(r.out().lines()).hasSize(50);
    assertThat(full.out().lines())
        .hasSize(51)
        .allMatch(l -> l.startsWith("NAME") || l.contains("Running"));
    assertThat(cli.launches()).isEqualTo(1);
  }

  @Test
  void ls_quietWithoutStateFilter_startsNoDriver() {
    cli.createNone("m1");

    Cli.Result r = cli.run("ls", "-q");

    assertThat(r.out().trim()).isEqualTo("m1");
    assertThat(cli.launches()).isZero();
  }

  @Test
  void ls_corruptConfig_showsItsErrorAndTheOthers() throws Exception {
    cli.createNone("good");
    Path bad = cli.machineDir("bad");
    Files.createDirectories(bad);
    Files.writeString(bad.resolve("config.json"), "{\"ConfigVersion\": 1, \"Name\": ");

    Cli.Result r = cli.run("ls");

    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).contains("good", "Running");
    assertThat(r.out().lines().filter(l -> l.startsWith("bad")).findFirst().orElseThrow())
        .contains("Error", "corrupt", "machine rm -f bad");
  }

  @Test
  @Timeout(30)
  void ls_driverHangsForOneMachine_timeoutRowAndTheRestListed() {
    cli.run("create", "-d", "fake", "--fake-token", "t", "hang1");
    cli.run("create", "-d", "fake", "--fake-token", "t", "ok1");
    cli.createNone("m1");

    Cli.Result r = cli.run("ls", "-t", "1");

    assertThat(r.exitCode()).isZero();
    assertThat(line(r, "hang1")).contains("Timeout");
    assertThat(line(r, "ok1")).contains("Running", "tcp://192.0.2.10:2376");
    assertThat(line(r, "m1")).contains("Running");
  }

  private static String line(Cli.Result r, String name) {
    return r.out().lines().filter(l -> l.startsWith(name + " ")).findFirst().orElseThrow();
  }

  @Test
  void ls_filters_byDriverNameStateAndLabel() {
    cli.createNone("web-1");
    cli.createNone("db-1");
    cli.run("create", "-d", "fake", "--fake-token", "t", "--label", "team=infra", "f1");
    cli.run("create", "-d", "fake", "--fake-token", "t", "f2");
    cli.run("stop", "f2");

    assertThat(cli.run("ls", "-q", "--filter", "driver=none").out().lines())
        .containsExactly("db-1", "web-1");
    assertThat(cli.run("ls", "-q", "--filter", "name=^web").out().lines()).containsExactly("web-1");
    assertThat(cli.run("ls", "-q", "--filter", "state=stopped").out().lines())
        .containsExactly("f2");
    assertThat(cli.run("ls", "-q", "--filter", "label=team=infra").out().lines())
        .containsExactly("f1");
    assertThat(
            cli.run("ls", "-q", "--filter", "driver=fake", "--filter", "state=Running")
                .out()
                .lines())
        .containsExactly("f1");
    assertThat(cli.run("ls", "-q", "--filter", "name=db", "--filter", "name=web").out().lines())
        .containsExactly("db-1", "web-1");
  }

  @Test
  void ls_badFilter_usageErrors() {
    Cli.Result key = cli.run("ls", "--filter", "colour=red");
    Cli.Result syntax = cli.run("ls", "--filter", "red");
    Cli.Result regex = cli.run("ls", "--filter", "name=(");

    assertThat(key.exitCode()).isEqualTo(2);
    assertThat(key.err()).contains("unknown filter key \"colour\"", "driver, state, name, label");
    assertThat(syntax.exitCode()).isEqualTo(2);
    assertThat(syntax.err()).contains("not KEY=VALUE");
    assertThat(regex.exitCode()).isEqualTo(2);
    assertThat(regex.err()).contains("not a regular expression");
  }

  @Test
  void ls_formatJson_hasDockerMachineFieldNames() throws Exception {
    cli.createNone("m1");

    Cli.Result r = cli.run("ls", "--format", "json");

    JsonNode rows = new ObjectMapper().readTree(r.out());
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).path("Name").asText()).isEqualTo("m1");
    assertThat(rows.get(0).path("DriverName").asText()).isEqualTo("none");
    assertThat(rows.get(0).path("State").asText()).isEqualTo("Running");
    assertThat(rows.get(0).path("URL").asText()).isEqualTo("tcp://127.0.0.1:2376");
  }

  @Test
  void ls_formatTemplate_plainAndTable() {
    cli.createNone("m1");

    assertThat(cli.run("ls", "--format", "{{.Name}}={{.URL}}").out().trim())
        .isEqualTo("m1=tcp://127.0.0.1:2376");
    assertThat(cli.run("ls", "--format", "table {{.Name}}\\t{{ .State }}").out().lines())
        .containsExactly("NAME   STATE", "m1     Running");
    Cli.Result bad = cli.run("ls", "--format", "{{range .}}");
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err()).contains("is not understood");
  }

  @Test
  void ls_activeColumn_followsDockerHost() {
    cli.createNone("m1");
    cli.run("create", "-d", "none", "--url", "tcp://127.0.0.2:2376", "m2");

    Cli.Result r =
        cli.env("DOCKER_HOST", "tcp://127.0.0.1:2376")
            .run("ls", "--format", "{{.Name}} {{.Active}}");

    assertThat(r.out().lines()).containsExactly("m1 *", "m2 -");
    assertThat(cli.run("active").out().trim()).isEqualTo("m1");
  }
}
