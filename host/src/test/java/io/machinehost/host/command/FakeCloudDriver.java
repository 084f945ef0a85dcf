package io.machinehost.host.command;

import io.machinehost.sdk.BaseDriver;
import io.machinehost.sdk.Capability;
import io.machinehost.sdk.CreateFlag;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.DriverOptions;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.Operation;
import io.machinehost.sdk.PluginServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A driver for CLI tests whose "cloud" is a directory: Create writes {@code
 * <store>/fake-cloud/<name>}, Remove deletes it, and the state lives in the config. Flags make it
 * fail, hang or take its time, so every error path of the CLI can be driven; run as a plugin by
 * {@link #main}.
 */
final class FakeCloudDriver extends BaseDriver {
  static final String NAME = "fake";

  private String state = "";

  // Persisted with the config (a secret: inspect must never show it).
  @SuppressWarnings("UnusedVariable")
  private String token = "";

  private boolean failCreate;
  private long createSeconds;

  FakeCloudDriver(String machineName, String storePath) {
    super(machineName, storePath);
  }

  public static void main(String[] args) throws Exception {
    PluginServer.serve(FakeCloudDriver::new);
  }

  @Override
  public String driverName() {
    return NAME;
  }

  /** Everything but provisioning: its machines have no SSH to provision through. */
  @Override
  public Set<Capability> capabilities() {
    Set<Capability> all = EnumSet.allOf(Capability.class);
    all.remove(Capability.PROVISION);
    return all;
  }

  @Override
  public Set<String> secretConfigKeys() {
    return Set.of("token");
  }

  @Override
  public List<CreateFlag> getCreateFlags() {
    return List.of(
        CreateFlag.string("fake-region")
            .usage("Where the machine lives")
            .choices("north", "south")
            .defaultValue("north")
            .build(),
        CreateFlag.integer("fake-size").usage("Disk size in GB").range(1, 100).build(),
        CreateFlag.string("fake-token")
            .usage("API token")
            .envVar("FAKE_TOKEN")
            .required()
            .secret()
            .build(),
        CreateFlag.bool("fake-fail-create").usage("Fail in Create after making something").build(),
        CreateFlag.integer("fake-create-seconds").usage("How long Create takes").build());
  }

  @Override
  public void setConfigFromFlags(DriverOptions options) throws DriverException {
    token = options.getString("fake-token");
    failCreate =
        options.names().contains("fake-fail-create") && options.getBool("fake-fail-create");
    createSeconds =
        options.names().contains("fake-create-seconds") ? options.getInt("fake-create-seconds") : 0;
    ipAddress = "192.0.2.10";
  }

  private Path resource() {
    return Path.of(storePath, "fake-cloud", machineName);
  }

  @Override
  public void create(Operation operation) throws DriverException {
    operation.progress("allocate", "Allocating the fake machine");
    try {
      Files.createDirectories(resource().getParent());
      Files.writeString(resource(), "made");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (long i = 0; i < createSeconds * 10; i++) {
      if (operation.isCancelled()) {
        remove(Operation.none());
        throw DriverException.cancelled("create of %s cancelled", machineName);
      }
      sleep(100);
    }
    if (failCreate) {
      remove(Operation.none());
      throw DriverException.unavailable("the fake cloud is out of machines");
    }
    operation.progress("boot", "Booting", 1.0);
    state = MachineState.RUNNING.name();
  }

  @Override
  public void remove(Operation operation) throws DriverException {
    try {
      Files.deleteIfExists(resource());
    } catch (IOException e) {
      throw DriverException.internal("cannot remove %s: %s", resource(), e.getMessage());
    }
    state = "";
  }

  @Override
  public void start(Operation operation) {
    state = MachineState.RUNNING.name();
  }

  @Override
  public void stop(Operation operation) {
    operation.progress("stop", "Stopping the fake machine");
    state = MachineState.STOPPED.name();
  }

  @Override
  public void kill(Operation operation) {
    state = MachineState.STOPPED.name();
  }

  @Override
  public void restart(Operation operation) {
    state = MachineState.RUNNING.name();
  }

  @Override
  public MachineState getState() {
    if (machineName.startsWith("hang")) {
      sleep(3_600_000);
    }
    if (machineName.startsWith("crash") && System.getProperty("fake.plugins") != null) {
      // Only as a plugin process: in process this would end the test's own JVM.
      System.err.printf("fake: crashing on purpose while asked about %s%n", machineName);
      System.err.flush();
      Runtime.getRuntime().halt(137);
    }
    if (!Files.exists(resource())) {
      return MachineState.NOT_FOUND;
    }
    return state.isEmpty() ? MachineState.NONE : MachineState.valueOf(state);
  }

  @Override
  public String getUrl() throws DriverException {
    if (!MachineState.RUNNING.name().equals(state)) {
      throw DriverException.failedPrecondition("machine %s is not running", machineName);
    }
    return "tcp://" + getIp() + ":2376";
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
