package io.machinehost.host.plugin;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.machinehost.host.driver.GrpcMachineDriver;
import io.machinehost.host.driver.MachineDriver;
import io.machinehost.proto.plugin.Empty;
import io.machinehost.proto.plugin.GRPCControllerGrpc;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.rpc.GrpcDriverClient;
import io.machinehost.sdk.rpc.Handshake;
import io.machinehost.sdk.rpc.PluginInfo;
import io.machinehost.sdk.rpc.PluginTls;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A running driver plugin and its channel. One process serves any number of machines: {@link
 * #driver} gives a {@code Driver} for each. {@link #close()} asks it to shut down and kills it if
 * it does not exit within the grace; a warm plugin (reused across commands, see {@link
 * WarmPlugins}) is only let go, and exits by itself after its idle period.
 */
public final class PluginProcess implements AutoCloseable {
  /** How long a plugin has after stdin EOF, by the protocol. */
  private static final Duration LIFELINE = Duration.ofMillis(2_500);

  private final String name;
  private final List<String> command;
  private final Process process;
  private final ProcessHandle handle;
  private final StderrTail stderr;
  private final Duration shutdownGrace;
  private final ProcessRegistry registry;
  private final List<String> noise = new ArrayList<>();
  private Handshake handshake;
  private ManagedChannel channel;
  private PluginTls.Identity identity;
  private volatile PluginInfo info;
  private boolean closed;
  private volatile boolean warm;
  private boolean reused;
  private Runnable release = () -> {};
  private Runnable letGoOfChannel;

  PluginProcess(
      String name,
      List<String> command,
      Process process,
      StderrTail stderr,
      Duration shutdownGrace,
      ProcessRegistry registry) {
    this.name = name;
    this.command = List.copyOf(command);
    this.process = process;
    this.handle = process.toHandle();
    this.stderr = stderr;
    this.shutdownGrace = shutdownGrace;
    this.registry = registry;
  }

  /** A warm plugin another command started, attached to over a new channel. */
  private PluginProcess(String name, Path executable, ProcessHandle handle) {
    this.name = name;
    this.command = List.of(executable.toString());
    this.process = null;
    this.handle = handle;
    this.stderr = null;
    this.shutdownGrace = Duration.ZERO;
    this.registry = null;
    this.warm = true;
    this.reused = true;
  }

  static PluginProcess attached(
      String name,
      Path executable,
      ProcessHandle handle,
      Handshake handshake,
      PluginTls.Identity identity,
      ManagedChannel channel,
      Runnable letGoOfChannel) {
    PluginProcess p = new PluginProcess(name, executable, handle);
    p.connected(handshake, channel, identity);
    p.letGoOfChannel = letGoOfChannel;
    return p;
  }

  void connected(Handshake handshake, ManagedChannel channel, PluginTls.Identity identity) {
    this.handshake = handshake;
    this.channel = channel;
    this.identity = identity;
  }

  /** The one-time identity the host presents on this plugin's channel. */
  PluginTls.Identity identity() {
    return identity;
  }

  /**
   * Marks this plugin warm: it outlives this command, so it leaves the host's reaper and exit hook,
   * and closing it only lets it go. {@code onRelease} runs when this command lets it go.
   */
  void detach(Runnable onRelease) {
    warm = true;
    release = onRelease;
    if (registry != null) {
      registry.unregister(handle);
    }
    PluginLauncher.forget(this);
  }

  /** Returns whether this plugin stays running after the command (warm reuse). */
  public boolean warm() {
    return warm;
  }

  /** Returns whether this command found the plugin already running (warm reuse). */
  public boolean reused() {
    return reused;
  }

  synchronized void noise(String line) {
    noise.add(line);
  }

  synchronized String noiseSummary() {
    return noise.isEmpty() ? "" : " (stdout had instead: \"" + String.join("\\n", noise) + "\")";
  }

  /** A killed plugin cannot remove its socket directory; the host knows it from the handshake. */
  private void removeSocketDir() {
    if (handshake != null && !handle.isAlive()) {
      removeSocketDir(handshake);
    }
  }

  /**
   * Removes the socket of a plugin that has exited, and the {@code machine-plugin-*} directory the
   * SDK made for it when nothing else is in it.
   */
  static void removeSocketDir(Handshake handshake) {
    if (!handshake.network().equals("unix")) {
      return;
    }
    Path socket = Path.of(handshake.address());
    Path dir = socket.getParent();
    try {
      java.nio.file.Files.deleteIfExists(socket);
      if (dir != null && dir.getFileName().toString().startsWith("machine-plugin-")) {
        java.nio.file.Files.deleteIfExists(dir);
      }
    } catch (IOException e) {
      // not ours to force: a non-empty or foreign directory stays
    }
  }

  /** Returns the driver's name. */
  public String name() {
    return name;
  }

  /** Returns the executable. */
  public Path executable() {
    return Path.of(command.get(0));
  }

  /** Returns the process id. */
  public long pid() {
    return handle.pid();
  }

  /** Returns the process handle. */
  public ProcessHandle handle() {
    return handle;
  }

  /** Returns the handshake the plugin sent. */
  public Handshake handshake() {
    return handshake;
  }

  /**
   * Returns the lines the plugin printed on stdout besides its handshake (a protocol violation).
   */
  public synchronized List<String> noise() {
    return List.copyOf(noise);
  }

  /** Returns the channel to the plugin. */
  public ManagedChannel channel() {
    return channel;
  }

  /** Returns whether the process is still running. */
  public boolean isAlive() {
    return handle.isAlive();
  }

  /** Returns the last lines the plugin wrote on stderr (none for a plugin attached to). */
  public String stderrTail() {
    return stderr == null ? "" : stderr.tail();
  }

  /**
   * Returns a driver for a machine, served by this process.
   *
   * @param machineName the machine ({@code ""} for plugin-level calls)
   * @param storePath the store root
   * @param configJson the machine's persisted driver config
   * @param callTimeout the deadline of short calls; zero for none
   */
  public GrpcDriverClient driver(
      String machineName, Path storePath, String configJson, Duration callTimeout) {
    return new GrpcDriverClient(
        channel, name, machineName, storePath.toString(), configJson, callTimeout, this::explain);
  }

  /**
   * Returns a driver for a machine, served by this process, as commands see drivers.
   *
   * @param machineName the machine ({@code ""} for plugin-level calls)
   * @param storePath the store root
   * @param configJson the machine's persisted driver config
   * @param callTimeout the deadline of short calls; zero for none
   */
  public MachineDriver machineDriver(
      String machineName, Path storePath, String configJson, Duration callTimeout) {
    return new GrpcMachineDriver(driver(machineName, storePath, configJson, callTimeout));
  }

  /**
   * Returns what the plugin says about itself (asked once).
   *
   * @throws DriverException if it cannot be asked
   */
  public PluginInfo info() throws DriverException {
    PluginInfo cached = info;
    if (cached == null) {
      cached = driver("", Path.of(""), "", Duration.ofSeconds(10)).pluginInfo();
      info = cached;
    }
    return cached;
  }

  /**
   * Returns, once the process has exited, its exit code and the last lines of its stderr; empty
   * while it runs.
   */
  public Optional<String> exitReport() {
    if (handle.isAlive()) {
      return Optional.empty();
    }
    if (process == null) {
      return Optional.of(String.format("the warm %s driver plugin (pid %d) exited", name, pid()));
    }
    stderr.drain();
    return Optional.of(
        String.format(
            "the %s driver plugin exited unexpectedly (exit code %d); %s",
            name, process.exitValue(), stderr.describe()));
  }

  /** Turns a transport failure into "the plugin exited" with its exit code and stderr. */
  private DriverException explain(DriverException e) {
    if (e.code() != DriverException.Code.UNAVAILABLE && e.code() != DriverException.Code.INTERNAL) {
      return e;
    }
    if (process == null) {
      try {
        handle.onExit().get(300, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException x) {
        return e;
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        return e;
      }
      return new DriverException(
          DriverException.Code.UNAVAILABLE,
          String.format(
              "the warm %s driver plugin (pid %d) exited unexpectedly; run the command again, or"
                  + " with MACHINEHOST_PLUGIN_REUSE=0 and --debug to see its output",
              name, handle.pid()),
          null,
          e);
    }
    try {
      if (!process.waitFor(300, TimeUnit.MILLISECONDS)) {
        return e;
      }
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      return e;
    }
    return new DriverException(
        DriverException.Code.UNAVAILABLE, exitReport().orElseThrow(), null, e);
  }

  /**
   * Asks the plugin to shut down, waits the grace, then kills it; a warm plugin is only let go.
   * Idempotent.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    if (warm) {
      letGo();
      return;
    }
    if (process.isAlive() && channel != null) {
      try {
        GRPCControllerGrpc.newBlockingStub(channel)
            .withDeadlineAfter(1, TimeUnit.SECONDS)
            .shutdown(Empty.getDefaultInstance());
      } catch (StatusRuntimeException e) {
        // it may be gone already; the stdin close and the kill below still apply
      }
    }
    try {
      // Shutdown lets running operations finish; stdin EOF then gives the plugin its last 2 s.
      if (!process.waitFor(shutdownGrace.toMillis(), TimeUnit.MILLISECONDS)) {
        closeStdin();
        if (!process.waitFor(LIFELINE.toMillis(), TimeUnit.MILLISECONDS)) {
          destroy();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      destroy();
    }
    closeStdin();
    release();
  }

  /** Ends this command's hold on a warm plugin: its channel closes, the process stays. */
  private void letGo() {
    if (letGoOfChannel != null) {
      letGoOfChannel.run();
    } else if (channel != null) {
      channel.shutdownNow();
    }
    if (process != null) {
      closeStdin();
    }
    release.run();
  }

  /** Kills the plugin at once (host exiting); a warm plugin is only let go. Idempotent. */
  void kill() {
    synchronized (this) {
      closed = true;
    }
    if (warm) {
      letGo();
      return;
    }
    closeStdin();
    if (process.isAlive()) {
      destroy();
    }
    release();
  }

  private void closeStdin() {
    try {
      process.getOutputStream().close();
    } catch (IOException e) {
      // already closed
    }
  }

  private void destroy() {
    process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void release() {
    if (channel != null) {
      channel.shutdownNow();
    }
    removeSocketDir();
    registry.unregister(process.toHandle());
    PluginLauncher.forget(this);
  }
}
