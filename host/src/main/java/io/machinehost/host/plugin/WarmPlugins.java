package io.machinehost.host.plugin;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import io.machinehost.sdk.rpc.Handshake;
import io.machinehost.sdk.rpc.PluginChannels;
import io.machinehost.sdk.rpc.PluginEnv;
import io.machinehost.sdk.rpc.PluginTls;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Warm plugin reuse (go-plugin's reattach, made safe): a plugin that announces the capability stays
 * running for an idle period after its command, and the next command of the same store attaches to
 * it instead of starting another JVM. The record that makes this possible lives in {@code
 * <store>/run/<driver>.json} (0600, in a 0700 directory owned by the user) and is trusted only if
 * the process it names is alive with the recorded start time and runs the very executable found now
 * (path, size and modification time). A lock file serialises commands starting the same driver, so
 * they share one warm plugin. Plugins that do not announce the capability run as before, on the
 * stdin lifeline.
 */
public final class WarmPlugins {
  /** Turns reuse off when {@code 0}, {@code false}, {@code no} or {@code off}. */
  public static final String REUSE_ENV = ReuseSettings.REUSE_ENV;

  /** How long, in seconds, a warm plugin waits for the next command (default 30). */
  public static final String IDLE_ENV = ReuseSettings.IDLE_ENV;

  /** The default idle period. */
  public static final Duration DEFAULT_IDLE = ReuseSettings.DEFAULT_IDLE;

  private static final Duration HOLD_TIMEOUT = Duration.ofSeconds(3);
  private static final Map<Path, ReentrantLock> LOCAL_LOCKS = new ConcurrentHashMap<>();
  private static final Map<String, ManagedChannel> KEPT = new ConcurrentHashMap<>();
  private static final int MAX_KEPT = 32;
  private static volatile boolean keepChannels;
  private static final Set<StandardOpenOption> LOCK_OPTIONS =
      Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE);

  private final PluginLauncher launcher;
  private final Path store;
  private final Duration idle;
  private final PrintWriter debug;
  private final String refusal;

  /**
   * Creates the reuse of one store's plugins.
   *
   * @param launcher starts plugins that are not running yet
   * @param store the store root (absolute)
   * @param idle how long a warm plugin waits for the next command
   * @param debug where decisions are traced, or {@code null}
   */
  public WarmPlugins(PluginLauncher launcher, Path store, Duration idle, PrintWriter debug) {
    this.launcher = launcher;
    this.store = store.toAbsolutePath().normalize();
    this.idle = idle;
    this.debug = debug;
    this.refusal = null;
  }

  private WarmPlugins(PluginLauncher launcher, Path store, String refusal) {
    this.launcher = launcher;
    this.store = store.toAbsolutePath().normalize();
    this.idle = DEFAULT_IDLE;
    this.debug = null;
    this.refusal = refusal;
  }

  /** A reuse that refuses every launch with a message: the environment asked for bad settings. */
  public static WarmPlugins refusing(PluginLauncher launcher, Path store, String message) {
    return new WarmPlugins(launcher, store, message);
  }

  /**
   * Returns the reuse the environment asks for: on unless {@value #REUSE_ENV} turns it off.
   *
   * @throws IllegalArgumentException if {@value #IDLE_ENV} is not a positive number of seconds
   */
  public static Optional<Duration> idleFromEnv(Map<String, String> env) {
    return ReuseSettings.idleFromEnv(env);
  }

  /** Returns the record file of a driver. */
  public Path recordFile(String driver) {
    return store.resolve("run").resolve(driver + ".json");
  }

  /**
   * Returns the driver's warm plugin, attaching to a running one or starting one.
   *
   * @throws PluginLaunchException if a new plugin does not come up
   */
  public PluginProcess obtain(String driver, Path executable) throws PluginLaunchException {
    if (refusal != null) {
      throw new PluginLaunchException(refusal);
    }
    Path run = store.resolve("run");
    try {
      privateDir(run);
    } catch (IOException e) {
      trace("no plugin reuse: %s", e.getMessage());
      return launcher.launch(driver, executable);
    }
    Path lockFile = run.resolve(driver + ".lock");
    ReentrantLock local = LOCAL_LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
    local.lock();
    try (FileChannel channel =
        FileChannel.open(
            lockFile,
            LOCK_OPTIONS,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
      FileLock lock = lock(channel);
      if (lock == null) {
        trace("no plugin reuse: %s is held by another command for too long", lockFile);
        return launcher.launch(driver, executable);
      }
      try {
        Optional<PluginProcess> warm = reattach(driver, executable);
        if (warm.isPresent()) {
          return warm.get();
        }
        return start(driver, executable);
      } finally {
        lock.release();
      }
    } catch (IOException e) {
      trace("no plugin reuse: cannot lock %s: %s", lockFile, e.getMessage());
      return launcher.launch(driver, executable);
    } finally {
      local.unlock();
    }
  }

  /** Waits for the lock a bounded time: a command stuck in a launch must not hang the others. */
  private FileLock lock(FileChannel channel) throws IOException {
    long deadline =
        System.nanoTime() + launcher.options().handshakeTimeout().plusSeconds(5).toNanos();
    while (true) {
      FileLock lock = channel.tryLock();
      if (lock != null) {
        return lock;
      }
      if (System.nanoTime() > deadline) {
        return null;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
  }

  private Optional<PluginProcess> reattach(String driver, Path executable) {
    Path file = recordFile(driver);
    Optional<ReattachRecord> read;
    try {
      read = ReattachRecord.read(file);
    } catch (IOException e) {
      trace("ignoring the reattach record: %s", e.getMessage());
      return Optional.empty();
    }
    if (read.isEmpty()) {
      return Optional.empty();
    }
    ReattachRecord record = read.get();
    if (record.process().isEmpty()) {
      removeSocketOfGone(record);
    }
    if (!record.driver().equals(driver) || !record.sameExecutable(executable)) {
      trace(
          "not reusing plugin pid %d: %s was replaced since it started", record.pid(), executable);
      return Optional.empty();
    }
    if (!record.environment().equals(environment())) {
      trace("not reusing plugin pid %d: it was started with another environment", record.pid());
      return Optional.empty();
    }
    Optional<ProcessHandle> process = record.process();
    if (process.isEmpty()) {
      trace("not reusing plugin pid %d: that process is gone or is another one now", record.pid());
      return Optional.empty();
    }
    Handshake handshake;
    PluginTls.Identity identity;
    try {
      handshake = Handshake.parse(record.handshake());
      identity = PluginTls.fromPem(record.clientCertificate(), record.clientKey());
      if (handshake.network().equals("unix")) {
        ReattachRecord.checkPrivate(Path.of(handshake.address()).getParent(), true);
      }
    } catch (java.nio.file.NoSuchFileException e) {
      trace("not reusing plugin pid %d: its socket is gone (it is exiting)", record.pid());
      return Optional.empty();
    } catch (IOException | IllegalArgumentException e) {
      trace("not reusing plugin pid %d: %s", record.pid(), e.getMessage());
      return Optional.empty();
    }
    String key = record.handshake() + "\n" + record.clientCertificate();
    ManagedChannel channel = keepChannels ? KEPT.remove(key) : null;
    Context.CancellableContext held = null;
    if (channel != null) {
      held = holdCall(channel);
      if (held == null) {
        channel.shutdownNow();
      }
    }
    if (held == null) {
      try {
        channel = PluginChannels.open(handshake, identity);
      } catch (IllegalArgumentException e) {
        trace("not reusing plugin pid %d: %s", record.pid(), e.getMessage());
        return Optional.empty();
      }
      held = holdCall(channel);
    } else {
      trace("reusing the open channel to plugin %s (pid %d)", driver, record.pid());
    }
    if (held == null) {
      channel.shutdownNow();
      trace("not reusing plugin pid %d: it does not answer as a warm plugin", record.pid());
      return Optional.empty();
    }
    trace("reusing warm plugin %s (pid %d)", driver, record.pid());
    ManagedChannel open = channel;
    Context.CancellableContext hold = held;
    Runnable letGo =
        keepChannels
            ? () -> {
              hold.cancel(null); // the plugin's idle period may start; the connection stays
              keep(key, open, handshake);
            }
            : open::shutdownNow;
    return Optional.of(
        PluginProcess.attached(
            driver, executable, process.get(), handshake, identity, channel, letGo));
  }

  /**
   * Keeps a channel to a warm plugin for the next command of this process, dropping kept channels
   * whose plugin socket is gone (the plugin exited). At most one is kept per plugin.
   */
  private static void keep(String key, ManagedChannel channel, Handshake handshake) {
    KEPT.entrySet()
        .removeIf(
            e -> {
              Handshake h = Handshake.parse(e.getKey().substring(0, e.getKey().indexOf('\n')));
              boolean gone = h.network().equals("unix") && !Files.exists(Path.of(h.address()));
              if (gone || e.getValue().isShutdown()) {
                e.getValue().shutdownNow();
                return true;
              }
              return false;
            });
    boolean alive =
        !handshake.network().equals("unix") || Files.exists(Path.of(handshake.address()));
    if (!alive || KEPT.size() >= MAX_KEPT || KEPT.putIfAbsent(key, channel) != null) {
      channel.shutdownNow();
    }
  }

  /**
   * Keeps channels to warm plugins open between commands of this process (a long-lived command
   * server): the next command to the same plugin skips the TLS handshake. Each command still holds
   * the plugin with its own call, so the plugin's idle period runs as before.
   */
  public static void keepChannels() {
    keepChannels = true;
  }

  /** A warm plugin killed from outside leaves its socket directory: the record names it. */
  private static void removeSocketOfGone(ReattachRecord record) {
    try {
      PluginProcess.removeSocketDir(Handshake.parse(record.handshake()));
    } catch (IllegalArgumentException e) {
      // an unreadable handshake names no socket
    }
  }

  private PluginProcess start(String driver, Path executable) throws PluginLaunchException {
    Path file = recordFile(driver);
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // it is replaced below if the new plugin is reusable
    }
    Optional<ReattachRecord.Stamp> stamp = ReattachRecord.Stamp.of(executable);
    PluginProcess plugin =
        launcher.launch(
            driver,
            List.of(executable.toString()),
            Map.of(
                PluginEnv.REUSE_IDLE_MS, Long.toString(idle.toMillis()),
                PluginEnv.REUSE_STORE, store.toString(),
                PluginEnv.REUSE_EXECUTABLE, executable.toString()));
    if (stamp.isEmpty() || !hold(plugin.channel())) {
      return plugin; // a plugin without the capability: stdin lifeline, as always
    }
    ReattachRecord record =
        new ReattachRecord(
            driver,
            plugin.pid(),
            ReattachRecord.startMillis(plugin.handle()),
            executable.toString(),
            stamp.get().size(),
            stamp.get().millis(),
            plugin.handshake().format(),
            plugin.identity().certificatePem(),
            plugin.identity().privateKeyPem(),
            environment());
    try {
      record.write(file);
    } catch (IOException e) {
      trace("cannot write %s (%s); the plugin is not reused", file, e.getMessage());
      return plugin; // still exits on its own once idle
    }
    plugin.detach(() -> {});
    trace(
        "plugin %s (pid %d) stays warm for %d ms after use", driver, plugin.pid(), idle.toMillis());
    return plugin;
  }

  /**
   * Holds a warm plugin for the rest of the command with a {@code Health.Watch} on its reuse
   * service: a call in flight, so the plugin does not idle out under a command that is still
   * running; it ends when the channel closes, also if this host dies. Returns whether the plugin
   * answered SERVING, i.e. accepted reuse.
   */
  static boolean hold(ManagedChannel channel) {
    return holdCall(channel) != null;
  }

  /** {@link #hold}, returning the held call's context (cancel it to let go), or null. */
  private static Context.CancellableContext holdCall(ManagedChannel channel) {
    CompletableFuture<HealthCheckResponse.ServingStatus> first = new CompletableFuture<>();
    Context.CancellableContext context = Context.current().withCancellation();
    context.run(
        () ->
            HealthGrpc.newStub(channel)
                .watch(
                    HealthCheckRequest.newBuilder()
                        .setService(PluginEnv.REUSE_HEALTH_SERVICE)
                        .build(),
                    new StreamObserver<>() {
                      @Override
                      public void onNext(HealthCheckResponse response) {
                        first.complete(response.getStatus());
                      }

                      @Override
                      public void onError(Throwable t) {
                        first.completeExceptionally(t);
                      }

                      @Override
                      public void onCompleted() {
                        first.complete(HealthCheckResponse.ServingStatus.UNKNOWN);
                      }
                    }));
    HealthCheckResponse.ServingStatus status;
    try {
      status = first.get(HOLD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      status = HealthCheckResponse.ServingStatus.UNKNOWN;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      status = HealthCheckResponse.ServingStatus.UNKNOWN;
    }
    if (status != HealthCheckResponse.ServingStatus.SERVING) {
      context.cancel(null);
      return null;
    }
    return context;
  }

  /** The environment a plugin launched now gets: this process's, with the launcher's changes. */
  private String environment() {
    Map<String, String> env = new java.util.HashMap<>(launcher.options().startingEnv());
    launcher
        .options()
        .extraEnv()
        .forEach(
            (k, v) -> {
              if (v == null) {
                env.remove(k);
              } else {
                env.put(k, v);
              }
            });
    return ReattachRecord.environmentDigest(env);
  }

  private static void privateDir(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      try {
        io.machinehost.host.store.PrivateFiles.createDirectories(dir.getParent());
        Files.createDirectory(
            dir,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (java.nio.file.FileAlreadyExistsException e) {
        // another command made it
      }
    }
    ReattachRecord.checkPrivate(dir, true);
  }

  private void trace(String format, Object... args) {
    if (debug != null) {
      debug.printf("debug: " + format + "%n", args);
      debug.flush();
    }
  }
}
