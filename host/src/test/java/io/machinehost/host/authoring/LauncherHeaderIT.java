package io.machinehost.host.authoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.machinehost.host.plugin.PluginLauncher;
import io.machinehost.host.plugin.PluginProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher script every executable starts with (plugin-sdk/src/main/launcher/header.sh), run
 * through a copy of the built {@code machine}: finding Java 17+, paths with spaces, and the
 * class-data-sharing archive it trains and then uses.
 */
@Timeout(120)
class LauncherHeaderIT {
  private static final String SHARED = "source: shared objects file (top)";

  @TempDir Path temp;
  Path bin;
  Path machine;
  Path cache;
  String version;

  @BeforeEach
  void copyMachine() throws Exception {
    bin = Files.createDirectories(temp.resolve("bin"));
    machine = bin.resolve("machine");
    Files.copy(Command.dist("machine"), machine);
    cache = temp.resolve("cache");
    Command.Result r = machine("--version").env("MACHINEHOST_CDS", "0").run();
    assertThat(r.exitCode()).as(r.toString()).isZero();
    version = r.out();
    assertThat(version).startsWith("machine version ");
  }

  private Command machine(String... args) {
    Object[] command = new Object[args.length + 1];
    command[0] = machine;
    System.arraycopy(args, 0, command, 1, args.length);
    return Command.of(command)
        .env("XDG_CACHE_HOME", cache.toString())
        .env("MACHINE_STORAGE_PATH", temp.resolve("store").toString())
        // One JVM per run: a command server started in the background would be a training run
        // of its own (CommandServerCliIT covers it).
        .env("MACHINEHOST_PLUGIN_REUSE", "0")
        .unset("MACHINEHOST_JAVA", "MACHINEHOST_JAVA_OPTS", "MACHINEHOST_CDS");
  }

  private static Path javaHome() {
    return Path.of(System.getProperty("java.home"));
  }

  private Path script(Path path, String body) throws IOException {
    Files.createDirectories(path.getParent());
    Files.writeString(path, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
    return path;
  }

  private List<Path> archives() throws IOException {
    Path dir = cache.resolve("machinehost/cds");
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.sorted().toList();
    }
  }

  private Optional<Path> archive(String suffix) throws IOException {
    return archives().stream().filter(p -> p.toString().endsWith(suffix)).findFirst();
  }

  // ---- finding Java ------------------------------------------------------------------------

  @Test
  void run_noJavaAnywhere_exits127SayingWhatToInstall() throws Exception {
    Path empty = Files.createDirectories(temp.resolve("empty"));

    Command.Result r =
        Command.of(machine, "--version").env("PATH", empty.toString()).unset("JAVA_HOME").run();

    assertThat(r.exitCode()).isEqualTo(127);
    assertThat(r.out()).isEmpty();
    assertThat(r.err())
        .contains("machine: needs Java 17 or newer, and found none (no java on PATH)")
        .contains("Install Java 17+")
        .contains("MACHINEHOST_JAVA or JAVA_HOME");
  }

  @Test
  void run_machinehostJavaIsJava11_exits127NamingItAndItsVersion() throws Exception {
    Path old =
        script(
            temp.resolve("jdk11/bin/java"),
            "echo 'openjdk version \"11.0.2\" 2019-01-15' >&2\necho 'OpenJDK Runtime' >&2");

    Command.Result r = machine("--version").env("MACHINEHOST_JAVA", old.toString()).run();

    assertThat(r.exitCode()).isEqualTo(127);
    assertThat(r.err()).contains("(MACHINEHOST_JAVA=" + old + " is Java 11)");
  }

  @Test
  void run_javaHomeIsJava8ByItsReleaseFile_exits127WithoutRunningIt() throws Exception {
    Path home = temp.resolve("jdk8");
    script(home.resolve("bin/java"), "echo ran >&2\nexit 99");
    Files.writeString(home.resolve("release"), "JAVA_VERSION=\"1.8.0_392\"\n");
    Path empty = Files.createDirectories(temp.resolve("empty"));

    Command.Result r =
        machine("--version").env("JAVA_HOME", home.toString()).env("PATH", empty.toString()).run();

    assertThat(r.exitCode()).isEqualTo(127);
    assertThat(r.err())
        .contains("JAVA_HOME=" + home + " is Java 8; no java on PATH")
        .doesNotContain("ran");
  }

  @Test
  void run_javaHomeTooOldButJava17OnPath_runsThat() throws Exception {
    Path old = temp.resolve("jdk11");
    script(old.resolve("bin/java"), "echo 'openjdk version \"11.0.2\"' >&2");
    Path path = Files.createDirectories(temp.resolve("path"));
    Path link = Files.createSymbolicLink(path.resolve("java"), javaHome().resolve("bin/java"));

    Command.Result r =
        machine("--version").env("JAVA_HOME", old.toString()).env("PATH", path.toString()).run();
    Files.delete(link);

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo(version);
  }

  @Test
  void run_machinehostJavaIsAJavaHome_runsIt() throws Exception {
    Command.Result r = machine("--version").env("MACHINEHOST_JAVA", javaHome().toString()).run();

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo(version);
  }

  @Test
  void run_machinehostJavaMissing_exits127NamingIt() throws Exception {
    Command.Result r = machine("--version").env("MACHINEHOST_JAVA", "/nonexistent/java").run();

    assertThat(r.exitCode()).isEqualTo(127);
    assertThat(r.err()).contains("MACHINEHOST_JAVA=/nonexistent/java is not an executable file");
  }

  // ---- where it runs from ------------------------------------------------------------------

  @Test
  void run_fromADirectoryWithSpacesAndFromPath_runs() throws Exception {
    Path spaced = Files.createDirectories(temp.resolve("a dir with spaces/bin"));
    Path copy = Files.copy(machine, spaced.resolve("machine"));

    Command.Result direct = Command.of(copy, "--version").env("MACHINEHOST_CDS", "0").run();
    Command.Result viaPath =
        Command.of("sh", "-c", "cd / && machine --version")
            .env("PATH", spaced + ":" + System.getenv("PATH"))
            .env("MACHINEHOST_CDS", "0")
            .run();

    assertThat(direct.exitCode()).as(direct.toString()).isZero();
    assertThat(direct.out()).isEqualTo(version);
    assertThat(viaPath.exitCode()).as(viaPath.toString()).isZero();
    assertThat(viaPath.out()).isEqualTo(version);
  }

  @Test
  void driver_inADirectoryWithSpaces_handshakesWithTheHost() throws Exception {
    Path spaced = Files.createDirectories(temp.resolve("plugins with spaces"));
    Path driver =
        Files.copy(Command.dist("machine-driver-none"), spaced.resolve("machine-driver-none"));
    PluginLauncher launcher =
        new PluginLauncher(
            PluginLauncher.Options.defaults().withEnv("XDG_CACHE_HOME", cache.toString()));

    try (PluginProcess plugin = launcher.launch("none", driver)) {
      assertThat(plugin.info().name()).isEqualTo("none");
    }
  }

  // ---- the class-data-sharing archive ------------------------------------------------------

  @Test
  void cds_firstRunTrains_secondRunUsesTheArchive() throws Exception {
    Command.Result first = machine("ls", "-q").run();

    assertThat(first.exitCode()).as(first.toString()).isZero();
    assertThat(first.out()).as("nothing but the program's output on stdout").isEmpty();
    assertThat(archive(".tmp")).as("a training run's archive: %s", archives()).isPresent();

    Path log = temp.resolve("class-load.log");
    Command.Result second =
        machine("--version")
            .env("MACHINEHOST_JAVA_OPTS", "-Xlog:class+load=info:file=" + log)
            .run();

    assertThat(second.exitCode()).as(second.toString()).isZero();
    assertThat(second.out()).isEqualTo(version);
    assertThat(Files.readString(log)).contains(SHARED);
    Path archive = archives().get(0);
    assertThat(archives()).hasSize(1);
    assertThat(archive.getFileName().toString())
        .startsWith("machine-")
        .endsWith("-" + Files.size(archive) + ".jsa");
  }

  @Test
  void cds_versionOrHelpRun_trainsNothing() throws Exception {
    Command.Result version = machine("--version").run();
    Command.Result help = machine("--help").run();

    assertThat(version.exitCode()).isZero();
    assertThat(help.exitCode()).isZero();
    assertThat(archives()).isEmpty();
  }

  @Test
  void cds_driverRunWithoutAHost_trainsNothing() throws Exception {
    Path driver =
        Files.copy(Command.dist("machine-driver-none"), bin.resolve("machine-driver-none"));

    Command.Result r =
        Command.of(driver)
            .env("XDG_CACHE_HOME", cache.toString())
            .unset("MACHINE_PLUGIN_COOKIE", "MACHINEHOST_CDS")
            .run();

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err()).contains("This is a machinehost driver plugin");
    assertThat(archives()).isEmpty();
  }

  @Test
  void cds_archiveOverwrittenWithJunk_runIsUnharmed() throws Exception {
    Path archive = trainedArchive();
    long size = Files.size(archive);
    byte[] junk = new byte[(int) size];
    new Random(7).nextBytes(junk);
    Files.delete(archive);
    Files.write(archive, junk);

    Command.Result r = machine("--version").run();

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo(version);
  }

  @Test
  void cds_archiveTruncated_isNotHandedToJavaAndIsTrainedAgain() throws Exception {
    Path archive = trainedArchive();
    byte[] head = Files.readAllBytes(archive);
    Files.delete(archive);
    Files.write(archive, java.util.Arrays.copyOf(head, head.length / 2));

    Command.Result r = machine("ls", "-q").run();

    // Java 17 dies of SIGBUS on a truncated archive: the launcher must not have used it.
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out()).isEmpty();
    assertThat(archive).doesNotExist();
    assertThat(archive(".tmp")).as("a training run's archive: %s", archives()).isPresent();
  }

  @Test
  void cds_executableRebuilt_trainsAnArchiveOfItsOwn() throws Exception {
    Path old = trainedArchive();
    Files.setLastModifiedTime(
        machine, FileTime.fromMillis(Files.getLastModifiedTime(machine).toMillis() + 60_000));

    Command.Result r = machine("ls", "-q").run();
    Command.Result again = machine("ls", "-q").run();

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(old).doesNotExist();
    assertThat(archives()).singleElement().asString().endsWith(".jsa");
    assertThat(archives().get(0)).isNotEqualTo(old);
  }

  @Test
  void cds_trainingRunsThatLeaveNoArchive_stopAfterTwoUntilRebuilt() throws Exception {
    Path log = temp.resolve("java-args.log");
    Path home = temp.resolve("jdk");
    Files.createDirectories(home);
    Files.copy(javaHome().resolve("release"), home.resolve("release"));
    // A java that runs the real one, then loses the archive a training run wrote.
    script(
        home.resolve("bin/java"),
        "echo \"$*\" >> '"
            + log
            + "'\n'"
            + javaHome().resolve("bin/java")
            + "' \"$@\"; rc=$?\n"
            + "for a in \"$@\"; do case $a in -XX:ArchiveClassesAtExit=*) rm -f \"${a#*=}\";;"
            + " esac; done\nexit $rc");
    for (int i = 0; i < 3; i++) {
      Command.Result r = machine("ls", "-q").env("MACHINEHOST_JAVA", home.toString()).run();
      assertThat(r.exitCode()).as(r.toString()).isZero();
    }
    Files.setLastModifiedTime(
        machine, FileTime.fromMillis(Files.getLastModifiedTime(machine).toMillis() + 60_000));
    machine("ls", "-q").env("MACHINEHOST_JAVA", home.toString()).run();

    assertThat(Files.readAllLines(log))
        .extracting(line -> line.contains("-XX:ArchiveClassesAtExit="))
        .containsExactly(true, true, false, true);
  }

  @Test
  void cds_switchedOff_writesNothing() throws Exception {
    Command.Result r = machine("ls", "-q").env("MACHINEHOST_CDS", "0").run();

    assertThat(r.exitCode()).isZero();
    assertThat(cache).doesNotExist();
  }

  @Test
  void cds_driverLaunchedByTheHost_trainsOnItsFirstLaunchAndUsesItsArchiveNext() throws Exception {
    Path log = temp.resolve("driver-class-load.log");
    PluginLauncher.Options options =
        PluginLauncher.Options.defaults()
            .withEnv("XDG_CACHE_HOME", cache.toString())
            // A training run writes its archive as it exits: give it time on a busy machine.
            .withShutdownGrace(Duration.ofSeconds(30));
    Path driver = Command.dist("machine-driver-none");

    try (PluginProcess plugin = new PluginLauncher(options).launch("none", driver)) {
      assertThat(plugin.info().name()).isEqualTo("none");
    }
    assertThat(archive(".tmp")).as("archive written at exit: %s", archives()).isPresent();
    PluginLauncher.Options logged =
        options.withEnv("MACHINEHOST_JAVA_OPTS", "-Xlog:class+load=info:file=" + log);
    try (PluginProcess plugin = new PluginLauncher(logged).launch("none", driver)) {
      assertThat(plugin.info().name()).isEqualTo("none");
      assertThat(plugin.noise()).as("nothing but the handshake on stdout").isEmpty();
    }

    assertThat(Files.readString(log)).contains(SHARED);
    assertThat(archive(".jsa")).isPresent();
  }

  @Test
  void cds_anotherJava_trainsAndUsesAnArchiveOfItsOwn() throws Exception {
    Optional<Path> other = otherJava();
    assumeThat(other).as("a second Java 17+ installation under /usr/lib/jvm").isPresent();
    trainedArchive();

    Path log = temp.resolve("other-class-load.log");
    Command.Result first =
        machine("ls", "-q").env("MACHINEHOST_JAVA", other.get().toString()).run();
    Command.Result second =
        machine("--version")
            .env("MACHINEHOST_JAVA", other.get().toString())
            .env("MACHINEHOST_JAVA_OPTS", "-Xlog:class+load=info:file=" + log)
            .run();

    assertThat(first.exitCode()).as(first.toString()).isZero();
    assertThat(first.out()).isEmpty();
    assertThat(second.exitCode()).as(second.toString()).isZero();
    assertThat(second.out()).isEqualTo(version);
    assertThat(Files.readString(log)).contains(SHARED);
    assertThat(archives()).filteredOn(p -> p.toString().endsWith(".jsa")).hasSize(2);
  }

  /** Trains the archive and has it put in place; returns it. */
  private Path trainedArchive() throws Exception {
    assertThat(machine("ls", "-q").run().exitCode()).isZero();
    assertThat(machine("ls", "-q").run().exitCode()).isZero();
    List<Path> all = archives();
    assertThat(all).singleElement().asString().endsWith(".jsa");
    return all.get(0);
  }

  /** A Java 17+ installation under /usr/lib/jvm other than the one running the tests. */
  private static Optional<Path> otherJava() throws IOException {
    Path jvms = Path.of("/usr/lib/jvm");
    if (!Files.isDirectory(jvms)) {
      return Optional.empty();
    }
    Path current = javaHome().toRealPath();
    Pattern version = Pattern.compile("(?m)^JAVA_VERSION=\"(\\d+)");
    try (Stream<Path> homes = Files.list(jvms)) {
      for (Path home : homes.sorted().toList()) {
        Path release = home.resolve("release");
        if (!Files.isRegularFile(release) || home.toRealPath().equals(current)) {
          continue;
        }
        Matcher m = version.matcher(Files.readString(release));
        if (m.find()
            && Integer.parseInt(m.group(1)) >= 17
            && Files.isExecutable(home.resolve("bin/java"))) {
          return Optional.of(home);
        }
      }
    }
    return Optional.empty();
  }
}
