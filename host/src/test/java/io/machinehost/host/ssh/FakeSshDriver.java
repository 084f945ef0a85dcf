package io.machinehost.host.ssh;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.machinehost.sdk.BaseDriver;
import io.machinehost.sdk.CreateFlag;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.DriverOptions;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.Operation;
import java.util.List;

/** A driver whose machine is wherever its config says, in the state its config says. */
public final class FakeSshDriver extends BaseDriver {
  @JsonProperty("State")
  String state = "RUNNING";

  public FakeSshDriver(String machineName, String storePath) {
    super(machineName, storePath);
  }

  /** Returns a config for a machine at {@code 127.0.0.1:port}. */
  static String config(String state, int port, String user, String key) {
    return String.format(
        "{\"State\":\"%s\",\"IPAddress\":\"127.0.0.1\",\"SSHPort\":%d,\"SSHUser\":\"%s\","
            + "\"SSHKeyPath\":\"%s\"}",
        state, port, user, key);
  }

  @Override
  public String driverName() {
    return "fakessh";
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
  public void start(Operation operation) throws DriverException {
    throw DriverException.notSupported("the fake cannot start");
  }

  @Override
  public void stop(Operation operation) throws DriverException {
    throw DriverException.notSupported("the fake cannot stop");
  }

  @Override
  public void kill(Operation operation) throws DriverException {
    throw DriverException.notSupported("the fake cannot kill");
  }

  @Override
  public void restart(Operation operation) throws DriverException {
    throw DriverException.notSupported("the fake cannot restart");
  }

  @Override
  public MachineState getState() {
    return MachineState.valueOf(state);
  }

  @Override
  public String getUrl() {
    return "";
  }
}
