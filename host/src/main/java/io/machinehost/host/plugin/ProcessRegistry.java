package io.machinehost.host.plugin;

import io.machinehost.sdk.rpc.Handshake;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Records the plugin processes this host started, with their start instants and the host's own, in
 * a private run directory. A later host reaps a plugin whose host is gone and that is still alive
 * (it should have exited on stdin EOF). A PID whose start instant differs is someone else's process
 * now and is never touched.
 */
final class ProcessRegistry {
  private static final String HANDSHAKE = "handshake=";

  private final Path dir;

  ProcessRegistry(Path dir) {
    this.dir = dir;
  }

  /** The run directory: {@code $XDG_RUNTIME_DIR/machinehost}, else a per-user temp directory. */
  static ProcessRegistry standard() {
    String runtime = System.getenv("XDG_RUNTIME_DIR");
    Path base =
        runtime != null && !runtime.isBlank()
            ? Path.of(runtime, "machinehost")
            : Path.of(
                System.getProperty("java.io.tmpdir"),
                "machinehost-" + System.getProperty("user.name"));
    return new ProcessRegistry(base.resolve("plugins"));
  }

  void register(ProcessHandle plugin, String command) {
    try {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      ProcessHandle self = ProcessHandle.current();
      String record =
          String.join(
              "\n",
              Long.toString(start(plugin)),
              Long.toString(self.pid()),
              Long.toString(start(self)),
              command);
      Files.writeString(dir.resolve(Long.toString(plugin.pid())), record, StandardCharsets.UTF_8);
    } catch (IOException e) {
      // bookkeeping is best effort: the lifeline still ends the plugin with this host
    }
  }

  /**
   * Adds the plugin's handshake to its record, so that a later host that finds the plugin gone
   * (killed with its host) can remove the socket directory it left.
   */
  void recordHandshake(ProcessHandle plugin, Handshake handshake) {
    try {
      Files.writeString(
          dir.resolve(Long.toString(plugin.pid())),
          "\n" + HANDSHAKE + handshake.format(),
          StandardCharsets.UTF_8,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      // best effort, as register
    }
  }

  void unregister(ProcessHandle plugin) {
    try {
      Files.deleteIfExists(dir.resolve(Long.toString(plugin.pid())));
    } catch (IOException e) {
      // best effort
    }
  }

  /** Kills plugins left by hosts that are gone, and forgets records of processes that ended. */
  void reap() {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> records = Files.newDirectoryStream(dir)) {
      for (Path record : records) {
        reap(record);
      }
    } catch (IOException e) {
      // best effort
    }
  }

  private void reap(Path record) throws IOException {
    List<String> lines;
    long pid;
    try {
      lines = Files.readAllLines(record, StandardCharsets.UTF_8);
      pid = Long.parseLong(record.getFileName().toString());
      if (lines.size() < 3) {
        Files.deleteIfExists(record);
        return;
      }
    } catch (NumberFormatException | IOException e) {
      Files.deleteIfExists(record);
      return;
    }
    long pluginStart = Long.parseLong(lines.get(0));
    long hostPid = Long.parseLong(lines.get(1));
    long hostStart = Long.parseLong(lines.get(2));
    if (same(hostPid, hostStart).isPresent()) {
      return; // its host is still running and owns it
    }
    Optional<ProcessHandle> orphan = same(pid, pluginStart);
    if (orphan.isPresent()) {
      orphan.get().descendants().forEach(ProcessHandle::destroyForcibly);
      orphan.get().destroyForcibly();
      try {
        orphan.get().onExit().get(2, java.util.concurrent.TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        // removed below only if it is gone
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (!orphan.map(ProcessHandle::isAlive).orElse(false)) {
      lines.stream()
          .filter(l -> l.startsWith(HANDSHAKE))
          .findFirst()
          .ifPresent(l -> removeSocketOf(l.substring(HANDSHAKE.length())));
    }
    Files.deleteIfExists(record);
  }

  private static void removeSocketOf(String handshakeLine) {
    try {
      PluginProcess.removeSocketDir(Handshake.parse(handshakeLine));
    } catch (IllegalArgumentException e) {
      // a record with a garbled handshake names no socket
    }
  }

  private static Optional<ProcessHandle> same(long pid, long startMillis) {
    return ProcessHandle.of(pid).filter(p -> p.isAlive() && start(p) == startMillis);
  }

  private static long start(ProcessHandle p) {
    return p.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
  }
}
