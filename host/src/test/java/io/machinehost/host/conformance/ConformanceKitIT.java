package io.machinehost.host.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code machine plugin test} against good and bad plugins, through real launches. */
@Timeout(180)
class ConformanceKitIT {
  @TempDir Path dir;
  private final StringWriter out = new StringWriter();

  private int run(String... args) {
    CommandLine cli =
        new CommandLine(new PluginTestCommand(name -> Optional.of(dist("machine-driver-" + name))));
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(out, true));
    return cli.execute(args);
  }

  private static Path dist(String name) {
    return Path.of(System.getProperty("machinehost.dist", "../dist"), "bin", name)
        .toAbsolutePath()
        .normalize();
  }

  /** A test plugin executable: a script running a mode of the misbehaving plugin main. */
  private Path testPlugin(String name, String mode) throws IOException {
    Path script = dir.resolve("machine-driver-" + name);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Files.writeString(
        script,
        "#!/bin/sh\nexec '"
            + java
            + "' -cp '"
            + System.getProperty("java.class.path")
            + "' io.machinehost.host.plugin.MisbehavingPluginMain "
            + mode
            + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  /**
   * The test FakeCloudDriver as a plugin executable: it declares CANCEL_CREATE, creates at once.
   */
  private Path fakeCloud() throws IOException {
    Path script = dir.resolve("machine-driver-fake");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Files.writeString(
        script,
        "#!/bin/sh\nexec '"
            + java
            + "' -XX:TieredStopAtLevel=1 -cp '"
            + System.getProperty("java.class.path")
            + "' io.machinehost.host.command.FakeCloudDriver\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  @Test
  void fastCreateDriver_cancelCreateSkipped_sayingTheCancelCameTooLate() throws IOException {
    run(fakeCloud().toString(), "--", "--fake-token", "t");

    assertThat(out.toString())
        .containsPattern(
            "SKIP semantics.cancel-create +Create returned its result after \\d+ ms, before the"
                + " cancel due at \\d+ ms: the cancel came too late to judge \\(the machine was"
                + " removed\\)")
        .contains("--cancel-after MS");
  }

  @Test
  void slowCreateDriver_cancelledInTime_cancelCreatePasses() throws IOException {
    run(fakeCloud().toString(), "--", "--fake-token", "t", "--fake-create-seconds", "2");

    assertThat(out.toString())
        .containsPattern(
            "PASS semantics.cancel-create +cancelled at \\d+ ms, before any result; the driver"
                + " left nothing \\((NotFound|None)\\)");
  }

  @Test
  void driverDeafToTheCancel_cancelCreateFails_sayingItIgnoredTheCancel() throws IOException {
    int exit = run(testPlugin("deaf", "deaf-create").toString());

    assertThat(exit).isEqualTo(1);
    assertThat(out.toString())
        .containsPattern(
            "FAIL semantics.cancel-create +the kit cancelled Create at \\d+ ms, before any result,"
                + " and 30 s later the machine is Running: the driver ignored the cancel");
  }

  @Test
  void kitRun_leavesNothingInTheTempDir() throws Exception {
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    Path machine = dist("machine");
    ProcessBuilder builder =
        new ProcessBuilder(
                machine.toString(), "plugin", "test", "none", "--", "--url", "tcp://127.0.0.1:2376")
            .redirectErrorStream(true);
    builder.environment().put("TMPDIR", tmp.toString());
    builder.environment().put("MACHINEHOST_JAVA_OPTS", "-Djava.io.tmpdir=" + tmp);
    builder.environment().put("MACHINE_STORAGE_PATH", dir.resolve("store").toString());
    Process process = builder.start();
    String said = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(150, TimeUnit.SECONDS)).isTrue();

    assertThat(process.exitValue()).as(said).isZero();
    assertThat(said).contains("PASS lifecycle.stdin-eof-exit");
    // Only the host's own per-user run directory (its record of the plugins it started) stays.
    try (var left = Files.list(tmp)) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .as(said)
          .allMatch(n -> n.equals("machinehost-" + System.getProperty("user.name")));
    }
    try (var left = Files.walk(tmp)) {
      assertThat(left.filter(Files::isDirectory).map(Path::toString))
          .noneMatch(n -> n.contains("machine-plugin-"));
    }
  }

  @Test
  void none_withUrl_everyApplicableCheckPasses() throws IOException {
    Path json = dir.resolve("report.json");
    Path junit = dir.resolve("report.xml");

    int exit =
        run(
            "none",
            "--json",
            json.toString(),
            "--junit",
            junit.toString(),
            "--",
            "--url",
            "tcp://127.0.0.1:2376");

    assertThat(exit).as(out.toString()).isZero();
    assertThat(out.toString()).doesNotContain("FAIL ").contains("PASS lifecycle.stdin-eof-exit");
    JsonNode report = new ObjectMapper().readTree(json.toFile());
    assertThat(report.get("failed").asInt()).isZero();
    assertThat(report.get("passed").asInt()).isGreaterThan(10);
    assertThat(Files.readString(junit)).contains("<testsuite").contains("lifecycle.launch");
  }

  @Test
  void none_withoutItsRequiredFlag_failsNamingTheCheck() {
    int exit = run("none");

    assertThat(exit).isEqualTo(1);
    assertThat(out.toString()).contains("FAIL contract.flag-arguments").contains("--url");
  }

  @Test
  void pluginIgnoringStdinEof_failsTheLifelineCheck() throws IOException {
    int exit = run(testPlugin("crashy", "ignore-shutdown").toString());

    assertThat(exit).isEqualTo(1);
    assertThat(out.toString())
        .contains("FAIL lifecycle.stdin-eof-exit")
        .contains("still running 2.5 s after stdin reached EOF")
        .contains("FAIL lifecycle.shutdown-honoured");
  }

  @Test
  void pluginWhoseRemoveOfMissingMachineFails_failsTheRemoveCheck() throws IOException {
    int exit = run(testPlugin("strict", "strict-remove").toString(), "--", "--strict-zone", "z1");

    assertThat(exit).as(out.toString()).isEqualTo(1);
    assertThat(out.toString())
        .contains("PASS contract.missing-required-flag")
        .contains("PASS semantics.stop")
        .contains("FAIL semantics.remove")
        .contains("NOT_FOUND");
  }
}
