package io.machinehost.driver.amazonec2;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code dist/bin/machine} run as a user runs it, on a store of the test's, with an environment
 * that has no AWS settings but those the test gives (and never the instance metadata service).
 */
final class MachineRun {
  /** What a run printed and returned. */
  record Result(int exitCode, String out, String err) {
    String all() {
      return out + err;
    }
  }

  private final Path store;
  private final Map<String, String> env = new HashMap<>();

  MachineRun(Path store) {
    this.store = store;
  }

  static Path dist() {
    return Path.of(System.getProperty("machinehost.dist", "../../dist"), "bin")
        .toAbsolutePath()
        .normalize();
  }

  static Path plugin() {
    Path path = dist().resolve("machine-driver-amazonec2");
    assertThat(path).as("build it first (mvn -B -q install -DskipTests): %s", path).isExecutable();
    return path;
  }

  /** Sets an environment variable for the following runs. */
  MachineRun env(String name, String value) {
    env.put(name, value);
    return this;
  }

  /** Runs {@code machine ARGS} and returns what it did, whatever its exit code. */
  Result run(String... args) throws IOException, InterruptedException {
    Path machine = plugin().resolveSibling("machine");
    List<String> command = new ArrayList<>(List.of(machine.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Map<String, String> environment = builder.environment();
    environment.keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("MACHINE_"));
    environment.put("MACHINE_STORAGE_PATH", store.toString());
    // The SDK's credential chain would ask the instance metadata service last: never here.
    environment.put("AWS_EC2_METADATA_DISABLED", "true");
    environment.put("AWS_CONFIG_FILE", store.resolve("no-aws-config").toString());
    environment.put("AWS_SHARED_CREDENTIALS_FILE", store.resolve("no-aws-credentials").toString());
    environment.putAll(env);
    Process process = builder.start();
    CompletableFuture<byte[]> err =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return process.getErrorStream().readAllBytes();
              } catch (IOException e) {
                return new byte[0];
              }
            });
    byte[] out = process.getInputStream().readAllBytes();
    if (!process.waitFor(180, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("machine " + List.of(args) + " did not end within 180 s");
    }
    return new Result(
        process.exitValue(),
        new String(out, StandardCharsets.UTF_8),
        new String(err.join(), StandardCharsets.UTF_8));
  }

  /** Runs {@code machine ARGS} and fails unless it exits 0. */
  Result ok(String... args) throws IOException, InterruptedException {
    Result result = run(args);
    assertThat(result.exitCode())
        .as("machine %s:%n%s%n%s", List.of(args), result.out(), result.err())
        .isZero();
    return result;
  }
}
