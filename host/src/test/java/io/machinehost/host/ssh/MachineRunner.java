package io.machinehost.host.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs the built {@code machine} executable as a user would, on a store of the test's own. */
final class MachineRunner {
  private final Path machine;
  private final Path store;
  private final Path workDir;

  MachineRunner(Path store, Path workDir) {
    String dist = System.getProperty("machinehost.dist", "../dist");
    this.machine = Path.of(dist, "bin", "machine").toAbsolutePath().normalize();
    assertThat(machine).as("run \"make build\" first: %s is missing", machine).isExecutable();
    assertThat(machine.resolveSibling("machine-driver-generic")).isExecutable();
    this.store = store;
    this.workDir = workDir;
  }

  /** What one command did. */
  static final class Result {
    private final List<String> args;
    private final int exitCode;
    private final byte[] stdout;
    private final String stderr;

    Result(List<String> args, int exitCode, byte[] stdout, String stderr) {
      this.args = args;
      this.exitCode = exitCode;
      this.stdout = stdout.clone();
      this.stderr = stderr;
    }

    int exitCode() {
      return exitCode;
    }

    byte[] stdout() {
      return stdout.clone();
    }

    String stderr() {
      return stderr;
    }

    String out() {
      return new String(stdout, StandardCharsets.UTF_8);
    }

    /** Describes the run for assertion messages. */
    String describe() {
      return "machine " + String.join(" ", args) + " exited " + exitCode + "; stderr:\n" + stderr;
    }
  }

  Result run(String... args) throws Exception {
    return run(new byte[0], args);
  }

  /** Runs a command with the given standard input, within 120 s. */
  Result run(byte[] stdin, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(machine.toString());
    command.addAll(Arrays.asList(args));
    return start(command, stdin, args);
  }

  /**
   * Runs a command on a pseudo-terminal of its own, as from an interactive shell, with util-linux's
   * {@code script}; {@code stdin} is typed into the terminal.
   */
  Result runOnTerminal(byte[] stdin, String... args) throws Exception {
    Path script = Path.of("/usr/bin/script");
    assertThat(script).as("util-linux's script is missing: install bsdutils").isExecutable();
    StringBuilder line = new StringBuilder("'" + machine + "'");
    for (String arg : args) {
      assertThat(arg).doesNotContain("'");
      line.append(" '").append(arg).append("'");
    }
    return start(List.of(script.toString(), "-qfec", line.toString(), "/dev/null"), stdin, args);
  }

  private Result start(List<String> command, byte[] stdin, String... args) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
    builder.environment().put("MACHINE_STORAGE_PATH", store.toString());
    builder.environment().remove("MACHINE_NATIVE_SSH");
    Process process = builder.start();
    CompletableFuture<byte[]> out = read(process.getInputStream());
    CompletableFuture<byte[]> err = read(process.getErrorStream());
    // Threads of their own: the common pool may have one thread, and each of these blocks.
    Thread writer = new Thread(() -> write(process.getOutputStream(), stdin), "machine-stdin");
    writer.setDaemon(true);
    writer.start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      throw new AssertionError("machine " + String.join(" ", args) + " still runs after 120 s");
    }
    return new Result(
        List.of(args),
        process.exitValue(),
        out.get(10, TimeUnit.SECONDS),
        new String(err.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8));
  }

  /** Runs a command that must succeed. */
  Result ok(String... args) throws Exception {
    Result result = run(args);
    assertThat(result.exitCode()).as(result.describe()).isZero();
    return result;
  }

  private static CompletableFuture<byte[]> read(InputStream stream) {
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              ByteArrayOutputStream bytes = new ByteArrayOutputStream();
              try (stream) {
                stream.transferTo(bytes);
              } catch (IOException e) {
                // the process ended
              }
              result.complete(bytes.toByteArray());
            },
            "machine-output");
    reader.setDaemon(true);
    reader.start();
    return result;
  }

  private static void write(OutputStream stream, byte[] bytes) {
    try (stream) {
      stream.write(bytes);
    } catch (IOException e) {
      // the command did not read it all
    }
  }
}
