package io.machinehost.sdk.rpc;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import io.machinehost.proto.plugin.Empty;
import io.machinehost.proto.plugin.GRPCControllerGrpc;
import io.machinehost.sdk.DriverFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The plugin side of the protocol: cookie check, version negotiation, socket, mutual TLS, health,
 * handshake line, lifeline and shutdown. {@code PluginServer.serve} runs it.
 */
public final class PluginRuntime {
  /** How long a graceful Shutdown waits for running operations (cleanup after a cancel). */
  static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(30);

  /** How long the plugin may take to exit once stdin is closed. */
  static final Duration LIFELINE_GRACE = Duration.ofMillis(1500);

  private final Map<String, String> env;
  private final PrintStream stdout;
  private final PrintStream stderr;
  private final AtomicBoolean exiting = new AtomicBoolean();
  private final java.util.concurrent.CountDownLatch exited =
      new java.util.concurrent.CountDownLatch(1);
  private Server server;
  private DriverGrpcService service;
  private Path socketDir;
  private WarmPlugin warm;

  PluginRuntime(Map<String, String> env, PrintStream stdout, PrintStream stderr) {
    this.env = env;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /**
   * Runs the plugin until the host lets it go, then exits the JVM. Never returns.
   *
   * @param factory makes drivers
   * @param version the driver's version
   */
  public static void run(DriverFactory factory, String version) {
    PluginChannels.quietLibraries();
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    if (!PluginEnv.COOKIE_VALUE.equals(System.getenv(PluginEnv.COOKIE_KEY))) {
      stderr.println(
          "This is a machinehost driver plugin (protocol v1). It is not meant to be run directly:"
              + " it is launched by `machine`, e.g. `machine create -d <driver> NAME`.");
      stderr.flush();
      System.exit(1);
    }
    // From here on stdout carries the handshake line only: anything a driver prints goes to stderr.
    System.setOut(stderr);
    // Ctrl-C in a terminal reaches the whole process group; the host cancels operations itself
    // and must be able to wait for the driver's clean-up, so the plugin ignores SIGINT.
    ignoreSigint();
    PluginRuntime runtime = new PluginRuntime(System.getenv(), stdout, stderr);
    try {
      runtime.start(factory, version);
    } catch (IOException | RuntimeException e) {
      stderr.println("machinehost plugin: cannot start: " + e);
      stderr.flush();
      runtime.cleanUp();
      System.exit(1);
    }
    runtime.watchStdin(System.in);
  }

  /**
   * Ignores SIGINT through {@code sun.misc.Signal} (module jdk.unsupported), looked up reflectively
   * because javac warns on every direct use of it.
   */
  static void ignoreSigint() {
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handler = Class.forName("sun.misc.SignalHandler");
      Object ignore = handler.getField("SIG_IGN").get(null);
      Object sigint = signal.getConstructor(String.class).newInstance("INT");
      signal.getMethod("handle", signal, handler).invoke(null, sigint, ignore);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // not on this JVM: Ctrl-C may then end the plugin with the host, as it would without this
    }
  }

  /** Picks the highest version both sides speak, or the plugin's lowest when none is shared. */
  static int negotiate(String offered) {
    int chosen = -1;
    if (offered == null || offered.isBlank()) {
      return PluginEnv.SUPPORTED_VERSIONS.get(PluginEnv.SUPPORTED_VERSIONS.size() - 1);
    }
    for (String part : offered.split(",")) {
      try {
        int v = Integer.parseInt(part.strip());
        for (int supported : PluginEnv.SUPPORTED_VERSIONS) {
          if (supported == v && v > chosen) {
            chosen = v;
          }
        }
      } catch (NumberFormatException e) {
        // not a version: ignore it, as go-plugin does
      }
    }
    return chosen > 0 ? chosen : PluginEnv.SUPPORTED_VERSIONS.get(0);
  }

  void start(DriverFactory factory, String version) throws IOException {
    int app = negotiate(env.get(PluginEnv.PROTOCOL_VERSIONS));
    service = new DriverGrpcService(factory, version, app);
    ServerCredentials credentials = InsecureServerCredentials.create();
    PluginTls.Identity identity = null;
    String clientCert = env.get(PluginEnv.CLIENT_CERT);
    if (clientCert != null && !clientCert.isBlank()) {
      // Loading the TLS engine (a native library) and making a key pair each take a few hundred
      // milliseconds of a cold start; on two cores they overlap.
      Thread warmTls = new Thread(PluginTls::warmUp, "machinehost-tls-warm-up");
      warmTls.setDaemon(true);
      warmTls.start();
      identity = PluginTls.generate();
      credentials = PluginTls.serverCredentials(identity, PluginTls.fromPem(clientCert));
    }
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus("plugin", io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
    warm = WarmPlugin.fromEnv(env, this::exitWarm).orElse(null);
    if (warm != null) {
      // Announces that this process accepted warm reuse and will not exit on stdin EOF.
      health.setStatus(
          PluginEnv.REUSE_HEALTH_SERVICE,
          io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
    }
    ExecutorService executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "machinehost-driver-call");
              t.setDaemon(true);
              return t;
            });
    String network;
    String address;
    NettyServerBuilder builder;
    if ("tcp".equals(env.get(PluginEnv.TRANSPORT))) {
      builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), credentials);
      network = "tcp";
      address = null;
    } else {
      String parent =
          env.getOrDefault(PluginEnv.UNIX_SOCKET_DIR, System.getProperty("java.io.tmpdir"));
      socketDir =
          Files.createTempDirectory(
              Path.of(parent),
              "machine-plugin-",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Path socket = socketDir.resolve("plugin.sock");
      EventLoopGroup group =
          new MultiThreadIoEventLoopGroup(
              2, daemonThreads("machinehost-plugin-io"), EpollIoHandler.newFactory());
      builder =
          NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()), credentials)
              .channelType(EpollServerDomainSocketChannel.class)
              .bossEventLoopGroup(group)
              .workerEventLoopGroup(group);
      network = "unix";
      address = socket.toString();
    }
    if (warm != null) {
      builder.intercept(warm);
    }
    server =
        builder
            .executor(executor)
            .addService(service)
            .addService(health.getHealthService())
            .addService(new Controller())
            .build()
            .start();
    if (address == null) {
      address = "127.0.0.1:" + ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    }
    Handshake handshake =
        new Handshake(
            PluginEnv.CORE_VERSION,
            app,
            network,
            address,
            "grpc",
            identity == null
                ? java.util.Optional.empty()
                : java.util.Optional.of(identity.certificateBase64()));
    stdout.print(handshake.format() + "\n");
    stdout.flush();
    Runtime.getRuntime().addShutdownHook(new Thread(this::cleanUp, "machinehost-plugin-cleanup"));
    if (warm != null) {
      warm.start();
    }
  }

  /** A warm plugin's watchdog decided to exit: nothing is in flight unless the store is gone. */
  private void exitWarm(String why) {
    exit(why, LIFELINE_GRACE, true);
  }

  private static java.util.concurrent.ThreadFactory daemonThreads(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * Blocks until stdin reaches EOF (the host is gone or let go), then exits; a warm plugin stays
   * and leaves exiting to its watchdog.
   */
  void watchStdin(InputStream in) {
    byte[] buffer = new byte[256];
    try {
      while (in.read(buffer) >= 0) {
        // the host writes nothing; anything read is ignored
      }
    } catch (IOException e) {
      // a broken stdin means the host is gone, like EOF
    }
    if (warm == null) {
      exit("stdin closed", LIFELINE_GRACE, true);
      return;
    }
    if ("debug".equals(env.get(PluginEnv.LOG_LEVEL))) {
      stderr.println("machinehost plugin: stdin closed; staying warm");
    }
    warm.stdinClosed();
    try {
      exited.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops serving, gives running operations {@code grace} to finish, and exits. */
  void exit(String why, Duration grace, boolean cancelRunning) {
    if (!exiting.compareAndSet(false, true)) {
      return;
    }
    if ("debug".equals(env.get(PluginEnv.LOG_LEVEL))) {
      stderr.println("machinehost plugin: exiting: " + why);
    }
    Thread halt =
        new Thread(
            () -> {
              try {
                Thread.sleep(grace.toMillis() + 300);
              } catch (InterruptedException e) {
                return;
              }
              cleanUp();
              Runtime.getRuntime().halt(0);
            },
            "machinehost-plugin-halt");
    halt.setDaemon(true);
    halt.start();
    if (cancelRunning) {
      service.cancelAll();
    }
    server.shutdown();
    try {
      service.awaitIdle(grace);
      server.awaitTermination(100, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.shutdownNow();
    cleanUp();
    stderr.flush();
    Runtime.getRuntime().halt(0);
  }

  synchronized void cleanUp() {
    if (socketDir != null) {
      try {
        Files.deleteIfExists(socketDir.resolve("plugin.sock"));
        Files.deleteIfExists(socketDir);
      } catch (IOException e) {
        // best effort: the directory is private and in the temp dir
      }
      socketDir = null;
    }
  }

  /** go-plugin's controller: Shutdown answers, then the plugin exits. */
  private final class Controller extends GRPCControllerGrpc.GRPCControllerImplBase {
    @Override
    public void shutdown(Empty request, StreamObserver<Empty> observer) {
      observer.onNext(Empty.getDefaultInstance());
      observer.onCompleted();
      Thread t =
          new Thread(
              () -> exit("shutdown requested", SHUTDOWN_GRACE, false),
              "machinehost-plugin-shutdown");
      t.start();
    }
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
