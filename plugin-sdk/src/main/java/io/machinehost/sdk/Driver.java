package io.machinehost.sdk;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A machine driver: Docker Machine's {@code drivers.Driver} interface in plain Java. Every method
 * may throw {@link DriverException}, getters included, so failures always carry a code.
 *
 * <p>Most drivers extend {@link BaseDriver}, which supplies Docker Machine's defaults, and are
 * served with {@link PluginServer#serve(DriverFactory)}. The host implements this same interface
 * over gRPC, so host logic never knows whether a driver is local or remote.
 */
public interface Driver {

  /**
   * Returns the driver's name; its executable is {@code machine-driver-<name>}.
   *
   * @return the name, e.g. {@code none}
   * @throws DriverException if the name cannot be given
   */
  String driverName() throws DriverException;

  /**
   * Returns the flags {@code machine create -d <driver>} accepts.
   *
   * @return the flags, in the order help lists them
   * @throws DriverException if the flags cannot be given
   */
  List<CreateFlag> getCreateFlags() throws DriverException;

  /**
   * Configures a new machine from flag values the host has validated against {@link
   * #getCreateFlags()}.
   *
   * @param options the values: given, from their environment variables, or defaulted
   * @throws DriverException {@link DriverException.Code#INVALID_ARGUMENT} naming the flag at fault
   */
  void setConfigFromFlags(DriverOptions options) throws DriverException;

  /**
   * Checks, before anything is made, that creation can succeed (credentials, quota, images).
   *
   * @throws DriverException why creation would fail
   */
  void preCreateCheck() throws DriverException;

  /**
   * Creates the instance and makes sure SSH is available. On cancellation, removes what it made.
   *
   * @param operation reports progress, and tells of cancellation
   * @throws DriverException why creation failed; {@link DriverException.Code#CANCELLED} if
   *     cancelled
   */
  void create(Operation operation) throws DriverException;

  /**
   * Removes the instance and everything made for it. Removing a missing instance succeeds.
   *
   * @param operation reports progress, and tells of cancellation
   * @throws DriverException why removal failed
   */
  void remove(Operation operation) throws DriverException;

  /**
   * Starts a stopped instance. Starting a running one succeeds.
   *
   * @param operation reports progress, and tells of cancellation
   * @throws DriverException {@link DriverException.Code#NOT_SUPPORTED} if the driver cannot start
   *     machines, or why starting failed
   */
  void start(Operation operation) throws DriverException;

  /**
   * Stops a running instance gracefully. Stopping a stopped one succeeds.
   *
   * @param operation reports progress, and tells of cancellation
   * @throws DriverException {@link DriverException.Code#NOT_SUPPORTED} or why stopping failed
   */
  void stop(Operation operation) throws DriverException;

  /**
   * Stops an instance forcibly. Killing a stopped one succeeds.
   *
   * @param operation reports progress, and tells of cancellation
   * @throws DriverException {@link DriverException.Code#NOT_SUPPORTED} or why killing failed
   */
  void kill(Operation operation) throws DriverException;

  /**
   * Restarts the instance; a stopped one is started.
   *
   * @param operation reports progress, and tells of cancellation
   * @throws DriverException {@link DriverException.Code#NOT_SUPPORTED} or why restarting failed
   */
  void restart(Operation operation) throws DriverException;

  /**
   * Returns the instance's state.
   *
   * @return the state; {@link MachineState#NOT_FOUND} if the instance no longer exists
   * @throws DriverException if the state cannot be learnt (e.g. provider unavailable)
   */
  MachineState getState() throws DriverException;

  /**
   * Returns the IP address or host name the machine is reachable at.
   *
   * @return the address, e.g. {@code 10.0.0.5}
   * @throws DriverException {@link DriverException.Code#FAILED_PRECONDITION} if it has none yet
   */
  String getIp() throws DriverException;

  /**
   * Returns the Docker engine URL.
   *
   * @return the URL, e.g. {@code tcp://10.0.0.5:2376}
   * @throws DriverException if the machine has no URL (not running, no IP)
   */
  String getUrl() throws DriverException;

  /**
   * Returns the machine's name.
   *
   * @return the name the host gave the machine
   * @throws DriverException if the name cannot be given
   */
  String getMachineName() throws DriverException;

  /**
   * Returns the host name to reach SSH at.
   *
   * @return the host name or IP address
   * @throws DriverException if the machine has no address yet
   */
  String getSshHostname() throws DriverException;

  /**
   * Returns the SSH port.
   *
   * @return the port, e.g. 22
   * @throws DriverException if the port cannot be learnt
   */
  int getSshPort() throws DriverException;

  /**
   * Returns the SSH user name.
   *
   * @return the user, e.g. {@code root}
   * @throws DriverException if the user cannot be given
   */
  String getSshUsername() throws DriverException;

  /**
   * Returns the path of the SSH private key.
   *
   * @return the absolute path, or an empty string when no key is used
   * @throws DriverException if the path cannot be given
   */
  String getSshKeyPath() throws DriverException;

  /**
   * Returns the driver's persisted config (Docker Machine's {@code GetConfigRaw}).
   *
   * @return a JSON object
   * @throws DriverException if the config cannot be written
   */
  String getConfigRaw() throws DriverException;

  /**
   * Restores the driver's persisted config (Docker Machine's {@code SetConfigRaw}).
   *
   * @param json a JSON object that {@link #getConfigRaw()} returned
   * @throws DriverException {@link DriverException.Code#INVALID_ARGUMENT} if it cannot be read
   */
  void setConfigRaw(String json) throws DriverException;

  /**
   * Returns the optional operations this driver supports; the host and the SDK answer NOT_SUPPORTED
   * for the others without calling the driver.
   *
   * @return the capabilities; by default all of them
   */
  default Set<Capability> capabilities() {
    return EnumSet.allOf(Capability.class);
  }

  /**
   * Returns one line describing the driver, for {@code machine plugin ls}.
   *
   * @return the description; empty by default
   */
  default String description() {
    return "";
  }

  /**
   * Returns the keys of the config JSON whose values are secrets, never to be printed.
   *
   * @return the keys; none by default
   */
  default Set<String> secretConfigKeys() {
    return Set.of();
  }

  /**
   * Returns how long the host should let each long operation run before it cuts the call off (and
   * cancels it), for operations that may take longer than the host's defaults (Create 30 minutes,
   * the others 10 minutes) or that should be cut off sooner. A user's setting overrides these.
   *
   * @return positive durations by operation; operations left out get the host's default. None by
   *     default
   */
  default Map<LongOperation, Duration> operationTimeouts() {
    return Map.of();
  }
}
