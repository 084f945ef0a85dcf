package io.machinehost.host.plugin;

import io.grpc.ForwardingServerCall;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import io.machinehost.proto.plugin.Empty;
import io.machinehost.proto.plugin.GRPCControllerGrpc;
import io.machinehost.sdk.BaseDriver;
import io.machinehost.sdk.CreateFlag;
import io.machinehost.sdk.DriverOptions;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.Operation;
import io.machinehost.sdk.PluginServer;
import io.machinehost.sdk.rpc.DriverGrpcService;
import io.machinehost.sdk.rpc.Handshake;
import io.machinehost.sdk.rpc.PluginEnv;
import io.machinehost.sdk.rpc.PluginTls;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

/**
 * Test plugins that break the protocol on purpose, one per mode, launched as {@code java -cp <test
 * classpath> MisbehavingPluginMain <mode>}.
 */
public final class MisbehavingPluginMain {
  private MisbehavingPluginMain() {}

  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : "";
    switch (mode) {
      case "hang" -> {
        System.err.println("warming up, forever");
        Thread.sleep(Long.MAX_VALUE);
      }
      case "garbage" -> {
        System.out.println("1|1|carrier-pigeon|coop 7|grpc");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
      }
      case "exit-early" -> {
        System.err.println("cannot find my config file /etc/nothing.conf");
        System.exit(2);
      }
      case "noise" -> {
        System.out.println("Starting the driver...");
        System.out.println("Loaded 3 regions");
        System.out.flush();
        PluginServer.serve(CrashingDriver::new);
      }
      case "version99" -> {
        System.out.println("1|99|tcp|127.0.0.1:1|grpc");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
      }
      case "crash-mid-call" -> PluginServer.serve(CrashingDriver::new);
      case "ignore-shutdown" -> serveIgnoringShutdown();
      case "strict-remove" -> PluginServer.serve(StrictRemoveDriver::new);
      case "reason-not-code" ->
          serve(
              true,
              ServerInterceptors.intercept(
                  new DriverGrpcService(MarkerDriver::new, "test", 1), new CodeScrambler()),
              plainHealth());
      case "plain-health" ->
          serve(
              true,
              new DriverGrpcService(MarkerDriver::new, "test", 1).bindService(),
              plainHealth());
      case "deaf-create" -> PluginServer.serve(DeafCreateDriver::new);
      default -> {
        System.err.println("unknown mode " + mode);
        System.exit(64);
      }
    }
  }

  /**
   * Serves the given services on loopback TCP with mutual TLS, printing the handshake; with {@code
   * lifeline}, also the controller and an exit on stdin EOF, as a plain (non-SDK) plugin does.
   */
  private static void serve(boolean lifeline, ServerServiceDefinition... services)
      throws Exception {
    PluginTls.Identity identity = PluginTls.generate();
    var builder =
        Grpc.newServerBuilderForPort(
            0,
            PluginTls.serverCredentials(
                identity, PluginTls.fromPem(System.getenv(PluginEnv.CLIENT_CERT))));
    for (ServerServiceDefinition service : services) {
      builder.addService(service);
    }
    if (lifeline) {
      builder.addService(
          new GRPCControllerGrpc.GRPCControllerImplBase() {
            @Override
            public void shutdown(Empty request, StreamObserver<Empty> observer) {
              observer.onNext(Empty.getDefaultInstance());
              observer.onCompleted();
              new Thread(() -> System.exit(0)).start();
            }
          });
    }
    Server server = builder.build().start();
    if (lifeline) {
      Thread stdin =
          new Thread(
              () -> {
                try {
                  while (System.in.read() >= 0) {
                    // the host holds stdin open while it needs the plugin
                  }
                } catch (java.io.IOException e) {
                  // EOF or error: the host is gone
                }
                System.exit(0);
              });
      stdin.setDaemon(true);
      stdin.start();
    }
    int port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    System.out.println(
        new Handshake(
                1, 1, "tcp", "127.0.0.1:" + port, "grpc", Optional.of(identity.certificateBase64()))
            .format());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }

  /**
   * The health service of a plugin without warm reuse ("plugin" SERVING, nothing else), telling on
   * stderr of every Watch opened to it.
   */
  private static ServerServiceDefinition plainHealth() {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus("plugin", io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
    return ServerInterceptors.intercept(
        health.getHealthService(),
        new ServerInterceptor() {
          @Override
          public <Q, A> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
            if (call.getMethodDescriptor().getBareMethodName().equals("Watch")) {
              System.err.println("health Watch opened");
              System.err.flush();
            }
            return next.startCall(call, headers);
          }
        });
  }

  /**
   * Sends every driver error with the gRPC code INTERNAL (in the status and in its details) while
   * the ErrorInfo keeps the driver's reason: a host must act on the reason.
   */
  static final class CodeScrambler implements ServerInterceptor {
    private static final Metadata.Key<com.google.rpc.Status> DETAILS =
        Metadata.Key.of(
            "grpc-status-details-bin",
            io.grpc.protobuf.ProtoUtils.metadataMarshaller(
                com.google.rpc.Status.getDefaultInstance()));

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
      return next.startCall(
          new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
              com.google.rpc.Status rich = trailers.get(DETAILS);
              if (status.isOk() || rich == null) {
                super.close(status, trailers);
                return;
              }
              trailers.discardAll(DETAILS);
              trailers.put(DETAILS, rich.toBuilder().setCode(Status.Code.INTERNAL.value()).build());
              super.close(Status.INTERNAL.withDescription(status.getDescription()), trailers);
            }
          },
          headers);
    }
  }

  /**
   * A driver whose machines are marker files in their machine directory: GetIp says the machine is
   * not running, Start and Stop that it is gone, GetUrl that a flag is bad.
   */
  static final class MarkerDriver extends BaseDriver {
    MarkerDriver(String name, String store) {
      super(name, store);
    }

    java.nio.file.Path marker() {
      return java.nio.file.Path.of(storePath, "machines", machineName, "marker");
    }

    @Override
    public String driverName() {
      return "marker";
    }

    @Override
    public java.util.Set<io.machinehost.sdk.Capability> capabilities() {
      return java.util.EnumSet.of(
          io.machinehost.sdk.Capability.START, io.machinehost.sdk.Capability.STOP);
    }

    @Override
    public List<CreateFlag> getCreateFlags() {
      return List.of();
    }

    @Override
    public void setConfigFromFlags(DriverOptions options) {}

    @Override
    public void create(Operation operation) throws io.machinehost.sdk.DriverException {
      try {
        java.nio.file.Files.createDirectories(marker().getParent());
        java.nio.file.Files.writeString(marker(), "made");
      } catch (java.io.IOException e) {
        throw io.machinehost.sdk.DriverException.internal("%s", e.getMessage());
      }
    }

    @Override
    public void remove(Operation operation) throws io.machinehost.sdk.DriverException {
      try {
        java.nio.file.Files.deleteIfExists(marker());
      } catch (java.io.IOException e) {
        throw io.machinehost.sdk.DriverException.internal("%s", e.getMessage());
      }
    }

    @Override
    public void start(Operation operation) throws io.machinehost.sdk.DriverException {
      throw io.machinehost.sdk.DriverException.notFound("instance i-0abc was deleted");
    }

    @Override
    public void stop(Operation operation) throws io.machinehost.sdk.DriverException {
      throw io.machinehost.sdk.DriverException.notFound("instance i-0abc was deleted");
    }

    @Override
    public void kill(Operation operation) throws io.machinehost.sdk.DriverException {
      throw io.machinehost.sdk.DriverException.notSupported("cannot kill");
    }

    @Override
    public void restart(Operation operation) throws io.machinehost.sdk.DriverException {
      throw io.machinehost.sdk.DriverException.notSupported("cannot restart");
    }

    @Override
    public MachineState getState() {
      return java.nio.file.Files.exists(marker()) ? MachineState.RUNNING : MachineState.NOT_FOUND;
    }

    @Override
    public String getIp() throws io.machinehost.sdk.DriverException {
      throw io.machinehost.sdk.DriverException.failedPrecondition("IP address is not set");
    }

    @Override
    public String getUrl() throws io.machinehost.sdk.DriverException {
      throw io.machinehost.sdk.DriverException.invalidArgument(
          "marker-zone", "zone \"mars\" is not a zone");
    }
  }

  /** A driver that declares CANCEL_CREATE but finishes every Create, cancelled or not. */
  static final class DeafCreateDriver extends BaseDriver {
    DeafCreateDriver(String name, String store) {
      super(name, store);
    }

    private MarkerDriver files() {
      return new MarkerDriver(machineName, storePath);
    }

    @Override
    public String driverName() {
      return "deaf";
    }

    @Override
    public java.util.Set<io.machinehost.sdk.Capability> capabilities() {
      return java.util.EnumSet.of(io.machinehost.sdk.Capability.CANCEL_CREATE);
    }

    @Override
    public List<CreateFlag> getCreateFlags() {
      return List.of();
    }

    @Override
    public void setConfigFromFlags(DriverOptions options) {}

    @Override
    public void create(Operation operation) throws io.machinehost.sdk.DriverException {
      try {
        Thread.sleep(1_500); // deaf to the cancel
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      files().create(operation);
    }

    @Override
    public void remove(Operation operation) throws io.machinehost.sdk.DriverException {
      files().remove(operation);
    }

    @Override
    public void start(Operation operation) {}

    @Override
    public void stop(Operation operation) {}

    @Override
    public void kill(Operation operation) {}

    @Override
    public void restart(Operation operation) {}

    @Override
    public MachineState getState() {
      return files().getState();
    }

    @Override
    public String getUrl() {
      return "";
    }
  }

  /** Serves the driver without the controller service and without watching stdin. */
  private static void serveIgnoringShutdown() throws Exception {
    PluginTls.Identity identity = PluginTls.generate();
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus("plugin", io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
    Server server =
        Grpc.newServerBuilderForPort(
                0,
                PluginTls.serverCredentials(
                    identity, PluginTls.fromPem(System.getenv(PluginEnv.CLIENT_CERT))))
            .addService(new DriverGrpcService(CrashingDriver::new, "test", 1))
            .addService(health.getHealthService())
            .build()
            .start();
    int port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    System.out.println(
        new Handshake(
                1, 1, "tcp", "127.0.0.1:" + port, "grpc", Optional.of(identity.certificateBase64()))
            .format());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }

  /** A driver with real state in its config whose Remove of a missing machine fails. */
  static final class StrictRemoveDriver extends BaseDriver {
    @com.fasterxml.jackson.annotation.JsonProperty("State")
    String state = "";

    StrictRemoveDriver(String name, String store) {
      super(name, store);
    }

    @Override
    public String driverName() {
      return "strict";
    }

    @Override
    public java.util.Set<io.machinehost.sdk.Capability> capabilities() {
      return java.util.EnumSet.of(
          io.machinehost.sdk.Capability.START, io.machinehost.sdk.Capability.STOP);
    }

    @Override
    public List<CreateFlag> getCreateFlags() {
      return List.of(CreateFlag.string("strict-zone").usage("zone").required().build());
    }

    @Override
    public void setConfigFromFlags(DriverOptions options) {}

    @Override
    public void create(Operation operation) {
      state = "Running";
    }

    @Override
    public void remove(Operation operation) throws io.machinehost.sdk.DriverException {
      if (!state.equals("Running") && !state.equals("Stopped")) {
        throw io.machinehost.sdk.DriverException.notFound("machine %s does not exist", machineName);
      }
      state = "NotFound";
    }

    @Override
    public void start(Operation operation) throws io.machinehost.sdk.DriverException {
      exists();
      state = "Running";
    }

    @Override
    public void stop(Operation operation) throws io.machinehost.sdk.DriverException {
      exists();
      state = "Stopped";
    }

    private void exists() throws io.machinehost.sdk.DriverException {
      if (!state.equals("Running") && !state.equals("Stopped")) {
        throw io.machinehost.sdk.DriverException.notFound("machine %s does not exist", machineName);
      }
    }

    @Override
    public void kill(Operation operation) throws io.machinehost.sdk.DriverException {
      throw io.machinehost.sdk.DriverException.notSupported("cannot kill");
    }

    @Override
    public void restart(Operation operation) throws io.machinehost.sdk.DriverException {
      throw io.machinehost.sdk.DriverException.notSupported("cannot restart");
    }

    @Override
    public MachineState getState() {
      return state.isEmpty() ? MachineState.NOT_FOUND : MachineState.fromDisplayName(state);
    }

    @Override
    public String getUrl() {
      return "";
    }
  }

  /** A driver that dies in the middle of GetState. */
  static final class CrashingDriver extends BaseDriver {
    CrashingDriver(String name, String store) {
      super(name, store);
    }

    @Override
    public String driverName() {
      return "crashy";
    }

    @Override
    public List<CreateFlag> getCreateFlags() {
      return List.of();
    }

    @Override
    public void setConfigFromFlags(DriverOptions options) {}

    @Override
    public void create(Operation operation) {}

    @Override
    public void remove(Operation operation) {}

    @Override
    public void start(Operation operation) {}

    @Override
    public void stop(Operation operation) {}

    @Override
    public void kill(Operation operation) {}

    @Override
    public void restart(Operation operation) {}

    @Override
    public MachineState getState() {
      System.err.println("panic: out of disk while reading state");
      System.err.flush();
      Runtime.getRuntime().halt(3);
      return MachineState.ERROR;
    }

    @Override
    public String getUrl() {
      return "";
    }
  }
}
