package io.machinehost.host.authoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.machinehost.host.plugin.PluginLauncher;
import io.machinehost.host.plugin.PluginLocator;
import io.machinehost.host.plugin.PluginProcess;
import io.machinehost.sdk.Capability;
import io.machinehost.sdk.rpc.PluginInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * From nothing to a running third-party driver: the real {@code machine plugin new acme}, then
 * {@code mvn package} in the project it wrote, which depends only on the SDK and the driver parent
 * as published artifacts; then the executable it made, run by the host as any driver is.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class PluginNewIT {
  private static final String SOURCE = "src/main/java/com/example/acme/AcmeDriver.java";

  @TempDir static Path temp;
  Path project;
  Path executable;
  Command.Result build;

  @BeforeAll
  @Timeout(value = 15, unit = TimeUnit.MINUTES)
  void generateAndBuild() throws Exception {
    project = temp.resolve("acme");
    Command.Result generated = machine("plugin", "new", "acme", "--dir", project.toString()).run();
    assertThat(generated.exitCode()).as(generated.toString()).isZero();

    Path dir = Path.of("target", "plugin-new-it").toAbsolutePath();
    Path settings = BuildRepository.prepare(dir, PluginNewCommand.sdkVersion());
    String mavenHome = System.getProperty("machinehost.maven.home");
    String mvn = mavenHome == null ? "mvn" : Path.of(mavenHome, "bin", "mvn").toString();
    build =
        Command.of(
                mvn,
                "-B",
                "-q",
                "-s",
                settings,
                "-Dmaven.repo.local=" + BuildRepository.repository(dir),
                "package")
            .in(project)
            // Outside this repository: none of its Maven settings may reach the project's build.
            .unset("MAVEN_BASEDIR", "MAVEN_PROJECTBASEDIR", "MAVEN_CMD_LINE_ARGS", "MAVEN_ARGS")
            .timeout(Duration.ofMinutes(10))
            .run();
    executable = project.resolve("target/bin/machine-driver-acme");
  }

  private Command machine(String... args) {
    Object[] command = new Object[args.length + 1];
    command[0] = Command.dist("machine");
    System.arraycopy(args, 0, command, 1, args.length);
    return Command.of(command)
        .env("MACHINE_STORAGE_PATH", temp.resolve("store").toString())
        .env("XDG_CACHE_HOME", temp.resolve("cache").toString())
        .env("PATH", project.resolve("target/bin") + ":" + System.getenv("PATH"))
        .unset("MACHINE_PLUGIN_PATH");
  }

  private PluginLauncher launcher() {
    return new PluginLauncher(
        PluginLauncher.Options.defaults()
            .withEnv("XDG_CACHE_HOME", temp.resolve("cache").toString())
            .withShutdownGrace(Duration.ofSeconds(30)));
  }

  @Test
  void build_runsTheProjectsTestsAndMakesTheExecutable() throws Exception {
    assertThat(build.exitCode()).as(build.toString()).isZero();

    Path report =
        project.resolve("target/surefire-reports/TEST-com.example.acme.AcmeDriverTest.xml");
    assertThat(report).isRegularFile();
    String xml = Files.readString(report);
    assertThat(attribute(xml, "tests")).isGreaterThan(0);
    assertThat(attribute(xml, "failures")).isZero();
    assertThat(attribute(xml, "errors")).isZero();
    assertThat(executable).isRegularFile().isExecutable();
    assertThat(
            Files.readString(
                executable.resolveSibling("machine-driver-acme"),
                java.nio.charset.StandardCharsets.ISO_8859_1))
        .startsWith("#!/bin/sh\n");
  }

  private static int attribute(String xml, String name) {
    Matcher m = Pattern.compile("<testsuite [^>]*\\b" + name + "=\"(\\d+)\"").matcher(xml);
    assertThat(m.find()).as("%s in the surefire report", name).isTrue();
    return Integer.parseInt(m.group(1));
  }

  @Test
  void executable_launchedByTheHost_handshakesAndReportsItsInfo() throws Exception {
    try (PluginProcess plugin = launcher().launch("acme", executable)) {
      PluginInfo info = plugin.info();

      assertThat(plugin.handshake().app()).isEqualTo(1);
      assertThat(info.name()).isEqualTo("acme");
      assertThat(info.version()).isEqualTo("0.1.0-SNAPSHOT");
      assertThat(info.capabilities())
          .containsExactlyInAnyOrder(
              Capability.START, Capability.STOP, Capability.KILL, Capability.RESTART);
      assertThat(plugin.noise()).isEmpty();
    }
  }

  @Test
  void executable_inADirectoryWithSpacesOnPath_isFoundAndLaunches() throws Exception {
    Path dir = Files.createDirectories(temp.resolve("my drivers"));
    Files.copy(executable, dir.resolve("machine-driver-acme"));
    PluginLocator locator =
        PluginLocator.standard(Map.of("PATH", "/nonexistent:" + dir), temp.resolve("store"), null);

    Path found = locator.find("acme").orElseThrow();
    try (PluginProcess plugin = launcher().launch("acme", found)) {
      assertThat(found).isEqualTo(dir.resolve("machine-driver-acme"));
      assertThat(plugin.info().name()).isEqualTo("acme");
    }

    // Run by its bare name from PATH (no cookie): the launcher finds itself and Java, the driver
    // says what it is.
    Command.Result byName =
        Command.of("sh", "-c", "cd / && machine-driver-acme")
            .env("PATH", dir + ":" + System.getenv("PATH"))
            .env("XDG_CACHE_HOME", temp.resolve("cache").toString())
            .unset("MACHINE_PLUGIN_COOKIE")
            .run();
    assertThat(byName.exitCode()).isEqualTo(1);
    assertThat(byName.err()).contains("This is a machinehost driver plugin");
  }

  @Test
  void pluginTest_onTheExecutable_passesAllButCreateWhichNamesTheFile() throws Exception {
    Command.Result r =
        machine("plugin", "test", executable.toString(), "--", "--acme-example", "hello")
            .timeout(Duration.ofSeconds(100))
            .run();

    assertThat(r.out())
        .contains("PASS lifecycle.launch", "PASS lifecycle.handshake-alone-on-stdout")
        .contains("PASS contract.plugin-info", "PASS contract.flags-well-formed")
        .containsPattern(
            "FAIL semantics.create .*does not implement Create yet: write it in "
                + Pattern.quote(SOURCE));
    List<String> failures = r.out().lines().filter(l -> l.startsWith("FAIL")).toList();
    assertThat(failures).as(r.out()).hasSize(1);
    assertThat(r.exitCode()).isEqualTo(1);
  }

  @Test
  void pluginLs_withTheProjectsBinOnPath_listsAcme() throws Exception {
    Command.Result r = machine("plugin", "ls").run();

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.out())
        .containsPattern(
            "(?m)^acme +0\\.1\\.0-SNAPSHOT +1 +" + Pattern.quote(executable.toString()));
  }

  @Test
  void create_withTheStubs_failsWithTheirErrorAndLeavesNoMachine() throws Exception {
    Command.Result r = machine("create", "-d", "acme", "--acme-example", "hi", "x").run();

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err())
        .contains("the acme driver does not implement Create yet: write it in " + SOURCE)
        .doesNotContain("could not clean up");
    assertThat(temp.resolve("store/machines/x")).doesNotExist();
    Command.Result ls = machine("ls", "-q").run();
    assertThat(ls.exitCode()).as(ls.toString()).isZero();
    assertThat(ls.out()).isEmpty();
  }
}
