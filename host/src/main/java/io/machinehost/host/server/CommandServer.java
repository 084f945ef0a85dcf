package io.machinehost.host.server;

import io.machinehost.host.CliEnvironment;
import io.machinehost.host.CommandLineShape;
import io.machinehost.host.ExitCodes;
import io.machinehost.host.MachineCli;
import io.machinehost.host.command.Interrupts;
import io.machinehost.host.plugin.PluginLauncher;
import io.machinehost.host.plugin.PluginLocator;
import io.machinehost.host.plugin.PluginProcess;
import io.machinehost.host.plugin.ReuseSettings;
import io.machinehost.host.plugin.WarmPlugins;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The warm command server: a {@code machine} process that stays up for an idle period and answers
 * the read-only commands of later {@code machine} runs of the same executable and user (see {@link
 * FrontEnd}), so they skip the CLI's start-up. Each command runs in the environment, home and
 * terminal state its front end sends; plugins it launches get that environment too.
 *
 * <p>It keeps the warm plugins' guarantees: it exits after {@code MACHINEHOST_PLUGIN_IDLE} seconds
 * (default 600) without a command, as soon as every store it has served is gone, when its
 * executable is replaced, or when its socket is removed; it answers only its own user (the socket's
 * directory is private and the peer's credentials are checked); {@code MACHINEHOST_PLUGIN_REUSE=0}
 * keeps front ends from using or starting it. One server runs per executable: a lock file next to
 * the socket is held for its life.
 */
final class CommandServer {
  private static final Duration TICK = Duration.ofMillis(250);
  private static final Duration TRIM_AFTER = Duration.ofSeconds(2);

  /** {@code 0} turns the server's warm-up off. */
  static final String WARM_UP_ENV = "MACHINEHOST_SERVER_WARM_UP";

  private static final int WARM_UP_ROUNDS = 20;

  /** The store of the command that started the server (set by the front end). */
  static final String CALLER_STORE_ENV = "MACHINEHOST_SERVER_CALLER_STORE";

  /** That command's own {@code MACHINEHOST_JAVA_OPTS}, when it had any. */
  static final String CALLER_JAVA_OPTS_ENV = "MACHINEHOST_SERVER_CALLER_JAVA_OPTS";

  private final Path launcher;
  private final String identity;
  private final Path socket;
  private final Duration idle;
  private final String user = System.getProperty("user.name");
  private final Set<Path> stores = ConcurrentHashMap.newKeySet();
  private final AtomicInteger active = new AtomicInteger();
  private final AtomicLong lastUsed = new AtomicLong(System.nanoTime());
  private Object socketKey;
  private volatile Path warmUpStore;
  private volatile boolean stopWarmUp;
  private volatile long lastWork = System.nanoTime();
  private long trimmedFor = -1;

  private CommandServer(Path launcher, String identity, Path socket, Duration idle) {
    this.launcher = launcher;
    this.identity = identity;
    this.socket = socket;
    this.idle = idle;
  }

  /** Serves until idle; exits the JVM. */
  static void main() {
    Map<String, String> env = System.getenv();
    String launcherPath = System.getProperty("machinehost.launcher");
    int code = 0;
    try {
      if (launcherPath == null) {
        throw new IOException("not started through the machine executable");
      }
      Duration idle = ReuseSettings.idleFromEnv(env).orElse(null);
      Path launcher = Path.of(launcherPath).toAbsolutePath();
      String identity = Wire.identity(launcher);
      Path dir = Wire.socketDir(env);
      if (idle != null && Wire.privateToMe(dir)) {
        io.machinehost.host.plugin.WarmPlugins.keepChannels();
        Path socket = Wire.socket(dir, identity);
        new CommandServer(launcher, identity, socket, idle).run();
      }
    } catch (IOException | RuntimeException e) {
      code = 1; // nobody reads this process's output; the front ends run commands themselves
    }
    System.exit(code);
  }

  private void run() throws IOException {
    Path lockFile = socket.resolveSibling(socket.getFileName() + ".lock");
    try (FileChannel lockChannel =
            FileChannel.open(
                lockFile,
                Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")));
        FileLock lock = lockChannel.tryLock()) {
      if (lock == null) {
        return; // another server of this executable is up
      }
      Files.deleteIfExists(socket);
      try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
        server.bind(UnixDomainSocketAddress.of(socket));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        socketKey = key(socket);
        Thread acceptor = new Thread(() -> accept(server), "machinehost-command-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        if (!"0".equals(System.getenv(WARM_UP_ENV))) {
          Thread warmUp = new Thread(this::warmUp, "machinehost-command-warm-up");
          warmUp.setDaemon(true);
          warmUp.start();
          // A warm-up still running when the server ends (idle, SIGTERM) is stopped between two
          // commands, then its store goes, and so its plugin.
          Runtime.getRuntime()
              .addShutdownHook(
                  new Thread(
                      () -> {
                        stopWarmUp = true;
                        try {
                          warmUp.join(3000);
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                        Path scratch = warmUpStore;
                        if (scratch != null) {
                          deleteTree(scratch);
                        }
                      },
                      "machinehost-command-warm-up-cleanup"));
        }
        watch();
      } finally {
        if (socketKey != null && socketKey.equals(key(socket))) {
          Files.deleteIfExists(socket);
        }
      }
    }
  }

  /**
   * Runs the served commands' own paths a few times on a private scratch store, right after the
   * server starts, so that their classes are loaded and their code compiled before a user's command
   * arrives: create, ls, status, ip, url, inspect and rm of a none machine (whose plugin exits once
   * the scratch store is removed, at the end). Commands that arrive meanwhile are served at once. A
   * store or driver that fails only ends the warm-up.
   */
  private void warmUp() {
    Interrupts.enterScope(); // its driver operations are nobody's Ctrl-C
    Path scratch = null;
    try {
      scratch =
          Files.createTempDirectory(
              "machinehost-warm-up-",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      warmUpStore = scratch;
      Map<String, String> env = new java.util.HashMap<>(System.getenv());
      env.put("MACHINE_STORAGE_PATH", scratch.toString());
      // Its plugin leaves soon even if the server is killed before it removes the store, and never
      // later than the server's own idle period asks of every process it starts.
      env.put(ReuseSettings.IDLE_ENV, Long.toString(Math.min(20, Math.max(1, idle.toSeconds()))));
      env.remove(ReuseSettings.JAVA_OPTS_ENV); // the server's own, not a plugin's
      Path home = Path.of(System.getProperty("user.home"));
      String[][] once = {{"create", "-d", "none", "--url", "tcp://127.0.0.1:2376", "warm"}};
      String[][] repeated = {
        {"ls"},
        {"status", "warm"},
        {"ip", "warm"},
        {"url", "warm"},
        {"inspect", "warm"},
        {"version"}
      };
      run(env, home, once[0]);
      for (int round = 0;
          round < WARM_UP_ROUNDS && !Thread.currentThread().isInterrupted();
          round++) {
        for (String[] args : repeated) {
          run(env, home, args);
        }
      }
      run(env, home, new String[] {"rm", "-y", "warm"});
      attachAhead();
    } catch (IOException | RuntimeException e) {
      // only a speed-up
    } finally {
      if (scratch != null) {
        deleteTree(scratch);
      }
      warmUpStore = null;
      lastWork = System.nanoTime();
    }
  }

  /**
   * Connects to the plugins that the command which started the server left warm in its store, as
   * that command's next one would, and keeps those channels: the first command served then finds
   * its plugin connected and held instead of making a new TLS connection.
   */
  private void attachAhead() {
    Map<String, String> env = callerEnv(System.getenv());
    String storeName = env.get(CALLER_STORE_ENV);
    Duration pluginIdle = ReuseSettings.idleFromEnv(env).orElse(null);
    if (storeName == null || pluginIdle == null || stopWarmUp) {
      return;
    }
    env.remove(CALLER_STORE_ENV);
    Path store = Path.of(storeName);
    Path run = store.resolve("run");
    if (!Files.isDirectory(run)) {
      return;
    }
    WarmPlugins warm =
        new WarmPlugins(
            new PluginLauncher(PluginLauncher.Options.defaults().withBaseEnv(env)),
            store,
            pluginIdle,
            null);
    PluginLocator locator = PluginLocator.standard(env, store, launcher.getParent());
    try (var records = Files.newDirectoryStream(run, "*.json")) {
      for (Path record : records) {
        String file = record.getFileName().toString();
        String driver = file.substring(0, file.length() - ".json".length());
        locator
            .find(driver)
            .flatMap(executable -> warm.attachIfWarm(driver, executable))
            .ifPresent(PluginProcess::close); // lets go, keeping the channel and, a while, the hold
      }
    } catch (IOException e) {
      // only a speed-up
    }
  }

  /**
   * The environment of the command that started this server: the server's own, with that command's
   * {@code MACHINEHOST_JAVA_OPTS} back in place of the server's.
   */
  static Map<String, String> callerEnv(Map<String, String> serverEnv) {
    Map<String, String> env = new java.util.HashMap<>(serverEnv);
    String opts = env.remove(CALLER_JAVA_OPTS_ENV);
    if (opts == null) {
      env.remove(ReuseSettings.JAVA_OPTS_ENV);
    } else {
      env.put(ReuseSettings.JAVA_OPTS_ENV, opts);
    }
    return env;
  }

  private void run(Map<String, String> env, Path home, String[] args) {
    if (stopWarmUp) {
      throw new IllegalStateException("the server is ending");
    }
    PrintWriter none = new PrintWriter(Writer.nullWriter());
    CliEnvironment environment =
        new CliEnvironment(
            env,
            home,
            launcher.getParent(),
            InputStream.nullInputStream(),
            false,
            session ->
                CliEnvironment.pluginPool(
                    session,
                    env,
                    launcher.getParent(),
                    new PrintStream(OutputStream.nullOutputStream())));
    MachineCli.execute(environment, none, none, args);
  }

  private static void deleteTree(Path root) {
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // the temp directory is private; what is left is the system's to clean
    }
  }

  private void accept(ServerSocketChannel server) {
    int serial = 0;
    while (server.isOpen()) {
      SocketChannel client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return;
      }
      active.incrementAndGet();
      Thread worker =
          new Thread(
              () -> {
                try {
                  serve(client);
                } finally {
                  lastUsed.set(System.nanoTime());
                  lastWork = System.nanoTime();
                  active.decrementAndGet();
                }
              },
              "machinehost-command-" + ++serial);
      worker.setDaemon(true);
      worker.start();
    }
  }

  /** Returns when the server should end: idle, its stores gone, replaced or unlinked. */
  private void watch() {
    while (true) {
      try {
        Thread.sleep(TICK.toMillis());
      } catch (InterruptedException e) {
        return;
      }
      if (!Objects.equals(socketKey, key(socket)) || replaced()) {
        return; // no new command can reach it, or would be refused
      }
      if (active.get() > 0) {
        continue;
      }
      if (System.nanoTime() - lastUsed.get() > idle.toNanos()) {
        return;
      }
      long worked = lastWork;
      if (worked != trimmedFor && System.nanoTime() - worked > TRIM_AFTER.toNanos()) {
        trimmedFor = worked;
        System.gc(); // idle now: the heap a burst of commands grew goes back to the system
      }
      if (!stores.isEmpty() && stores.stream().noneMatch(Files::isDirectory)) {
        return;
      }
    }
  }

  private boolean replaced() {
    try {
      return !Wire.identity(launcher).equals(identity);
    } catch (IOException e) {
      return true;
    }
  }

  private static Object key(Path file) {
    try {
      return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
    } catch (IOException e) {
      return null;
    }
  }

  private void serve(SocketChannel channel) {
    try (channel) {
      UnixDomainPrincipal peer = channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
      if (!peer.user().getName().equals(user)) {
        return; // never serves another user
      }
      DataInputStream in = Wire.input(channel);
      DataOutputStream out = Wire.output(channel);
      out.writeByte(Wire.SERVER);
      out.writeLong(ProcessHandle.current().pid());
      out.flush();
      Wire.Request request = Wire.Request.read(in);
      String[] args = request.args().toArray(String[]::new);
      if (!request.identity().equals(identity)) {
        refuse(out, "it serves another build of machine");
        return;
      }
      if (!FrontEnd.served(args, request.env())) {
        refuse(out, "it does not serve this command");
        return;
      }
      String relative = relativePath(args, Path.of(request.workingDir()));
      if (relative != null) {
        refuse(out, "\"" + relative + "\" is a path relative to the command's directory");
        return;
      }
      stores.add(storagePath(args, request.env(), Path.of(request.home())));
      long started = System.nanoTime();
      synchronized (out) {
        out.writeByte(Wire.ACCEPTED);
        out.writeBoolean(FrontEnd.READS.contains(CommandLineShape.of(args).command()));
        out.flush();
      }
      AtomicBoolean finished = new AtomicBoolean();
      int code = execute(request, args, in, out, finished, started);
      if (finished.compareAndSet(false, true)) {
        exit(out, code, started);
      }
    } catch (IOException | RuntimeException e) {
      // the front end is gone or spoke nonsense; it runs the command itself if it can
    }
  }

  private static void exit(DataOutputStream out, int code, long started) throws IOException {
    synchronized (out) {
      out.writeByte(Wire.EXIT);
      out.writeInt(code);
      out.writeLong(System.nanoTime() - started);
      out.flush();
    }
  }

  /**
   * Returns an argument of create that names an existing file or directory relative to the
   * command's working directory (a driver's key file, say), or null. The server runs in another
   * directory, so such a command runs in its front end's process instead.
   */
  static String relativePath(String[] args, Path workingDir) {
    if (!"create".equals(CommandLineShape.of(args).command())) {
      return null;
    }
    for (String arg : args) {
      String value =
          arg.startsWith("-") && arg.indexOf('=') > 0 ? arg.substring(arg.indexOf('=') + 1) : arg;
      if (value.isEmpty() || value.startsWith("-") || value.indexOf('\0') >= 0) {
        continue;
      }
      try {
        Path path = Path.of(value);
        if (!path.isAbsolute() && Files.exists(workingDir.resolve(path))) {
          return value;
        }
      } catch (java.nio.file.InvalidPathException e) {
        // not a path
      }
    }
    return null;
  }

  private int execute(
      Wire.Request request,
      String[] args,
      InputStream in,
      DataOutputStream out,
      AtomicBoolean finished,
      long started) {
    Thread command = Thread.currentThread();
    Object scope = Interrupts.enterScope();
    PrintStream stderr =
        new PrintStream(new Frames(out, Wire.STDERR), true, StandardCharsets.UTF_8);
    // After its request the front end sends only Ctrl-C, as INTERRUPT bytes; its end of the socket
    // closing means it was interrupted too. The first cancels the command's driver operations, as
    // Ctrl-C does in a process of its own; with none running (or at a hang-up after that) the
    // command thread is interrupted and the front end told exit code 130 at once.
    Thread hangUp =
        new Thread(
            () -> {
              boolean cancelled = false;
              while (true) {
                int b;
                try {
                  b = in.read();
                } catch (IOException e) {
                  b = -1;
                }
                if (b == Wire.INTERRUPT && !cancelled && Interrupts.cancel(scope, stderr)) {
                  cancelled = true;
                  continue;
                }
                if (b == Wire.INTERRUPT || b < 0) {
                  if (finished.compareAndSet(false, true)) {
                    try {
                      exit(out, ExitCodes.INTERRUPTED, started);
                    } catch (IOException e) {
                      // the front end is gone
                    }
                  }
                  if (b < 0 && !cancelled) {
                    Interrupts.cancel(scope, stderr); // a front end killed mid-create
                  }
                  command.interrupt();
                  return;
                }
              }
            },
            command.getName() + "-hang-up");
    hangUp.setDaemon(true);
    hangUp.start();
    PrintWriter outWriter =
        new PrintWriter(
            new OutputStreamWriter(new Frames(out, Wire.STDOUT), StandardCharsets.UTF_8), true);
    PrintWriter errWriter = new PrintWriter(new OutputStreamWriter(stderr, StandardCharsets.UTF_8));
    Path launcherDir = launcher.getParent();
    Map<String, String> env = request.env();
    CliEnvironment environment =
        new CliEnvironment(
            env,
            Path.of(request.home()),
            launcherDir,
            InputStream.nullInputStream(),
            request.interactive(),
            session -> CliEnvironment.pluginPool(session, env, launcherDir, stderr));
    try {
      return MachineCli.execute(environment, outWriter, errWriter, args);
    } finally {
      outWriter.flush();
      errWriter.flush();
      Interrupts.leaveScope();
      Thread.interrupted(); // a hang-up after the command ended must not reach the next write
    }
  }

  private static void refuse(DataOutputStream out, String reason) throws IOException {
    out.writeByte(Wire.REFUSED);
    Wire.writeString(out, reason);
    out.flush();
  }

  /** The store a command line uses, as {@link MachineCli#storagePath()} resolves it. */
  static Path storagePath(String[] args, Map<String, String> env, Path home) {
    String given = CommandLineShape.of(args).storagePath();
    if (given != null) {
      return Path.of(given);
    }
    String fromEnv = env.get("MACHINE_STORAGE_PATH");
    return fromEnv != null && !fromEnv.isBlank() ? Path.of(fromEnv) : home.resolve(".machine");
  }

  /** An output stream that sends each write as one frame of a kind. */
  private static final class Frames extends OutputStream {
    private final DataOutputStream out;
    private final byte kind;

    Frames(DataOutputStream out, byte kind) {
      this.out = out;
      this.kind = kind;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return;
      }
      synchronized (out) {
        out.writeByte(kind);
        out.writeInt(len);
        out.write(b, off, len);
        out.flush();
      }
    }
  }
}
