package io.machinehost.host.authoring;

import io.machinehost.host.ExitCodes;
import io.machinehost.host.MachineCli;
import io.machinehost.host.command.CliException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code machine plugin new}: writes a standalone Maven project for a new Java driver, whose {@code
 * mvn package} makes the driver executable.
 */
@Command(
    name = "new",
    mixinStandardHelpOptions = true,
    description = {
      "Write a Maven project for a new Java driver: a driver class with every operation stubbed, a"
          + " create flag, a test on the SDK's DriverHarness and a README. Its \"mvn package\""
          + " makes target/bin/machine-driver-NAME.",
      "  machine plugin new acme --package com.example.acme"
    })
public final class PluginNewCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "NAME",
      description =
          "The driver's name: lower-case letters, digits and dashes; machine finds it as the"
              + " executable machine-driver-NAME.")
  String name;

  @Option(
      names = "--dir",
      paramLabel = "DIR",
      description =
          "Where to write the project; it must not exist or be empty (default:"
              + " ./machine-driver-NAME).")
  Path dir;

  @Option(
      names = "--package",
      paramLabel = "PACKAGE",
      description = "The Java package of the driver's classes (default: com.example.NAME).")
  String packageName;

  @Override
  public Integer call() throws CliException {
    PrintWriter out = spec.commandLine().getOut();
    DriverProject project = DriverProject.of(name, packageName, sdkVersion());
    Path target = (dir != null ? dir : Path.of(project.executable())).toAbsolutePath().normalize();
    List<Path> files = DriverTemplate.write(project, target);

    out.printf("Wrote the %s driver project in %s:%n", project.name(), target);
    for (Path file : files) {
      out.println("  " + file);
    }
    out.println();
    out.println("Next:");
    out.println("  cd " + quote(target.toString()));
    out.println("  mvn package        # runs the tests, makes target/bin/" + project.executable());
    out.printf(
        "  machine plugin test target/bin/%s -- --%s-example hello%n",
        project.executable(), project.name());
    out.printf(
        "then write the operations in %s (README.md says how).%n",
        files.stream()
            .filter(f -> f.getFileName().toString().equals(project.className() + "Driver.java"))
            .findFirst()
            .orElseThrow());
    Path repository = home().resolve(".m2/repository");
    Path parentPom =
        repository.resolve(
            String.format(
                "io/machinehost/machinehost-driver-parent/%1$s/machinehost-driver-parent-%1$s.pom",
                project.sdkVersion()));
    if (!Files.isRegularFile(parentPom)) {
      out.printf(
          "%nNote: machinehost %s's SDK is not in %s; \"mvn package\" needs it there: run \"make"
              + " install\" in a machinehost checkout first.%n",
          project.sdkVersion(), repository);
    }
    out.flush();
    return ExitCodes.OK;
  }

  private Path home() {
    if (spec.root().userObject() instanceof MachineCli cli) {
      return cli.environment().home();
    }
    return Path.of(System.getProperty("user.home"));
  }

  private static String quote(String path) {
    return path.matches("[A-Za-z0-9_./+-]+") ? path : "'" + path.replace("'", "'\\''") + "'";
  }

  /** Returns the machinehost version this CLI was built as, the SDK version projects use. */
  static String sdkVersion() {
    Properties properties = new Properties();
    try (InputStream in = PluginNewCommand.class.getResourceAsStream("machinehost.properties")) {
      if (in == null) {
        throw new IllegalStateException("machinehost.properties is missing from machine");
      }
      properties.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return properties.getProperty("sdk.version");
  }
}
