package io.machinehost.driver.qemu;

import io.machinehost.sdk.DriverException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Finds and runs the host programs the driver uses: QEMU and qemu-img. */
final class Programs {
  static final String APT_LINE =
      "apt-get install --no-install-recommends qemu-system-x86 qemu-utils";

  /**
   * What a program printed and returned.
   *
   * @param exitCode its exit status
   * @param out standard output
   * @param err standard error
   */
  record Result(int exitCode, String out, String err) {
    String tail() {
      String text = (err.isBlank() ? out : err).strip();
      String[] lines = text.split("\\R");
      return String.join("\n", List.of(lines).subList(Math.max(0, lines.length - 8), lines.length));
    }
  }

  private Programs() {}

  /** Finds a program by path, or by name on the PATH. */
  static Optional<Path> find(String program) {
    if (program.indexOf('/') >= 0) {
      Path path = Path.of(program);
      return Files.isRegularFile(path) && Files.isExecutable(path)
          ? Optional.of(path.toAbsolutePath())
          : Optional.empty();
    }
    List<String> dirs = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      dirs.addAll(List.of(path.split(File.pathSeparator)));
    }
    for (String dir : dirs) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, program);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * Finds the QEMU binary.
   *
   * @param binary the {@code --qemu-binary} value
   * @throws DriverException FAILED_PRECONDITION for the default binary (with the apt line),
   *     INVALID_ARGUMENT for one given with the flag
   */
  static Path qemu(String binary) throws DriverException {
    Optional<Path> found = find(binary);
    if (found.isPresent()) {
      return found.get();
    }
    if (binary.equals(QemuFlags.DEFAULT_BINARY)) {
      throw DriverException.failedPrecondition(
          "QEMU is not installed: %s was not found on the PATH; install it with \"%s\"",
          binary, APT_LINE);
    }
    throw DriverException.invalidArgument(
        QemuFlags.BINARY,
        "--%s \"%s\" was not found or is not executable: give the path of qemu-system-x86_64,"
            + " or install QEMU with \"%s\"",
        QemuFlags.BINARY,
        binary,
        APT_LINE);
  }

  /** Finds qemu-img beside the QEMU binary or on the PATH. */
  static Path qemuImg(Path qemu) throws DriverException {
    Path beside = qemu.resolveSibling("qemu-img");
    if (Files.isExecutable(beside)) {
      return beside;
    }
    return find("qemu-img")
        .orElseThrow(
            () ->
                DriverException.failedPrecondition(
                    "qemu-img is not installed (it makes the machine's disk); install it with"
                        + " \"%s\"",
                    APT_LINE));
  }

  /**
   * Runs a program to its end with no input.
   *
   * @throws DriverException UNAVAILABLE if it cannot be started, TIMEOUT if it runs too long
   */
  static Result run(List<String> command, Duration timeout) throws DriverException {
    Process process;
    try {
      process =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .start();
    } catch (IOException e) {
      throw DriverException.unavailable("cannot run %s: %s", command.get(0), e.getMessage());
    }
    CompletableFuture<String> err =
        CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
    String out = readAll(process.getInputStream());
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw DriverException.timeout(
            "%s did not finish within %d s", String.join(" ", command), timeout.toSeconds());
      }
      return new Result(process.exitValue(), out, err.get());
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw DriverException.cancelled("interrupted while running %s", command.get(0));
    } catch (ExecutionException e) {
      return new Result(process.exitValue(), out, "");
    }
  }

  private static String readAll(java.io.InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
