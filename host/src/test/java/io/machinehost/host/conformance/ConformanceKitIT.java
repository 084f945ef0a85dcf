package io.machinehost.host.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
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
