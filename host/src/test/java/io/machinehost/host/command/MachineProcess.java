package io.machinehost.host.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Runs the built {@code dist/bin/machine} as a user would, with a store of its own. */
final class MachineProcess {
  /** What a run printed and returned. */
  record Result(int exitCode, String out, String err) {}

  private final Path store;
  private final Path executableDir;
  private final Map<String, String> env = new HashMap<>();

  MachineProcess(Path store) {
    this(store, null);
  }

  /** Runs {@code machine} from another directory ({@code null}: the built dist/bin). */
  MachineProcess(Path store, Path executableDir) {
    this.store = store;
    this.executableDir = executableDir;
    env.put("MACHINE_STORAGE_PATH", store.toString());
  }

  static Path executable(String name) {
    String dist = System.getProperty("machinehost.dist", "../dist");
    Path path = Path.of(dist, "bin", name).toAbsolutePath().normalize();
    assertThat(path).as("run \"make build\" first: %s is missing", path).isExecutable();
    return path;
  }

  MachineProcess env(String name, String value) {
    env.put(name, value);
    return this;
  }

  Path machineDir(String name) {
    return store.resolve("machines").resolve(name);
  }

  ProcessBuilder builder(String... args) {
    List<String> command = new ArrayList<>();
    command.add(
        (executableDir != null ? executableDir.resolve("machine") : executable("machine"))
            .toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().putAll(env);
    return builder;
  }

  Result run(String... args) throws IOException, InterruptedException {
    Process process =
        builder(args)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
    var out = process.getInputStream().readAllBytes();
    var err = process.getErrorStream().readAllBytes();
    assertThat(process.waitFor(120, TimeUnit.SECONDS))
        .as("machine %s ended", List.of(args))
        .isTrue();
    return new Result(
        process.exitValue(),
        new String(out, StandardCharsets.UTF_8),
        new String(err, StandardCharsets.UTF_8));
  }

  /**
   * Writes {@code machine-driver-fake} into a plugin directory: the test {@link FakeCloudDriver}
   * run from the test classpath, found through {@code MACHINE_PLUGIN_PATH}.
   */
  MachineProcess withFakeDriver(Path pluginDir) throws IOException {
    Files.createDirectories(pluginDir);
    Path script = pluginDir.resolve("machine-driver-fake");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Files.writeString(
        script,
        "#!/bin/sh\nexec '"
            + java
            + "' -XX:TieredStopAtLevel=1 -Dfake.plugins='"
            + pluginDir
            + "' -cp '"
            + System.getProperty("java.class.path")
            + "' "
            + FakeCloudDriver.class.getName()
            + "\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return env("MACHINE_PLUGIN_PATH", pluginDir.toString());
  }

  /**
   * Reads a process's stderr into {@code seen} up to the first line that contains {@code marker},
   * or the end; returns the reader for the rest.
   */
  static java.io.BufferedReader stderrUntil(Process process, String marker, StringBuilder seen)
      throws IOException {
    var in =
        new java.io.BufferedReader(
            new java.io.InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      seen.append(line).append('\n');
      if (line.contains(marker)) {
        break;
      }
    }
    return in;
  }

  /** Returns whether the process exits within that many seconds (true if it is gone). */
  static boolean exits(long pid, int seconds) throws Exception {
    Optional<ProcessHandle> p = ProcessHandle.of(pid);
    if (p.isEmpty()) {
      return true;
    }
    try {
      p.get().onExit().get(seconds, TimeUnit.SECONDS);
      return true;
    } catch (java.util.concurrent.TimeoutException e) {
      return false;
    }
  }

  /** Deletes a directory tree. */
  static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
