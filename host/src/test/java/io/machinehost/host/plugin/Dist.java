package io.machinehost.host.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Where the build put the executables, and how to run test plugins. */
final class Dist {
  private Dist() {}

  static Path bin(String name) {
    String dist = System.getProperty("machinehost.dist", "../dist");
    Path path = Path.of(dist, "bin", name).toAbsolutePath().normalize();
    assertThat(path).as("run \"make build\" first: %s is missing", path).isExecutable();
    return path;
  }

  static List<String> java(Class<?> main, String... args) {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command =
        new java.util.ArrayList<>(
            List.of(java.toString(), "-cp", System.getProperty("java.class.path"), main.getName()));
    command.addAll(List.of(args));
    assertThat(Files.isExecutable(java)).isTrue();
    return command;
  }
}
