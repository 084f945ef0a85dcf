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

  /** How long, in seconds, a warm plugin waits for the next command (default 600). */
  public static final String IDLE_ENV = ReuseSettings.IDLE_ENV;

  /** The default idle period. */
  public static final Duration DEFAULT_IDLE = ReuseSettings.DEFAULT_IDLE;

  private static final Map<Path, ReentrantLock> LOCAL_LOCKS = new ConcurrentHashMap<>();
  private static final Map<String, Kept> KEPT = new ConcurrentHashMap<>();
  private static final int MAX_KEPT = 32;
  private static final Duration MAX_LINGER = Duration.ofSeconds(30);
  private static final java.util.concurrent.ScheduledExecutorService LINGER =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "machinehost-hold-linger");
            t.setDaemon(true);
            return t;
          });
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

  /**
   * Returns the driver's warm plugin if one is running, else a plain one for this command only: for
   * commands that only ask a driver about itself ({@code machine plugin ls}), which should leave
   * nothing behind in the store.
   *
   * @throws PluginLaunchException if a new plugin does not come up
   */
  public PluginProcess obtainWithoutStaying(String driver, Path executable)
      throws PluginLaunchException {
    if (refusal != null) {
      throw new PluginLaunchException(refusal);
    }
    Optional<PluginProcess> warm = attachIfWarm(driver, executable);
    return warm.isPresent() ? warm.get() : launcher.launch(driver, executable);
  }

  /**
   * Attaches to the driver's warm plugin if one is running, and does nothing else: for a command
   * server that connects ahead of the commands to come. Empty when none runs or it cannot be used.
   */
  public Optional<PluginProcess> attachIfWarm(String driver, Path executable) {
    Path lockFile = store.resolve("run").resolve(driver + ".lock");
    if (refusal != null
        || !Files.isRegularFile(recordFile(driver))
        || !Files.isRegularFile(lockFile)) {
      return Optional.empty();
    }
    ReentrantLock local = LOCAL_LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
    local.lock();
    try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
      FileLock lock = lock(channel);
      if (lock == null) {
        return Optional.empty();
      }
      try {
        return reattach(driver, executable);
      } finally {
        lock.release();
      }
    } catch (IOException e) {
      trace("no plugin reuse: cannot lock %s: %s", lockFile, e.getMessage());
      return Optional.empty();
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
    Kept kept = keepChannels ? KEPT.remove(key) : null;
    ManagedChannel channel = null;
    Hold hold = null;
    if (kept != null) {
      channel = kept.channel();
      hold = kept.takeHold();
      if (hold == null) {
        hold = holdCall(channel, holdTimeout());
      } else {
        trace("still holding plugin %s (pid %d) since the last command", driver, record.pid());
      }
      if (hold.context() == null) {
        channel.shutdownNow();
      }
    }
    if (hold == null || hold.context() == null) {
      try {
        channel = PluginChannels.open(handshake, identity);
      } catch (IllegalArgumentException e) {
        trace("not reusing plugin pid %d: %s", record.pid(), e.getMessage());
        return Optional.empty();
      }
      hold = holdCall(channel, holdTimeout());
    } else {
      trace("reusing the open channel to plugin %s (pid %d)", driver, record.pid());
    }
    Context.CancellableContext held = hold.context();
    if (held == null) {
      channel.shutdownNow();
      trace(
          "not reusing plugin pid %d: it does not answer as a warm plugin (%s)",
          record.pid(), hold.failure());
      return Optional.empty();
    }
    trace("reusing warm plugin %s (pid %d)", driver, record.pid());
    ManagedChannel open = channel;
    Hold standing = hold;
    Duration linger = holdLinger(idle);
    Runnable letGo =
        keepChannels
            ? () -> keep(key, new Kept(open, standing, linger), handshake)
            : open::shutdownNow;
    PluginProcess attached =
        PluginProcess.attached(
            driver, executable, process.get(), handshake, identity, channel, letGo);
    attached.settings(launcher.options());
    return Optional.of(attached);
  }

  /**
   * Keeps a channel to a warm plugin, with its hold, for the next command of this process, dropping
   * kept channels whose plugin socket is gone (the plugin exited). At most one is kept per plugin.
   */
  private static void keep(String key, Kept kept, Handshake handshake) {
    KEPT.entrySet()
        .removeIf(
            e -> {
              Handshake h = Handshake.parse(e.getKey().substring(0, e.getKey().indexOf('\n')));
              boolean gone = h.network().equals("unix") && !Files.exists(Path.of(h.address()));
              if (gone || e.getValue().channel().isShutdown()) {
                e.getValue().close();
                return true;
              }
              return false;
            });
    boolean alive =
        !handshake.network().equals("unix") || Files.exists(Path.of(handshake.address()));
    if (!alive || KEPT.size() >= MAX_KEPT || KEPT.putIfAbsent(key, kept) != null) {
      kept.close();
    }
  }

  /**
   * Keeps channels to warm plugins open between commands of this process (a long-lived command
   * server): the next command to the same plugin skips the TLS handshake, and within a short linger
   * after a command (see {@link #holdLinger}) also the call that holds the plugin.
   */
  public static void keepChannels() {
    keepChannels = true;
  }

  /**
   * How long a command server keeps holding a plugin after a command: a tenth of the plugin's idle
   * period, at most 30 s. Commands in a burst then share one hold; the plugin's own idle period
   * starts that much later than it would without the server.
   */
  static Duration holdLinger(Duration idle) {
    Duration tenth = idle.dividedBy(10);
    return tenth.compareTo(MAX_LINGER) > 0 ? MAX_LINGER : tenth;
  }

  /**
   * A channel kept between commands and, for a linger after the last one, the hold on its plugin;
   * the hold is let go when the linger ends, the channel stays.
   */
  private static final class Kept {
    private final ManagedChannel channel;
    private Hold hold;
    private final java.util.concurrent.ScheduledFuture<?> release;

    Kept(ManagedChannel channel, Hold hold, Duration linger) {
      this.channel = channel;
      this.hold = hold;
      this.release = LINGER.schedule(this::letGoOfHold, linger.toMillis(), TimeUnit.MILLISECONDS);
    }

    ManagedChannel channel() {
      return channel;
    }

    /** Returns the hold if it still stands (the plugin answers on it), or null; it is then ours. */
    synchronized Hold takeHold() {
      release.cancel(false);
      Hold taken = hold;
      hold = null;
      if (taken != null && !taken.standing()) {
        taken.context().cancel(null);
        return null;
      }
      return taken;
    }

    private synchronized void letGoOfHold() {
      if (hold != null) {
        hold.context().cancel(null); // the plugin's idle period may start; the connection stays
        hold = null;
      }
    }

    void close() {
      letGoOfHold();
      release.cancel(false);
      channel.shutdownNow();
    }
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
    // A JVM plugin built on the SDK idles with a small heap; the user's options still come last.
    String userOpts = launcher.options().startingEnv().get(ReuseSettings.JAVA_OPTS_ENV);
    PluginProcess plugin =
        launcher.launch(
            driver,
            List.of(executable.toString()),
            Map.of(
                PluginEnv.REUSE_IDLE_MS, Long.toString(idle.toMillis()),
                PluginEnv.REUSE_STORE, store.toString(),
                PluginEnv.REUSE_EXECUTABLE, executable.toString(),
                ReuseSettings.JAVA_OPTS_ENV,
                    userOpts == null || userOpts.isBlank()
                        ? ReuseSettings.LEAN_HEAP
                        : ReuseSettings.LEAN_HEAP + " " + userOpts));
    // A plain Check first: a plugin that did not accept reuse gets no Watch stream at all (one it
    // would have to end at Shutdown), only this one unary call.
    if (stamp.isEmpty()
        || !acceptedReuse(plugin.channel(), holdTimeout())
        || holdCall(plugin.channel(), holdTimeout()).context() == null) {
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

  /** Returns whether a plugin just started serves its reuse health service as SERVING. */
  static boolean acceptedReuse(ManagedChannel channel, Duration timeout) {
    try {
      return HealthGrpc.newBlockingStub(channel)
              .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .check(
                  HealthCheckRequest.newBuilder()
                      .setService(PluginEnv.REUSE_HEALTH_SERVICE)
                      .build())
              .getStatus()
          == HealthCheckResponse.ServingStatus.SERVING;
    } catch (io.grpc.StatusRuntimeException e) {
      return false; // NOT_FOUND (the health spec's answer for an unknown service), UNIMPLEMENTED …
    }
  }

  /**
   * How long a plugin has to answer the hold: as long as a new plugin has to come up. A plugin that
   * is alive and recorded is slow only because the machine is (a cold host's first TLS handshake
   * under load takes seconds), and launching a second one would be slower still; only a plugin that
   * refuses, or says nothing for that long, is replaced.
   */
  private Duration holdTimeout() {
    return launcher.options().handshakeTimeout();
  }

  /**
   * A hold: its context (cancel it to let go), or null and why not; {@code ended} is set when the
   * plugin ends the call or the connection breaks.
   */
  private record Hold(
      Context.CancellableContext context,
      String failure,
      java.util.concurrent.atomic.AtomicBoolean ended) {
    /** Whether the call still stands: the plugin is still held on it. */
    boolean standing() {
      return context != null && !context.isCancelled() && !ended.get();
    }
  }

  /**
   * Holds a warm plugin for the rest of the command with a {@code Health.Watch} on its reuse
   * service: a call in flight, so the plugin does not idle out under a command that is still
   * running; it ends when the channel closes, also if this host dies. Held only if the plugin
   * answers SERVING, i.e. accepts reuse, within the timeout.
   */
  private static Hold holdCall(ManagedChannel channel, Duration timeout) {
    CompletableFuture<HealthCheckResponse.ServingStatus> first = new CompletableFuture<>();
    java.util.concurrent.atomic.AtomicBoolean ended =
        new java.util.concurrent.atomic.AtomicBoolean();
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
                        if (response.getStatus() != HealthCheckResponse.ServingStatus.SERVING) {
                          ended.set(true); // it is leaving: not to be held again
                        }
                        first.complete(response.getStatus());
                      }

                      @Override
                      public void onError(Throwable t) {
                        ended.set(true);
                        first.completeExceptionally(t);
                      }

                      @Override
                      public void onCompleted() {
                        ended.set(true);
                        first.complete(HealthCheckResponse.ServingStatus.UNKNOWN);
                      }
                    }));
    String failure;
    try {
      HealthCheckResponse.ServingStatus status =
          first.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (status == HealthCheckResponse.ServingStatus.SERVING) {
        return new Hold(context, null, ended);
      }
      failure = "it answered " + status;
    } catch (ExecutionException e) {
      failure = String.valueOf(e.getCause().getMessage());
    } catch (TimeoutException e) {
      failure = "no answer within " + timeout.toMillis() + " ms";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure = "interrupted";
    }
    context.cancel(null);
    return new Hold(null, failure, ended);
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
