package io.machinehost.host.plugin;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One process of a docker-machine legacy driver plugin ({@code docker-machine-driver-<name>}, or a
 * {@code docker-machine}/{@code rancher-machine} binary for its core drivers): started with {@code
 * MACHINE_PLUGIN_TOKEN=42} and {@code MACHINE_PLUGIN_DRIVER_NAME}, it prints one line, the loopback
 * address of its RPC server (docker-machine.md §4.1). Later stdout lines go to an output sink
 * (progress of the running operation), stderr lines to the debug stream and a tail kept for error
 * messages. The process is recorded like a native plugin and killed on any normal exit.
 */
public final class LegacyProcess {
  /** The plugin-mode marker libmachine's plugins check (not a secret). */
  public static final String TOKEN_KEY = "MACHINE_PLUGIN_TOKEN";

  /** The marker's value. */
  public static final String TOKEN_VALUE = "42";

  /** Which driver a multi-driver binary should serve. */
  public static final String DRIVER_NAME_KEY = "MACHINE_PLUGIN_DRIVER_NAME";

  private static final ProcessRegistry REGISTRY = ProcessRegistry.standard();
  private static final List<LegacyProcess> LIVE = new ArrayList<>();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  List<LegacyProcess> live;
                  synchronized (LIVE) {
                    live = new ArrayList<>(LIVE);
                  }
                  live.forEach(LegacyProcess::kill);
                },
                "machinehost-legacy-reaper"));
  }

  private final String driver;
  private final Path executable;
  private final Process process;
  private final StderrTail stderr;
  private volatile Consumer<String> output;
  private volatile long lastLineNanos;
  private InetSocketAddress address;

  private LegacyProcess(String driver, Path executable, Process process, StderrTail stderr) {
    this.driver = driver;
    this.executable = executable;
    this.process = process;
    this.stderr = stderr;
  }

  /**
   * Starts a legacy plugin and waits (bounded) for its address line.
   *
   * @param driver the driver's name, sent as {@code MACHINE_PLUGIN_DRIVER_NAME}
   * @param executable the binary
   * @param options the launcher's options (environment, handshake timeout, debug stream)
   * @param output receives stdout lines after the address, until replaced
   * @throws PluginLaunchException if it does not start, exits, or prints no loopback address in
   *     time; the message carries its stderr tail
   */
  public static LegacyProcess launch(
      String driver, Path executable, PluginLauncher.Options options, Consumer<String> output)
      throws PluginLaunchException {
    ProcessBuilder builder = new ProcessBuilder(executable.toString());
    Map<String, String> env = builder.environment();
    if (options.baseEnv() != null) {
      env.clear();
      env.putAll(options.baseEnv());
    }
    options
        .extraEnv()
        .forEach(
            (name, value) -> {
              if (value == null) {
                env.remove(name);
              } else {
                env.put(name, value);
              }
            });
    env.put(TOKEN_KEY, TOKEN_VALUE);
    env.put(DRIVER_NAME_KEY, driver);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new PluginLaunchException(
          String.format(
              "cannot start the %s driver plugin %s: %s; check that it is an executable file",
              driver, executable, e.getMessage()),
          e);
    }
    REGISTRY.register(process.toHandle(), executable.toString());
    PrintStream debug = options.debugStream();
    LegacyProcess plugin =
        new LegacyProcess(
            driver, executable, process, new StderrTail(driver, process.getErrorStream(), debug));
    plugin.output = output;
    synchronized (LIVE) {
      LIVE.add(plugin);
    }
    try {
      plugin.address = plugin.awaitAddress(options.handshakeTimeout(), debug);
      return plugin;
    } catch (PluginLaunchException | RuntimeException e) {
      plugin.kill();
      throw e;
    }
  }

  private InetSocketAddress awaitAddress(Duration timeout, PrintStream debug)
      throws PluginLaunchException {
    BlockingQueue<String> first = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line = in.readLine();
                if (line == null) {
                  return;
                }
                first.add(line);
                while ((line = in.readLine()) != null) {
                  lastLineNanos = System.nanoTime();
                  Consumer<String> sink = output;
                  if (sink != null) {
                    sink.accept(line);
                  }
                  if (debug != null) {
                    debug.println("(" + driver + ") " + line);
                  }
                }
              } catch (IOException e) {
                // the plugin is gone
              }
            },
            "machinehost-legacy-stdout-" + driver);
    reader.setDaemon(true);
    reader.start();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      String line;
      try {
        line = first.poll(50, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new PluginLaunchException("interrupted while waiting for the " + driver + " plugin");
      }
      if (line != null) {
        return parseAddress(line.trim());
      }
      if (!process.isAlive()) {
        stderr.drain();
        throw new PluginLaunchException(
            String.format(
                "the %s driver plugin (%s) exited with code %d before printing its address; %s",
                driver, executable, process.exitValue(), stderr.describe()));
      }
      if (System.nanoTime() > deadline) {
        throw new PluginLaunchException(
            String.format(
                "the %s driver plugin (%s) printed no RPC server address within %d ms; is it a"
                    + " docker-machine driver plugin? %s",
                driver, executable, timeout.toMillis(), stderr.describe()));
      }
    }
  }

  // The legacy server listens on 127.0.0.1:0; anything but a loopback address is refused.
  private InetSocketAddress parseAddress(String line) throws PluginLaunchException {
    int colon = line.lastIndexOf(':');
    String host = colon > 0 ? line.substring(0, colon) : "";
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      int port = Integer.parseInt(line.substring(colon + 1));
      InetAddress ip = InetAddress.getByName(host);
      if (!ip.isLoopbackAddress() || port < 1 || port > 65535) {
        throw new PluginLaunchException(
            String.format(
                "the %s driver plugin (%s) printed the address \"%s\", which is not a loopback"
                    + " address; machine only connects to plugins on this host's loopback",
                driver, executable, line));
      }
      return new InetSocketAddress(ip, port);
    } catch (NumberFormatException | UnknownHostException | StringIndexOutOfBoundsException e) {
      throw new PluginLaunchException(
          String.format(
              "the %s driver plugin (%s) printed \"%s\" where its RPC address (127.0.0.1:PORT)"
                  + " belongs; %s",
              driver, executable, line, stderr.describe()));
    }
  }

  /** Returns the address of the plugin's RPC server. */
  public InetSocketAddress address() {
    return address;
  }

  /** Returns the driver name it was started for. */
  public String driver() {
    return driver;
  }

  /** Returns the binary. */
  public Path executable() {
    return executable;
  }

  /** Returns the process id. */
  public long pid() {
    return process.pid();
  }

  /** Returns the exit code, or {@code null} while it runs. */
  public Integer exitValue() {
    return process.isAlive() ? null : process.exitValue();
  }

  /** Returns whether it still runs. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** Replaces where stdout lines after the address go. */
  public void output(Consumer<String> sink) {
    this.output = sink;
  }

  /**
   * Waits until stdout has been quiet a moment (at most a second). A plugin prints its progress and
   * then answers on another channel, so its last lines may still be in the pipe when the answer is
   * read: they belong to the operation that just ended.
   */
  public void awaitQuietOutput() {
    long start = System.nanoTime();
    long quiet = TimeUnit.MILLISECONDS.toNanos(100);
    try {
      do {
        Thread.sleep(20);
      } while (System.nanoTime() - Math.max(lastLineNanos, start) < quiet
          && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Describes how the plugin ended, or that it still runs, with its stderr tail, for messages. */
  public String describeExit() {
    try {
      process.waitFor(300, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (process.isAlive()) {
      return "it is still running (pid " + process.pid() + "); " + stderr.describe();
    }
    stderr.drain();
    return "it exited with code " + process.exitValue() + "; " + stderr.describe();
  }

  /** Waits up to {@code grace} for the process to exit (after a Close call), then kills it. */
  public void stop(Duration grace) {
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroy();
        if (!process.waitFor(1, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    release();
  }

  /** Kills the process at once. */
  public void kill() {
    if (process.isAlive()) {
      process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      try {
        process.waitFor(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    release();
  }

  private void release() {
    REGISTRY.unregister(process.toHandle());
    synchronized (LIVE) {
      LIVE.remove(this);
    }
  }
}
