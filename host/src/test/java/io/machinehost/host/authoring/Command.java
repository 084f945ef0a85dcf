package io.machinehost.host.authoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A real process run to its end, its output kept in files so neither stream can block it. */
final class Command {
  /** What a run printed and returned. */
  record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }
  }

  private final List<String> command;
  private final Map<String, String> env = new HashMap<>();
  private final List<String> unset = new ArrayList<>();
  private Path directory;
  private Duration timeout = Duration.ofSeconds(60);

  Command(List<String> command) {
    this.command = List.copyOf(command);
  }

  static Command of(Object... command) {
    List<String> words = new ArrayList<>();
    for (Object word : command) {
      words.add(word.toString());
    }
    return new Command(words);
  }

  /** The built executable {@code dist/bin/<name>}. */
  static Path dist(String name) {
    Path path = distDir().resolve("bin").resolve(name);
    assertThat(path).as("run \"make build\" first: %s is missing", path).isExecutable();
    return path;
  }

  /** The build's dist directory; the repository root is its parent. */
  static Path distDir() {
    return Path.of(System.getProperty("machinehost.dist", "../dist")).toAbsolutePath().normalize();
  }

  Command env(String name, String value) {
    env.put(name, value);
    return this;
  }

  Command unset(String... names) {
    unset.addAll(List.of(names));
    return this;
  }

  Command in(Path dir) {
    directory = dir;
    return this;
  }

  Command timeout(Duration timeout) {
    this.timeout = timeout;
    return this;
  }

  Result run() throws IOException, InterruptedException {
    Path out = Files.createTempFile("machinehost-it-", ".out");
    Path err = Files.createTempFile("machinehost-it-", ".err");
    try {
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      if (directory != null) {
        builder.directory(directory.toFile());
      }
      unset.forEach(builder.environment()::remove);
      builder.environment().putAll(env);
      Process process = builder.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor();
        throw new AssertionError(
            command + " did not end within " + timeout + "; stderr: " + Files.readString(err));
      }
      return new Result(
          process.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
