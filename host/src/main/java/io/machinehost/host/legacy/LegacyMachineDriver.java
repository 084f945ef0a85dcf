package io.machinehost.host.legacy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.machinehost.host.driver.MachineDriver;
import io.machinehost.host.legacy.gob.GobType;
import io.machinehost.host.legacy.gob.GobType.Basic;
import io.machinehost.sdk.Capability;
import io.machinehost.sdk.CreateFlag;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.DriverOptions;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.Operation;
import io.machinehost.sdk.rpc.PluginInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * A {@link MachineDriver} for one machine, served by its own legacy docker-machine plugin process
 * (the legacy protocol has no machine in its calls: a plugin holds one driver's config). The
 * machine's persisted config is the driver's own JSON ({@code GetConfigRaw}), so the record stays
 * valid for the legacy binary; it is sent with {@code SetConfigRaw} before the first call.
 */
public final class LegacyMachineDriver implements MachineDriver {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What legacy drivers can do: everything but cancelling a create (the protocol cannot). */
  private static final Set<Capability> CAPABILITIES =
      EnumSet.of(
          Capability.START,
          Capability.STOP,
          Capability.KILL,
          Capability.RESTART,
          Capability.SSH,
          Capability.PROVISION);

  /** docker-machine's state.State, by its int value (9: rancher-machine's NotFound). */
  private static final MachineState[] STATES = {
    MachineState.NONE,
    MachineState.RUNNING,
    MachineState.PAUSED,
    MachineState.SAVED,
    MachineState.STOPPED,
    MachineState.STOPPING,
    MachineState.STARTING,
    MachineState.ERROR,
    MachineState.TIMEOUT,
    MachineState.NOT_FOUND
  };

  private final LegacyPlugin plugin;
  private final String driver;
  private final String machineName;
  private final Duration callTimeout;
  private volatile String config;
  private volatile boolean configSent;

  /**
   * Creates a driver over a connected plugin, which it owns (closing this closes the plugin).
   *
   * @param plugin the plugin process, serving only this machine
   * @param driver the driver's name
   * @param machineName the machine, or {@code ""} for plugin-level calls
   * @param storePath the store root (the drivers' {@code StorePath})
   * @param configJson the machine's persisted driver config, or empty for a new machine
   * @param callTimeout the deadline of short calls; zero for none
   */
  public LegacyMachineDriver(
      LegacyPlugin plugin,
      String driver,
      String machineName,
      String storePath,
      String configJson,
      Duration callTimeout) {
    this.plugin = plugin;
    this.driver = driver;
    this.machineName = machineName;
    this.callTimeout = callTimeout;
    this.config =
        configJson == null || configJson.isBlank() || configJson.equals("{}")
            ? baseConfig(machineName.isEmpty() ? "flag-lookup" : machineName, storePath)
            : configJson;
  }

  // What libmachine sends a new machine's plugin: a BaseDriver with the name and store root.
  private static String baseConfig(String machineName, String storePath) {
    ObjectNode base = JSON.createObjectNode();
    base.put("MachineName", machineName);
    base.put("StorePath", storePath);
    return base.toString();
  }

  private void sendConfig() throws DriverException {
    if (!configSent) {
      rawCall(
          "SetConfigRaw", Basic.BYTES, config.getBytes(StandardCharsets.UTF_8), callTimeout, null);
      configSent = true;
    }
  }

  private Object call(String method) throws DriverException {
    sendConfig();
    return rawCall(method, LegacyTypes.EMPTY, Map.of(), callTimeout, null);
  }

  private Object rawCall(
      String method, GobType argType, Object arg, Duration timeout, Operation operation)
      throws DriverException {
    CompletableFuture<Object> call = plugin.start(method, argType, arg);
    if (operation != null) {
      operation.onCancel(() -> call.cancel(false));
    }
    try {
      return RpcClient.await(call, timeout);
    } catch (RpcException e) {
      throw error(method, e);
    } catch (TimeoutException e) {
      throw DriverException.timeout(
          "the %s driver did not answer %s for machine \"%s\" within %d s",
          driver, method, machineName, timeout.toSeconds());
    } catch (CancellationException e) {
      throw DriverException.cancelled(
          "%s of machine \"%s\" cancelled (a legacy driver cannot stop what it started; \"machine"
              + " rm\" removes it)",
          method.toLowerCase(Locale.ROOT), machineName);
    } catch (IOException e) {
      throw plugin.failure(method, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw DriverException.cancelled("interrupted while waiting for the %s driver", driver);
    }
  }

  // Legacy errors are plain strings; the message is kept as the driver wrote it.
  private DriverException error(String method, RpcException e) {
    String message = e.getMessage();
    if (e.noSuchMethod()) {
      return DriverException.notSupported("the %s driver has no %s (%s)", driver, method, message);
    }
    if (method.equals("SetConfigFromFlags") || method.equals("PreCreateCheck")) {
      return new DriverException(DriverException.Code.INVALID_ARGUMENT, message);
    }
    String lower = message.toLowerCase(Locale.ROOT);
    if (lower.contains("not found") || lower.contains("does not exist")) {
      return new DriverException(DriverException.Code.NOT_FOUND, message);
    }
    return new DriverException(DriverException.Code.FAILED_PRECONDITION, message);
  }

  private String string(String method) throws DriverException {
    Object reply = call(method);
    return reply == null ? "" : reply.toString();
  }

  // A long operation: no deadline; the plugin's stdout lines are its progress; then the config
  // as the driver now writes it.
  private void operation(String method, Operation operation) throws DriverException {
    sendConfig();
    String step = method.toLowerCase(Locale.ROOT);
    plugin.process().output(line -> operation.progress(step, line));
    try {
      rawCall(method, LegacyTypes.EMPTY, Map.of(), Duration.ZERO, operation);
      plugin.process().awaitQuietOutput();
    } finally {
      plugin.process().output(null);
    }
    refreshConfig();
  }

  @Override
  public PluginInfo pluginInfo() throws DriverException {
    return new PluginInfo(
        driverName(),
        "-",
        LegacyPlugin.API_VERSION,
        CAPABILITIES,
        "docker-machine plugin API "
            + LegacyPlugin.API_VERSION
            + " (service "
            + plugin.service()
            + "), unauthenticated net/rpc on loopback TCP",
        secretConfigKeys());
  }

  @Override
  public String refreshConfig() throws DriverException {
    Object raw = call("GetConfigRaw");
    if (raw instanceof byte[] bytes && bytes.length > 0) {
      config = new String(bytes, StandardCharsets.UTF_8);
    }
    return config;
  }

  @Override
  public String driverName() throws DriverException {
    return string("DriverName");
  }

  @Override
  public List<CreateFlag> getCreateFlags() throws DriverException {
    return LegacyFlags.toCreateFlags(driver, call("GetCreateFlags"));
  }

  @Override
  public void setConfigFromFlags(DriverOptions options) throws DriverException {
    sendConfig();
    rawCall(
        "SetConfigFromFlags", Basic.INTERFACE, LegacyFlags.toRpcFlags(options), callTimeout, null);
    refreshConfig();
  }

  @Override
  public void preCreateCheck() throws DriverException {
    call("PreCreateCheck");
  }

  @Override
  public void create(Operation operation) throws DriverException {
    operation("Create", operation);
  }

  @Override
  public void remove(Operation operation) throws DriverException {
    operation("Remove", operation);
  }

  @Override
  public void start(Operation operation) throws DriverException {
    operation("Start", operation);
  }

  @Override
  public void stop(Operation operation) throws DriverException {
    operation("Stop", operation);
  }

  @Override
  public void kill(Operation operation) throws DriverException {
    operation("Kill", operation);
  }

  @Override
  public void restart(Operation operation) throws DriverException {
    operation("Restart", operation);
  }

  @Override
  public MachineState getState() throws DriverException {
    Object reply = call("GetState");
    if (reply instanceof Long s && s >= 0 && s < STATES.length) {
      return STATES[s.intValue()];
    }
    throw DriverException.internal("the %s driver answered GetState with %s", driver, reply);
  }

  @Override
  public String getIp() throws DriverException {
    return string("GetIP");
  }

  /**
   * Returns the machine's IPv6 address, where the binary has rancher-machine's {@code GetIPv6}.
   *
   * @throws DriverException {@link DriverException.Code#NOT_SUPPORTED} for a docker-machine build
   */
  public String getIpv6() throws DriverException {
    return string("GetIPv6");
  }

  @Override
  public String getUrl() throws DriverException {
    return string("GetURL");
  }

  @Override
  public String getMachineName() throws DriverException {
    return string("GetMachineName");
  }

  @Override
  public String getSshHostname() throws DriverException {
    return string("GetSSHHostname");
  }

  @Override
  public int getSshPort() throws DriverException {
    Object reply = call("GetSSHPort");
    return reply instanceof Long port ? port.intValue() : 0;
  }

  @Override
  public String getSshUsername() throws DriverException {
    return string("GetSSHUsername");
  }

  @Override
  public String getSshKeyPath() throws DriverException {
    return string("GetSSHKeyPath");
  }

  @Override
  public String getConfigRaw() {
    return config;
  }

  @Override
  public void setConfigRaw(String json) {
    config = json == null || json.isBlank() ? config : json;
    configSent = false;
  }

  @Override
  public Set<Capability> capabilities() {
    return CAPABILITIES;
  }

  @Override
  public String description() {
    return "docker-machine driver (legacy plugin protocol)";
  }

  /** The top-level keys of the driver's config that look like credentials, kept from output. */
  @Override
  public Set<String> secretConfigKeys() {
    try {
      return DockerMachineImport.secretKeys(JSON.readTree(config));
    } catch (IOException e) {
      return Set.of(); // a config that is not JSON has no keys to hide
    }
  }

  /** Ends the plugin process (Close, then a kill after a grace). */
  @Override
  public void close() {
    plugin.close();
  }
}
