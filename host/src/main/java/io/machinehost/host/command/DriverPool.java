package io.machinehost.host.command;

import io.machinehost.host.driver.MachineDriver;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.rpc.PluginInfo;
import java.time.Duration;
import java.util.Optional;

/**
 * The drivers one {@code machine} command talks to: one plugin process per driver, started on first
 * use and shared by every machine of that driver (DESIGN §7).
 */
public interface DriverPool extends AutoCloseable {
  /**
   * Returns a client for plugin-level calls (info, flags).
   *
   * @throws CliException if the driver cannot be found or launched
   */
  MachineDriver plugin(String driver) throws CliException;

  /**
   * Returns a client for one machine of a driver.
   *
   * @param driver the driver's name
   * @param machine the machine's name
   * @param configJson the machine's persisted driver config, or empty for a new machine
   * @param callTimeout the deadline of short calls; zero for none
   * @throws CliException if the driver cannot be found or launched
   */
  MachineDriver machine(String driver, String machine, String configJson, Duration callTimeout)
      throws CliException;

  /**
   * Starts what a driver's machines will share, ahead of their calls (a plugin process serving many
   * machines); a driver whose plugins serve one machine each starts nothing here.
   *
   * @throws CliException if the driver cannot be found or launched
   */
  default void prepare(String driver) throws CliException {
    plugin(driver);
  }

  /**
   * Returns, when the plugin of a driver that this pool started has since exited, what it left: its
   * exit code and the last lines of its output, for a report printed once rather than per machine.
   */
  default Optional<String> exitReport(String driver) {
    return Optional.empty();
  }

  /**
   * Returns what a driver says about itself, leaving nothing behind (no warm plugin is started for
   * it, though a running one is used).
   *
   * @throws CliException if the driver cannot be found or launched
   * @throws DriverException if it cannot be asked
   */
  default PluginInfo info(String driver) throws CliException, DriverException {
    return plugin(driver).pluginInfo();
  }

  /** Ends every plugin this pool started. */
  @Override
  void close();
}
