package io.machinehost.sdk.rpc;

import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.machinehost.proto.driver.v1.CreateRequest;
import io.machinehost.proto.driver.v1.DriverNameRequest;
import io.machinehost.proto.driver.v1.DriverServiceGrpc;
import io.machinehost.proto.driver.v1.DriverServiceGrpc.DriverServiceBlockingStub;
import io.machinehost.proto.driver.v1.GetConfigRequest;
import io.machinehost.proto.driver.v1.GetCreateFlagsRequest;
import io.machinehost.proto.driver.v1.GetIpRequest;
import io.machinehost.proto.driver.v1.GetMachineNameRequest;
import io.machinehost.proto.driver.v1.GetPluginInfoRequest;
import io.machinehost.proto.driver.v1.GetPluginInfoResponse;
import io.machinehost.proto.driver.v1.GetSshHostnameRequest;
import io.machinehost.proto.driver.v1.GetSshKeyPathRequest;
import io.machinehost.proto.driver.v1.GetSshPortRequest;
import io.machinehost.proto.driver.v1.GetSshUsernameRequest;
import io.machinehost.proto.driver.v1.GetStateRequest;
import io.machinehost.proto.driver.v1.KillRequest;
import io.machinehost.proto.driver.v1.Machine;
import io.machinehost.proto.driver.v1.OperationEvent;
import io.machinehost.proto.driver.v1.PreCreateCheckRequest;
import io.machinehost.proto.driver.v1.RemoveRequest;
import io.machinehost.proto.driver.v1.RestartRequest;
import io.machinehost.proto.driver.v1.SetConfigFromFlagsRequest;
import io.machinehost.proto.driver.v1.StartRequest;
import io.machinehost.proto.driver.v1.State;
import io.machinehost.proto.driver.v1.StopRequest;
import io.machinehost.sdk.Capability;
import io.machinehost.sdk.CreateFlag;
import io.machinehost.sdk.Driver;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.DriverOptions;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.Operation;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A {@link Driver} for one machine, served by a plugin over gRPC (Docker Machine's {@code
 * RPCClientDriver}). The machine's config travels with every call; calls that change it update
 * {@link #getConfigRaw()}, which the caller persists. Many clients share one {@link Channel}.
 */
public final class GrpcDriverClient implements Driver {
  /** The trailer a driver's own error carries its details in; a deadline of ours has none. */
  private static final Metadata.Key<byte[]> STATUS_DETAILS =
      Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER);

  private final DriverServiceBlockingStub stub;
  private final String plugin;
  private final String machineName;
  private final String storePath;
  private final Duration callTimeout;
  private final UnaryOperator<DriverException> errors;
  private volatile String config;
  private volatile PluginInfo info;

  /**
   * Creates a client.
   *
   * @param channel the plugin's channel
   * @param plugin the plugin's name, for messages
   * @param machineName the machine, or empty for plugin-level calls only
   * @param storePath the store root
   * @param configJson the machine's persisted driver config, or empty
   * @param callTimeout the deadline of each short call; zero for none (long operations have none)
   */
  public GrpcDriverClient(
      Channel channel,
      String plugin,
      String machineName,
      String storePath,
      String configJson,
      Duration callTimeout) {
    this(
        channel, plugin, machineName, storePath, configJson, callTimeout, UnaryOperator.identity());
  }

  /**
   * Creates a client whose errors pass through a mapper (e.g. to say that the plugin exited).
   *
   * @param channel the plugin's channel
   * @param plugin the plugin's name, for messages
   * @param machineName the machine, or empty for plugin-level calls only
   * @param storePath the store root
   * @param configJson the machine's persisted driver config, or empty
   * @param callTimeout the deadline of each short call; zero for none
   * @param errors applied to every error before it is thrown
   */
  public GrpcDriverClient(
      Channel channel,
      String plugin,
      String machineName,
      String storePath,
      String configJson,
      Duration callTimeout,
      UnaryOperator<DriverException> errors) {
    this.errors = errors;
    this.stub = DriverServiceGrpc.newBlockingStub(channel);
    this.plugin = plugin;
    this.machineName = machineName;
    this.storePath = storePath;
    this.config = configJson == null ? "" : configJson;
    this.callTimeout = callTimeout;
  }

  private DriverServiceBlockingStub shortStub() {
    return callTimeout.isZero()
        ? stub
        : stub.withDeadlineAfter(callTimeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  private Machine machine() {
    return Machine.newBuilder()
        .setName(machineName)
        .setStorePath(storePath)
        .setConfigJson(config)
        .build();
  }

  private <T> T call(String rpc, Function<DriverServiceBlockingStub, T> call)
      throws DriverException {
    try {
      return call.apply(shortStub());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED && ownDeadline(e)) {
        throw errors.apply(notAnswered(rpc, e));
      }
      throw errors.apply(StatusMapping.fromThrowable(e, plugin));
    }
  }

  /**
   * Whether this client's deadline ran out, rather than the driver reporting a timeout of its own.
   */
  private boolean ownDeadline(StatusRuntimeException e) {
    Metadata trailers = e.getTrailers();
    return !callTimeout.isZero() && (trailers == null || !trailers.containsKey(STATUS_DETAILS));
  }

  private DriverException notAnswered(String rpc, StatusRuntimeException e) {
    return new DriverException(
        DriverException.Code.TIMEOUT,
        String.format(
            "the %s driver did not answer %s%s within %s; it may be hung: run the command again,"
                + " with --debug to see the driver's output, or give it longer with"
                + " MACHINEHOST_CALL_TIMEOUT=SECONDS",
            plugin,
            rpc,
            machineName.isEmpty() ? "" : " for machine \"" + machineName + "\"",
            seconds(callTimeout)),
        null,
        e);
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  /**
   * Returns what the plugin says about itself.
   *
   * @throws DriverException if the plugin cannot be asked
   */
  public PluginInfo pluginInfo() throws DriverException {
    PluginInfo cached = info;
    if (cached == null) {
      GetPluginInfoResponse r =
          call("GetPluginInfo", s -> s.getPluginInfo(GetPluginInfoRequest.getDefaultInstance()));
      Set<Capability> capabilities = EnumSet.noneOf(Capability.class);
      r.getCapabilitiesList().stream()
          .map(ProtoMapping::fromProto)
          .filter(c -> c != null)
          .forEach(capabilities::add);
      cached =
          new PluginInfo(
              r.getName(),
              r.getVersion(),
              r.getProtocolVersion(),
              capabilities,
              r.getDescription(),
              new LinkedHashSet<>(r.getSecretConfigKeysList()));
      info = cached;
    }
    return cached;
  }

  @Override
  public String driverName() throws DriverException {
    return call("DriverName", s -> s.driverName(DriverNameRequest.getDefaultInstance())).getName();
  }

  @Override
  public List<CreateFlag> getCreateFlags() throws DriverException {
    var flags =
        call("GetCreateFlags", s -> s.getCreateFlags(GetCreateFlagsRequest.getDefaultInstance()));
    try {
      return flags.getFlagsList().stream().map(ProtoMapping::fromProto).toList();
    } catch (IllegalArgumentException e) {
      throw DriverException.internal(
          "plugin \"%s\" sent a malformed flag: %s", plugin, e.getMessage());
    }
  }

  @Override
  public void setConfigFromFlags(DriverOptions options) throws DriverException {
    SetConfigFromFlagsRequest.Builder request =
        SetConfigFromFlagsRequest.newBuilder().setMachine(machine());
    for (String name : options.names()) {
      Object value = valueOf(options, name);
      request.putValues(name, ProtoMapping.toProto(value));
    }
    config = call("SetConfigFromFlags", s -> s.setConfigFromFlags(request.build())).getConfigJson();
  }

  private static Object valueOf(DriverOptions options, String name) {
    if (options instanceof io.machinehost.sdk.FlagValues values) {
      return values.asMap().get(name);
    }
    return options.getString(name);
  }

  @Override
  public void preCreateCheck() throws DriverException {
    call(
        "PreCreateCheck",
        s -> s.preCreateCheck(PreCreateCheckRequest.newBuilder().setMachine(machine()).build()));
  }

  @Override
  public void create(Operation operation) throws DriverException {
    operation(operation, s -> s.create(CreateRequest.newBuilder().setMachine(machine()).build()));
  }

  @Override
  public void remove(Operation operation) throws DriverException {
    operation(operation, s -> s.remove(RemoveRequest.newBuilder().setMachine(machine()).build()));
  }

  @Override
  public void start(Operation operation) throws DriverException {
    operation(operation, s -> s.start(StartRequest.newBuilder().setMachine(machine()).build()));
  }

  @Override
  public void stop(Operation operation) throws DriverException {
    operation(operation, s -> s.stop(StopRequest.newBuilder().setMachine(machine()).build()));
  }

  @Override
  public void kill(Operation operation) throws DriverException {
    operation(operation, s -> s.kill(KillRequest.newBuilder().setMachine(machine()).build()));
  }

  @Override
  public void restart(Operation operation) throws DriverException {
    operation(operation, s -> s.restart(RestartRequest.newBuilder().setMachine(machine()).build()));
  }

  private void operation(
      Operation operation, Function<DriverServiceBlockingStub, Iterator<OperationEvent>> call)
      throws DriverException {
    Context.CancellableContext context = Context.current().withCancellation();
    operation.onCancel(() -> context.cancel(null));
    Context previous = context.attach();
    try {
      Iterator<OperationEvent> events = call.apply(stub);
      boolean done = false;
      while (events.hasNext()) {
        OperationEvent event = events.next();
        if (event.hasProgress()) {
          var p = event.getProgress();
          if (p.hasFraction()) {
            operation.progress(p.getStep(), p.getMessage(), p.getFraction());
          } else {
            operation.progress(p.getStep(), p.getMessage());
          }
        } else if (event.hasResult()) {
          config = event.getResult().getConfigJson();
          done = true;
        }
      }
      if (!done) {
        throw errors.apply(
            DriverException.internal("plugin \"%s\" ended the operation without a result", plugin));
      }
    } catch (StatusRuntimeException e) {
      if (operation.isCancelled()) {
        throw DriverException.cancelled("operation on machine \"%s\" cancelled", machineName);
      }
      throw errors.apply(StatusMapping.fromThrowable(e, plugin));
    } finally {
      context.detach(previous);
      context.cancel(null);
    }
  }

  @Override
  public MachineState getState() throws DriverException {
    State state =
        call(
                "GetState",
                s -> s.getState(GetStateRequest.newBuilder().setMachine(machine()).build()))
            .getState();
    return ProtoMapping.fromProto(state);
  }

  @Override
  public String getIp() throws DriverException {
    return call("GetIp", s -> s.getIp(GetIpRequest.newBuilder().setMachine(machine()).build()))
        .getIp();
  }

  @Override
  public String getUrl() throws DriverException {
    return call(
            "GetUrl",
            s ->
                s.getUrl(
                    io.machinehost.proto.driver.v1.GetUrlRequest.newBuilder()
                        .setMachine(machine())
                        .build()))
        .getUrl();
  }

  @Override
  public String getMachineName() throws DriverException {
    return call(
            "GetMachineName",
            s -> s.getMachineName(GetMachineNameRequest.newBuilder().setMachine(machine()).build()))
        .getName();
  }

  @Override
  public String getSshHostname() throws DriverException {
    return call(
            "GetSshHostname",
            s -> s.getSshHostname(GetSshHostnameRequest.newBuilder().setMachine(machine()).build()))
        .getHostname();
  }

  @Override
  public int getSshPort() throws DriverException {
    return call(
            "GetSshPort",
            s -> s.getSshPort(GetSshPortRequest.newBuilder().setMachine(machine()).build()))
        .getPort();
  }

  @Override
  public String getSshUsername() throws DriverException {
    return call(
            "GetSshUsername",
            s -> s.getSshUsername(GetSshUsernameRequest.newBuilder().setMachine(machine()).build()))
        .getUsername();
  }

  @Override
  public String getSshKeyPath() throws DriverException {
    return call(
            "GetSshKeyPath",
            s -> s.getSshKeyPath(GetSshKeyPathRequest.newBuilder().setMachine(machine()).build()))
        .getPath();
  }

  /** Asks the plugin for the config as it would write it now, and keeps that. */
  public String refreshConfig() throws DriverException {
    config =
        call(
                "GetConfig",
                s -> s.getConfig(GetConfigRequest.newBuilder().setMachine(machine()).build()))
            .getConfigJson();
    return config;
  }

  /** Returns the machine's config as last returned by the plugin. */
  @Override
  public String getConfigRaw() {
    return config;
  }

  @Override
  public void setConfigRaw(String json) {
    config = json == null ? "" : json;
  }

  @Override
  public Set<Capability> capabilities() {
    try {
      return pluginInfo().capabilities();
    } catch (DriverException e) {
      return Set.of();
    }
  }

  @Override
  public String description() {
    try {
      return pluginInfo().description();
    } catch (DriverException e) {
      return "";
    }
  }

  @Override
  public Set<String> secretConfigKeys() {
    try {
      return pluginInfo().secretConfigKeys();
    } catch (DriverException e) {
      return Set.of();
    }
  }
}
