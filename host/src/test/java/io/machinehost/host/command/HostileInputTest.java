package io.machinehost.host.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a careless or hostile user can type: names that would leave the store, values out of range,
 * secrets on the command line. Every case exits as a usage error and touches nothing: a sentinel
 * tree around the store is compared before and after.
 */
class HostileInputTest {
  @TempDir Path temp;
  Cli cli;
  Path outside;

  @BeforeEach
  void setUp() throws IOException {
    // temp/outside/{x/config.json, keep} beside temp/deep/er/store: "../../../outside/x" from
    // machines/ reaches a directory that looks like a machine.
    outside = temp.resolve("outside");
    Files.createDirectories(outside.resolve("x"));
    Files.writeString(outside.resolve("x/config.json"), "{\"ConfigVersion\":1}");
    Files.writeString(outside.resolve("keep"), "precious");
    cli = new Cli(temp.resolve("deep/er/store"));
    cli.createNone("m1");
  }

  static Stream<Arguments> commandsAndNames() {
    List<String> names =
        List.of(
            "..", "../../../outside/x", "../../../outside", "a/b", "/etc", ".", "x".repeat(300));
    List<List<String>> commands =
        List.of(
            List.of("rm", "-f", "-y"),
            List.of("rm", "-y"),
            List.of("inspect"),
            List.of("status"),
            List.of("ip"),
            List.of("url"),
            List.of("start"),
            List.of("stop"),
            List.of("restart"),
            List.of("kill"),
            List.of("label"),
            List.of("env"),
            List.of("config"),
            List.of("provision"),
            List.of("regenerate-certs", "-f"),
            List.of("ssh"),
            List.of("version"),
            List.of("create", "-d", "none", "--url", "tcp://127.0.0.1:2376"));
    List<Arguments> all = new ArrayList<>();
    for (List<String> command : commands) {
      for (String name : names) {
        all.add(Arguments.of(command, name));
      }
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("commandsAndNames")
  void command_nameOutsideTheStore_usageErrorAndNothingTouched(List<String> command, String name)
      throws IOException {
    var before = snapshot(temp);
    List<String> args = new ArrayList<>(command);
    args.add(name);
    if (command.get(0).equals("label")) {
      args.add("k=v");
    }

    Cli.Result r = cli.run(args.toArray(String[]::new));

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.err()).contains("machine name").doesNotContain("Successfully");
    assertThat(r.out()).doesNotContain("Successfully");
    assertThat(snapshot(temp)).isEqualTo(before);
  }

  @Test
  void rm_oneBadNameAmongGood_removesNothing() {
    Cli.Result r = cli.run("rm", "-f", "-y", "m1", "..");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(cli.machineDir("m1")).exists();
  }

  @Test
  void rmForce_machineEntryIsASymlinkOut_removesTheLinkOnly() throws IOException {
    Files.createSymbolicLink(cli.machineDir("evil"), outside);
    var before = snapshot(outside);

    Cli.Result ls = cli.run("ls");
    Cli.Result rm = cli.run("rm", "-f", "-y", "evil");

    assertThat(ls.out()).contains("evil", "symbolic link");
    assertThat(rm.exitCode()).as(rm.toString()).isZero();
    assertThat(cli.machineDir("evil")).doesNotExist();
    assertThat(snapshot(outside)).isEqualTo(before);
  }

  @Test
  void create_tooLongName_statesTheLimit() {
    Cli.Result r = cli.run("create", "-d", "none", "--url", "tcp://h:1", "n".repeat(300));

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("300 characters", "at most 64");
  }

  @Test
  void create_longestName_works() {
    Cli.Result r = cli.run("create", "-d", "none", "--url", "tcp://h:1", "n".repeat(64));

    assertThat(r.exitCode()).as(r.toString()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"tcp://127.0.0.1:99999", "tcp://127.0.0.1:0"})
  void create_portOutOfRange_usageErrorAndNoMachine(String url) {
    Cli.Result r = cli.run("create", "-d", "none", "--url", url, "p1");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("1 to 65535");
    assertThat(cli.machineDir("p1")).doesNotExist();
  }

  @Test
  void create_hugeUrl_usageErrorThatDoesNotEchoIt() {
    Cli.Result r =
        cli.run("create", "-d", "none", "--url", "tcp://" + "h".repeat(100_000) + ":1", "p1");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).hasSizeLessThan(400);
    assertThat(cli.machineDir("p1")).doesNotExist();
  }

  @Test
  void create_hugeFlagValue_usageErrorNamingTheFlag() {
    Cli.Result r =
        cli.run(
            "create", "-d", "fake", "--fake-token", "t", "--fake-region", "r".repeat(70_000), "f1");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--fake-region", "at most 65536").hasSizeLessThan(400);
  }

  @Test
  void create_secretOnTheCommandLine_warnsAndNamesTheSafeForms() {
    Cli.Result r = cli.run("create", "-d", "fake", "--fake-token", "s3cr3t", "f1");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.err())
        .contains("--fake-token was given on the command line", "FAKE_TOKEN", "--fake-token-file")
        .doesNotContain("s3cr3t");
  }

  @Test
  void create_secretFromFile_usedWithoutWarning() throws IOException {
    Path token = temp.resolve("token");
    Files.writeString(token, "from-file\n");

    Cli.Result r = cli.run("create", "-d", "fake", "--fake-token-file", token.toString(), "f1");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.err()).doesNotContain("Warning");
    assertThat(cli.machineDir("f1").resolve("config.json")).content().contains("\"from-file\"");
  }

  @Test
  void create_secretFileMissing_usageErrorAndNoMachine() {
    Cli.Result r =
        cli.run("create", "-d", "fake", "--fake-token-file", temp.resolve("nope").toString(), "f1");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("cannot read", "--fake-token");
    assertThat(cli.machineDir("f1")).doesNotExist();
  }

  @Test
  void createHelp_secretFlag_saysHowToGiveItSafely() {
    Cli.Result r = cli.run("create", "-d", "fake", "--help");

    assertThat(r.out()).contains("--fake-token-file", "shows in ps");
  }

  @Test
  void ls_storagePathEmpty_usageError() {
    Cli.Result r = cli.run("--storage-path", "", "ls");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("storage path is empty");
  }

  @Test
  void ls_storagePathARegularFile_failsNamingIt() throws IOException {
    Path file = Files.writeString(temp.resolve("file"), "x");

    Cli.Result r = cli.run("--storage-path", file.toString(), "ls");

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains(file.toString(), "is not a directory", "--storage-path");
    assertThat(r.out()).doesNotContain("NAME");
  }

  @Test
  void ls_machinesIsAFile_failsNamingIt() throws IOException {
    Path store = temp.resolve("s2");
    Files.createDirectories(store);
    Files.writeString(store.resolve("machines"), "x");

    Cli.Result r = cli.run("--storage-path", store.toString(), "ls");

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains(store.resolve("machines").toString(), "not a directory");
  }

  @Test
  void status_storeARegularFile_saysSoRatherThanNotFound() throws IOException {
    Path file = Files.writeString(temp.resolve("file"), "x");

    Cli.Result r = cli.run("--storage-path", file.toString(), "status", "m1");

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("is not a directory");
  }

  /** Every file and directory under a root, with the contents of files. */
  static Map<String, String> snapshot(Path root) throws IOException {
    TreeMap<String, String> tree = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.toList()) {
        String key = root.relativize(p).toString();
        if (key.contains("machines/m1/.lock")) {
          continue; // a read-only command may create the lock of an existing machine
        }
        tree.put(key, Files.isRegularFile(p) ? Files.readString(p) : "<dir>");
      }
    }
    return tree;
  }
}
