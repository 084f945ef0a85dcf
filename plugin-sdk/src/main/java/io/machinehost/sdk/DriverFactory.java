package io.machinehost.sdk;

/**
 * Makes a driver instance for one call about one machine, as Docker Machine's {@code
 * NewDriver(hostName, storePath)} does. The plugin makes a fresh instance per call, restores the
 * machine's persisted config into it, and saves the config back after the call, so driver instances
 * never need to be thread-safe.
 */
@FunctionalInterface
public interface DriverFactory {
  /**
   * Returns a new driver for a machine.
   *
   * @param machineName the machine's name; empty for calls not about a machine
   * @param storePath the absolute store root
   * @return a driver that has not been called yet; the SDK restores the machine's config into it
   */
  Driver newDriver(String machineName, String storePath);
}
