package io.machinehost.host.driver;

import io.machinehost.sdk.Driver;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.rpc.PluginInfo;

/**
 * What a command needs of one machine's driver, whatever transport serves it: the driver calls
 * (config, flags, state, addresses, the power operations with progress and cancellation) plus what
 * the driver says about itself. Commands depend on this alone; the driver pool decides which
 * implementation a driver gets from what the locator found.
 */
public interface MachineDriver extends Driver, AutoCloseable {
  /**
   * Returns what the driver says about itself (name, version, protocol, capabilities).
   *
   * @throws DriverException if it cannot be asked
   */
  PluginInfo pluginInfo() throws DriverException;

  /**
   * Asks the driver for the machine's config as it would write it now, keeps it and returns it.
   *
   * @throws DriverException if it cannot be asked
   */
  String refreshConfig() throws DriverException;

  /** Returns the machine's config as last known, without asking the driver. */
  @Override
  String getConfigRaw();

  /** Replaces the machine's config that later calls carry. */
  @Override
  void setConfigRaw(String json);

  /**
   * Releases what this driver holds for its machine alone (a legacy plugin serves one machine: its
   * process ends here). A driver shared by many machines holds nothing of its own.
   */
  @Override
  default void close() {}
}
