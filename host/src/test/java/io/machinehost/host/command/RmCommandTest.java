package io.machinehost.host.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RmCommandTest {
  @TempDir Path temp;
  Cli cli;

  @BeforeEach
  void setUp() {
    cli = new Cli(temp.resolve("store"));
  }

  @Test
  void rm_yes_driverRemovesAndDirectoryGoes() {
    cli.run("create", "-d", "fake", "--fake-token", "t", "f1");
    assertThat(cli.store().resolve("fake-cloud").resolve("f1")).exists();

    Cli.Result r = cli.run("rm", "-y", "f1");

    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).contains("Successfully removed f1");
    assertThat(cli.machineDir("f1")).doesNotExist();
    assertThat(cli.store().resolve("fake-cloud").resolve("f1")).doesNotExist();
  }

  @Test
  void rm_answerNo_keepsTheMachine() {
    cli.createNone("m1");

    Cli.Result r = cli.stdin("n\n").run("rm", "m1");

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.out()).contains("Are you sure? (y/n)", "Nothing was removed.");
    assertThat(cli.machineDir("m1")).exists();
  }

  @Test
  void rm_answerYes_removes() {
    cli.createNone("m1");

    Cli.Result r = cli.stdin("y\n").run("rm", "m1");

    assertThat(r.exitCode()).isZero();
    assertThat(cli.machineDir("m1")).doesNotExist();
  }

  @Test
  void rm_severalOneMissing_removesTheOthersAndFails() {
    cli.createNone("a");
    cli.createNone("b");

    Cli.Result r = cli.run("rm", "-y", "a", "ghost", "b");

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("machine \"ghost\" does not exist");
    assertThat(r.out()).contains("Successfully removed a", "Successfully removed b");
    assertThat(cli.machineDir("a")).doesNotExist();
    assertThat(cli.machineDir("b")).doesNotExist();
  }

  @Test
  void rm_noNames_usageError() {
    assertThat(cli.run("rm").exitCode()).isEqualTo(2);
  }

  @Test
  void rm_corruptConfig_needsForce() throws Exception {
    Path bad = cli.machineDir("bad");
    Files.createDirectories(bad);
    Files.writeString(bad.resolve("config.json"), "not json");

    Cli.Result plain = cli.run("rm", "-y", "bad");
    assertThat(plain.exitCode()).isEqualTo(1);
    assertThat(plain.err()).contains("corrupt", "machine rm -f bad");
    assertThat(bad).exists();

    Cli.Result forced = cli.run("rm", "-f", "bad");
    assertThat(forced.exitCode()).isZero();
    assertThat(bad).doesNotExist();
  }

  @Test
  void rm_interruptedCreate_isRemovable() throws Exception {
    cli.run("create", "-d", "fake", "--fake-token", "t", "f1");
    // As a host that died mid-create leaves it: the record marked, the resource made.
    Path config = cli.machineDir("f1").resolve("config.json");
    Files.writeString(
        config,
        Files.readString(config)
            .replace("\"Error\" : \"\"", "\"Error\" : \"create did not finish\""));
    assertThat(cli.run("ls").out()).contains("create did not finish");

    Cli.Result r = cli.run("rm", "-y", "f1");

    assertThat(r.exitCode()).isZero();
    assertThat(cli.store().resolve("fake-cloud").resolve("f1")).doesNotExist();
  }
}
