package io.machinehost.host.driver;

import io.machinehost.sdk.Capability;
import io.machinehost.sdk.CreateFlag;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.DriverOptions;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.Operation;
import io.machinehost.sdk.rpc.GrpcDriverClient;
import io.machinehost.sdk.rpc.PluginInfo;
import java.util.List;
import java.util.Set;

/** A {@link MachineDriver} served by a plugin over the gRPC protocol (proto/). */
public final class GrpcMachineDriver implements MachineDriver {
  private final GrpcDriverClient client;

  /** Wraps a gRPC client for one machine. */
  public GrpcMachineDriver(GrpcDriverClient client) {
    this.client = client;
  }

  @Override
  public PluginInfo pluginInfo() throws DriverException {
    return client.pluginInfo();
  }

  @Override
  public String refreshConfig() throws DriverException {
    return client.refreshConfig();
  }

  @Override
  public String driverName() throws DriverException {
    return client.driverName();
  }

  @Override
  public List<CreateFlag> getCreateFlags() throws DriverException {
    return client.getCreateFlags();
  }

  @Override
  public void setConfigFromFlags(DriverOptions options) throws DriverException {
    client.setConfigFromFlags(options);
  }

  @Override
  public void preCreateCheck() throws DriverException {
    client.preCreateCheck();
  }

  @Override
  public void create(Operation operation) throws DriverException {
    client.create(operation);
  }

  @Override
  public void remove(Operation operation) throws DriverException {
    client.remove(operation);
  }

  @Override
  public void start(Operation operation) throws DriverException {
    client.start(operation);
  }

  @Override
  public void stop(Operation operation) throws DriverException {
    client.stop(operation);
  }

  @Override
  public void kill(Operation operation) throws DriverException {
    client.kill(operation);
  }

  @Override
  public void restart(Operation operation) throws DriverException {
    client.restart(operation);
  }

  @Override
  public MachineState getState() throws DriverException {
    return client.getState();
  }

  @Override
  public String getIp() throws DriverException {
    return client.getIp();
  }

  @Override
  public String getUrl() throws DriverException {
    return client.getUrl();
  }

  @Override
  public String getMachineName() throws DriverException {
    return client.getMachineName();
  }

  @Override
  public String getSshHostname() throws DriverException {
    return client.getSshHostname();
  }

  @Override
  public int getSshPort() throws DriverException {
    return client.getSshPort();
  }

  @Override
  public String getSshUsername() throws DriverException {
    return client.getSshUsername();
  }

  @Override
  public String getSshKeyPath() throws DriverException {
    return client.getSshKeyPath();
  }

  @Override
  public String getConfigRaw() {
    return client.getConfigRaw();
  }

  @Override
  public void setConfigRaw(String json) {
    client.setConfigRaw(json);
  }

  @Override
  public Set<Capability> capabilities() {
    return client.capabilities();
  }

  @Override
  public String description() {
    return client.description();
  }

  @Override
  public Set<String> secretConfigKeys() {
    return client.secretConfigKeys();
  }
}
