package io.machinehost.host.provision;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code dist/bin/machine} (and shell lines using it) as a user would, with a store of its own
 * and none of the test bench's Docker settings.
 */
final class Cli {
  /** What a process printed and how it exited. */
  record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }
  }

  private final Path machine;
  private final Path store;

  Cli(Path store) {
    String dist = System.getProperty("machinehost.dist", "../dist");
    this.machine = Path.of(dist, "bin", "machine").toAbsolutePath().normalize();
    assertThat(machine).as("run \"make build\" first: %s is missing", machine).isExecutable();
    this.store = store;
  }

  Path store() {
    return store;
  }

  Path machineDir(String name) {
    return store.resolve("machines").resolve(name);
  }

  /** Runs {@code machine ARGS}. */
  Result machine(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(machine.toString()));
    command.addAll(List.of(args));
    return run(command, Map.of(), "");
  }

  /** Runs {@code machine ARGS} with {@code stdin} as its input and extra environment. */
  Result machineWith(Map<String, String> env, String stdin, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(machine.toString()));
    command.addAll(List.of(args));
    return run(command, env, stdin);
  }

  /** Runs a bash script with {@code machine} on the PATH. */
  Result bash(String script) throws IOException, InterruptedException {
    return bash(Map.of(), script);
  }

  /** Runs a bash script with {@code machine} on the PATH and extra environment. */
  Result bash(Map<String, String> env, String script) throws IOException, InterruptedException {
    return run(List.of("bash", "-c", script), env, "");
  }

  private Result run(List<String> command, Map<String, String> extra, String stdin)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(k -> k.startsWith("DOCKER_") || k.startsWith("MACHINE_"));
    env.put("MACHINE_STORAGE_PATH", store.toString());
    env.put("PATH", machine.getParent() + ":" + System.getenv("PATH"));
    env.putAll(new HashMap<>(extra));
    Process process = builder.start();
    process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    process.getOutputStream().close();
    CompletableFuture<String> out = read(process.getInputStream());
    CompletableFuture<String> err = read(process.getErrorStream());
    if (!process.waitFor(10, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new IllegalStateException(command + " did not end within 10 minutes");
    }
    return new Result(process.exitValue(), out.join(), err.join());
  }

  private static CompletableFuture<String> read(java.io.InputStream stream) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            return "";
          }
        });
  }

  /** Returns a file of the machine's directory. */
  byte[] read(String machineName, String file) throws IOException {
    return Files.readAllBytes(machineDir(machineName).resolve(file));
  }
}
