package io.machinehost.host.conformance;

import io.machinehost.host.plugin.PluginProcess;
import io.machinehost.sdk.rpc.Handshake;
import io.machinehost.sdk.rpc.PluginEnv;
import io.machinehost.sdk.rpc.PluginTls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A plugin started by hand, with exactly the environment a check wants, its stdout recorded in
 * full: the lifecycle checks need what the launcher hides.
 */
final class RawLaunch implements AutoCloseable {
  /** What a plugin has after stdin EOF: the protocol's 2 s, and slack for a loaded machine. */
  private static final Duration LIFELINE = Duration.ofMillis(2_500);

  private final Process process;
  private final CompletableFuture<String> firstLine = new CompletableFuture<>();
  private final List<String> lines = new ArrayList<>();
  private final StringBuilder stderr = new StringBuilder();
  private final Thread out;
  private final Thread err;

  private RawLaunch(Process process) {
    this.process = process;
    out = new Thread(() -> read(process.getInputStream(), true), "kit-stdout");
    err = new Thread(() -> read(process.getErrorStream(), false), "kit-stderr");
    out.setDaemon(true);
    err.setDaemon(true);
    out.start();
    err.start();
  }

  /**
   * Starts a plugin.
   *
   * @param executable the plugin
   * @param cookie whether to pass the cookie
   * @param versions {@code PLUGIN_PROTOCOL_VERSIONS}, or {@code null}
   * @param client the host identity whose certificate to pass, or {@code null}
   */
  static RawLaunch start(
      Path executable, boolean cookie, String versions, PluginTls.Identity client)
      throws IOException {
    ProcessBuilder builder = new ProcessBuilder(executable.toString());
    Map<String, String> env = builder.environment();
    env.remove(PluginEnv.COOKIE_KEY);
    env.remove(PluginEnv.PROTOCOL_VERSIONS);
    env.remove(PluginEnv.CLIENT_CERT);
    if (cookie) {
      env.put(PluginEnv.COOKIE_KEY, PluginEnv.COOKIE_VALUE);
    }
    if (versions != null) {
      env.put(PluginEnv.PROTOCOL_VERSIONS, versions);
    }
    if (client != null) {
      env.put(PluginEnv.CLIENT_CERT, client.certificatePem());
    }
    return new RawLaunch(builder.start());
  }

  private void read(InputStream in, boolean stdout) {
    StringBuilder line = new StringBuilder();
    try {
      int c;
      while ((c = in.read()) != -1) {
        if (c == '\n') {
          add(line.toString(), stdout);
          line.setLength(0);
        } else {
          line.append((char) c);
        }
      }
      if (line.length() > 0) {
        add(line.toString(), stdout);
      }
    } catch (IOException e) {
      // process gone
    }
    if (stdout) {
      firstLine.complete(null);
    }
  }

  private synchronized void add(String line, boolean stdout) {
    if (stdout) {
      lines.add(line);
      firstLine.complete(line);
    } else if (stderr.length() < 4096) {
      stderr.append(line).append('\n');
    }
  }

  /** Returns the first stdout line, or {@code null} if stdout closed or time ran out. */
  String firstLine(long millis) throws InterruptedException {
    try {
      return firstLine.get(millis, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      return null;
    }
  }

  synchronized List<String> stdoutLines() {
    return List.copyOf(lines);
  }

  synchronized String stderr() {
    return stderr.toString().strip();
  }

  Process process() {
    return process;
  }

  void closeStdin() {
    try {
      OutputStream in = process.getOutputStream();
      in.close();
    } catch (IOException e) {
      // already closed
    }
  }

  /**
   * Waits for the process to exit and for what it wrote to be read (a process that has exited may
   * still have output in its pipes, or a child holding them).
   */
  boolean awaitExit(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    if (!process.waitFor(millis, TimeUnit.MILLISECONDS)) {
      return false;
    }
    long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    out.join(Math.min(left, 2000));
    err.join(Math.min(left, 2000));
    return true;
  }

  static String utf8(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /**
   * Ends the plugin as the host does: stdin EOF, the protocol's 2 s (and a little slack) to exit,
   * then SIGKILL to it and its descendants; then removes the socket directory a killed plugin could
   * not remove.
   */
  @Override
  public void close() {
    closeStdin();
    List<ProcessHandle> descendants = process.toHandle().descendants().toList();
    try {
      if (!process.waitFor(LIFELINE.toMillis(), TimeUnit.MILLISECONDS)) {
        process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    String line;
    synchronized (this) {
      line = lines.isEmpty() ? null : lines.get(0);
    }
    if (line != null && !process.isAlive()) {
      try {
        PluginProcess.removeSocketDir(Handshake.parse(line));
      } catch (IllegalArgumentException e) {
        // not a handshake: nothing the kit can know to remove
      }
    }
  }
}
