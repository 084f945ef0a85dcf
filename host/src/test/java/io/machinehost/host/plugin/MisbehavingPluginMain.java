package io.machinehost.host.plugin;

import io.grpc.Grpc;
import io.grpc.Server;
import io.grpc.protobuf.services.HealthStatusManager;
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
      default -> {
        System.err.println("unknown mode " + mode);
        System.exit(64);
      }
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
