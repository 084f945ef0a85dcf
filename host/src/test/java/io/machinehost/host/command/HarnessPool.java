package io.machinehost.host.command;

import io.machinehost.driver.none.NoneDriver;
import io.machinehost.host.ExitCodes;
import io.machinehost.host.driver.GrpcMachineDriver;
import io.machinehost.host.driver.MachineDriver;
import io.machinehost.sdk.DriverFactory;
import io.machinehost.sdk.testing.DriverHarness;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Drivers served in process by {@link DriverHarness} (real gRPC service and client, no process):
 * {@code none} and {@code fake}. Counts the "launches" so tests see one per driver.
 */
final class HarnessPool implements DriverPool {
  private static final Map<String, DriverFactory> DRIVERS =
      Map.of("none", NoneDriver::new, FakeCloudDriver.NAME, FakeCloudDriver::new);

  private final Path storePath;
  private final Map<String, DriverHarness> started = new LinkedHashMap<>();
  private int launches;

  HarnessPool(Path storePath) {
    this.storePath = storePath;
  }

  private synchronized DriverHarness harness(String driver) throws CliException {
    DriverHarness harness = started.get(driver);
    if (harness == null) {
      DriverFactory factory = DRIVERS.get(driver);
      if (factory == null) {
        throw new CliException(
            ExitCodes.PLUGIN,
            "driver \"" + driver + "\" not found; run \"machine plugin ls\"",
            null);
      }
      harness = new DriverHarness(factory, storePath);
      started.put(driver, harness);
      launches++;
    }
    return harness;
  }

  synchronized int launches() {
    return launches;
  }

  @Override
  public MachineDriver plugin(String driver) throws CliException {
    return new GrpcMachineDriver(harness(driver).client("", "", Duration.ofSeconds(10)));
  }

  @Override
  public MachineDriver machine(
      String driver, String machine, String configJson, Duration callTimeout) throws CliException {
    return new GrpcMachineDriver(harness(driver).client(machine, configJson, callTimeout));
  }

  @Override
  public synchronized void close() {
    started.values().forEach(DriverHarness::close);
    started.clear();
  }
}
