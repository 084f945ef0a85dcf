package io.machinehost.host.legacy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

/**
 * The Go test programs of host/src/test/go, built (once per source change) by its build.sh with
 * Debian's golang-go, which CI installs.
 */
public final class GoPrograms {
  private static Path bin;

  private GoPrograms() {}

  /** Returns the directory holding the built programs. */
  public static synchronized Path bin() throws IOException, InterruptedException {
    if (bin == null) {
      Path script = Path.of("src/test/go/build.sh").toAbsolutePath();
      Process build = new ProcessBuilder(script.toString()).redirectErrorStream(true).start();
      String out = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(build.waitFor(300, TimeUnit.SECONDS)).as("go build finished").isTrue();
      assertThat(build.exitValue()).as("%s failed:%n%s", script, out).isZero();
      bin = Path.of(out.lines().reduce((a, b) -> b).orElseThrow().trim());
    }
    return bin;
  }

  /**
   * Copies the legacy test driver into a directory under a name (e.g. {@code
   * docker-machine-driver-legacytest}), so that a test can tell its processes from others'.
   */
  public static Path legacyDriver(Path dir, String name) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path target = dir.resolve(name);
    Files.copy(
        bin().resolve("docker-machine-driver-legacytest"),
        target,
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.COPY_ATTRIBUTES);
    return target;
  }

  /** Returns the live processes running an executable. */
  public static java.util.List<ProcessHandle> running(Path executable) {
    String path = executable.toString();
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().command().map(path::equals).orElse(false))
        .toList();
  }
}
