package io.machinehost.host.plugin;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.machinehost.sdk.rpc.Handshake;
import io.machinehost.sdk.rpc.PluginChannels;
import io.machinehost.sdk.rpc.PluginEnv;
import io.machinehost.sdk.rpc.PluginTls;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Starts driver plugins: spawns the executable with the cookie, protocol versions and a one-time
 * client certificate, waits a bounded time for its handshake line, and opens a mutual-TLS channel
 * to it. Everything it started is closed when the JVM exits.
 */
public final class PluginLauncher {
  /** The protocol versions this host speaks. */
  static final List<Integer> HOST_VERSIONS = List.of(1);

  private static final int HANDSHAKE_FIELDS = 5;

  /**
   * How to launch.
   *
   * @param handshakeTimeout how long to wait for the handshake line
   * @param shutdownGrace how long a plugin may take to exit after Shutdown before it is killed
   * @param debugStream where plugin stderr and stdout noise are forwarded, or {@code null}
   * @param transport {@code unix} or {@code tcp}
   * @param extraEnv more environment for the plugin; a {@code null} value removes a variable
   * @param baseEnv the environment the plugin starts from, or {@code null} for this process's (a
   *     command server passes its client's)
   */
  public record Options(
      Duration handshakeTimeout,
      Duration shutdownGrace,
      PrintStream debugStream,
      String transport,
      Map<String, String> extraEnv,
      Map<String, String> baseEnv) {

    /** Copies the maps. */
    public Options {
      extraEnv = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extraEnv));
      baseEnv = baseEnv == null ? null : Map.copyOf(baseEnv);
    }

    /** Returns these options starting plugins in another environment. */
    public Options withBaseEnv(Map<String, String> env) {
      return new Options(handshakeTimeout, shutdownGrace, debugStream, transport, extraEnv, env);
    }

    /** The environment a plugin starts from: {@link #baseEnv}, else this process's. */
    public Map<String, String> startingEnv() {
      return baseEnv != null ? baseEnv : System.getenv();
    }

    /** The defaults: 10 s handshake, 2 s shutdown grace, no debug output, Unix socket. */
    public static Options defaults() {
      return new Options(
          Duration.ofSeconds(10), Duration.ofSeconds(2), null, "unix", Map.of(), null);
    }

    /** Returns these options with another handshake timeout. */
    public Options withHandshakeTimeout(Duration timeout) {
      return new Options(timeout, shutdownGrace, debugStream, transport, extraEnv, baseEnv);
    }

    /** Returns these options with another shutdown grace. */
    public Options withShutdownGrace(Duration grace) {
      return new Options(handshakeTimeout, grace, debugStream, transport, extraEnv, baseEnv);
    }

    /** Returns these options forwarding plugin output to a stream. */
    public Options withDebug(PrintStream stream) {
      return new Options(handshakeTimeout, shutdownGrace, stream, transport, extraEnv, baseEnv);
    }

    /** Returns these options with another transport. */
    public Options withTransport(String transport) {
      return new Options(
          handshakeTimeout, shutdownGrace, debugStream, transport, extraEnv, baseEnv);
    }

    /** Returns these options with one more environment variable ({@code null} removes it). */
    public Options withEnv(String name, String value) {
      Map<String, String> env = new LinkedHashMap<>(extraEnv);
      env.put(name, value);
      return new Options(handshakeTimeout, shutdownGrace, debugStream, transport, env, baseEnv);
    }
  }

  private static final ProcessRegistry REGISTRY = ProcessRegistry.standard();
  private static final List<PluginProcess> LIVE = new ArrayList<>();

  static {
    Thread hook =
        new Thread(
            () -> {
              List<PluginProcess> live;
              synchronized (LIVE) {
                live = new ArrayList<>(LIVE);
              }
              live.parallelStream().forEach(PluginProcess::kill);
            },
            "machinehost-plugin-reaper");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  private final Options options;

  /** Creates a launcher; reaps plugins that outlived an earlier host. */
  public PluginLauncher(Options options) {
    this.options = options;
    REGISTRY.reap();
  }

  /** Returns the options. */
  public Options options() {
    return options;
  }

  /**
   * Launches a driver executable.
   *
   * @param driver the driver's name, for messages
   * @param executable the {@code machine-driver-<name>} executable
   * @throws PluginLaunchException if it does not come up
   */
  public PluginProcess launch(String driver, Path executable) throws PluginLaunchException {
    return launch(driver, List.of(executable.toString()));
  }

  /**
   * Launches a plugin command.
   *
   * @param driver the driver's name, for messages
   * @param command the command line; a real driver is its executable alone
   * @throws PluginLaunchException if it does not come up
   */
  public PluginProcess launch(String driver, List<String> command) throws PluginLaunchException {
    return launch(driver, command, Map.of());
  }

  /**
   * Launches a plugin command with more environment than the options give.
   *
   * @param driver the driver's name, for messages
   * @param command the command line; a real driver is its executable alone
   * @param moreEnv environment for this launch only
   * @throws PluginLaunchException if it does not come up
   */
  public PluginProcess launch(String driver, List<String> command, Map<String, String> moreEnv)
      throws PluginLaunchException {
    PluginTls.Identity identity = PluginTls.generate();
    // The channel's TLS engine loads while the plugin starts.
    Thread warmTls = new Thread(PluginTls::warmUp, "machinehost-tls-warm-up");
    warmTls.setDaemon(true);
    warmTls.start();
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> env = builder.environment();
    if (options.baseEnv() != null) {
      env.clear();
      env.putAll(options.baseEnv());
    }
    env.put(PluginEnv.COOKIE_KEY, PluginEnv.COOKIE_VALUE);
    env.put(
        PluginEnv.PROTOCOL_VERSIONS,
        String.join(",", HOST_VERSIONS.stream().map(String::valueOf).toList()));
    env.put(PluginEnv.CLIENT_CERT, identity.certificatePem());
    env.put(PluginEnv.TRANSPORT, options.transport());
    env.put(PluginEnv.LOG_LEVEL, options.debugStream() == null ? "info" : "debug");
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
    env.putAll(moreEnv);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new PluginLaunchException(
          String.format(
              "cannot start the %s driver plugin %s: %s; check that it is an executable file"
                  + " (reinstall the driver, or run \"machine plugin ls\")",
              driver, command.get(0), e.getMessage()),
          e);
    }
    REGISTRY.register(process.toHandle(), String.join(" ", command));
    StderrTail stderr = new StderrTail(driver, process.getErrorStream(), options.debugStream());
    BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
    PluginProcess plugin =
        new PluginProcess(driver, command, process, stderr, options.shutdownGrace(), REGISTRY);
    Thread reader = readLines(driver, process, stdout, plugin);
    try {
      Handshake handshake = awaitHandshake(driver, command, process, stdout, stderr, plugin);
      REGISTRY.recordHandshake(process.toHandle(), handshake);
      ManagedChannel channel = openChannel(driver, handshake, identity, stderr);
      plugin.connected(handshake, channel, identity);
      synchronized (LIVE) {
        LIVE.add(plugin);
      }
      reader.setName("machinehost-stdout-" + driver);
      return plugin;
    } catch (PluginLaunchException | RuntimeException e) {
      plugin.kill();
      throw e;
    }
  }

  static void forget(PluginProcess plugin) {
    synchronized (LIVE) {
      LIVE.remove(plugin);
    }
  }

  private Thread readLines(
      String driver, Process process, BlockingQueue<String> lines, PluginProcess plugin) {
    PrintStream debug = options.debugStream();
    Thread reader =
        new Thread(
            () -> {
              boolean handshakeSeen = false;
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  if (!handshakeSeen) {
                    lines.add(line);
                    handshakeSeen = looksLikeHandshake(line);
                  } else {
                    plugin.noise(line);
                    if (debug != null) {
                      debug.println("(" + driver + ") stdout: " + line);
                    }
                  }
                }
              } catch (IOException e) {
                // the plugin is gone
              }
            },
            "machinehost-handshake-" + driver);
    reader.setDaemon(true);
    reader.start();
    return reader;
  }

  private static boolean looksLikeHandshake(String line) {
    return line.split("\\|", -1).length >= HANDSHAKE_FIELDS;
  }

  private Handshake awaitHandshake(
      String driver,
      List<String> command,
      Process process,
      BlockingQueue<String> stdout,
      StderrTail stderr,
      PluginProcess plugin)
      throws PluginLaunchException {
    long deadline = System.nanoTime() + options.handshakeTimeout().toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      String line;
      try {
        line = left > 0 ? stdout.poll(Math.min(left, 50_000_000L), TimeUnit.NANOSECONDS) : null;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new PluginLaunchException("interrupted while waiting for the " + driver + " plugin");
      }
      if (line != null) {
        if (!looksLikeHandshake(line)) {
          plugin.noise(line);
          if (options.debugStream() != null) {
            options.debugStream().println("(" + driver + ") stdout before handshake: " + line);
          }
          continue;
        }
        return check(driver, command, line, stderr);
      }
      if (!process.isAlive() && stdout.isEmpty()) {
        stderr.drain();
        throw new PluginLaunchException(
            String.format(
                "the %s driver plugin (%s) exited with code %d before its handshake; %s",
                driver, command.get(0), process.exitValue(), stderr.describe()));
      }
      if (left <= 0) {
        throw new PluginLaunchException(
            String.format(
                "the %s driver plugin (%s) printed no handshake line within %d ms%s; is it a"
                    + " machinehost driver plugin? %s",
                driver,
                command.get(0),
                options.handshakeTimeout().toMillis(),
                plugin.noiseSummary(),
                stderr.describe()));
      }
    }
  }

  private static Handshake check(
      String driver, List<String> command, String line, StderrTail stderr)
      throws PluginLaunchException {
    Handshake handshake;
    try {
      handshake = Handshake.parse(line);
    } catch (IllegalArgumentException e) {
      throw new PluginLaunchException(
          String.format(
              "the %s driver plugin (%s) sent a malformed handshake line \"%s\": %s; %s",
              driver, command.get(0), line, e.getMessage(), stderr.describe()));
    }
    if (handshake.core() != PluginEnv.CORE_VERSION) {
      throw new PluginLaunchException(
          String.format(
              "the %s driver plugin speaks core protocol %d, machine speaks %d: the plugin must be"
                  + " rebuilt for machinehost's protocol",
              driver, handshake.core(), PluginEnv.CORE_VERSION));
    }
    if (!HOST_VERSIONS.contains(handshake.app())) {
      throw new PluginLaunchException(
          String.format(
              "the %s driver plugin chose protocol version %d, but machine speaks %s: install a"
                  + " release of the driver for protocol %s, or upgrade machine",
              driver, handshake.app(), HOST_VERSIONS, HOST_VERSIONS.get(HOST_VERSIONS.size() - 1)));
    }
    return handshake;
  }

  private static ManagedChannel openChannel(
      String driver, Handshake handshake, PluginTls.Identity identity, StderrTail stderr)
      throws PluginLaunchException {
    ManagedChannel channel;
    try {
      channel = PluginChannels.open(handshake, identity);
    } catch (IllegalArgumentException e) {
      throw new PluginLaunchException(
          "cannot connect to the " + driver + " driver plugin: " + e.getMessage());
    }
    try {
      HealthCheckResponse health =
          HealthGrpc.newBlockingStub(channel)
              .withDeadlineAfter(5, TimeUnit.SECONDS)
              .check(HealthCheckRequest.newBuilder().setService("plugin").build());
      if (health.getStatus() != HealthCheckResponse.ServingStatus.SERVING) {
        throw new PluginLaunchException(
            "the " + driver + " driver plugin reports " + health.getStatus() + ", not SERVING");
      }
    } catch (StatusRuntimeException e) {
      channel.shutdownNow();
      throw new PluginLaunchException(
          String.format(
              "the %s driver plugin's channel (%s %s) did not come up: %s; %s",
              driver, handshake.network(), handshake.address(), e.getStatus(), stderr.describe()),
          e);
    } catch (PluginLaunchException e) {
      channel.shutdownNow();
      throw e;
    }
    return channel;
  }
}
