package io.machinehost.host.command;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.machinehost.host.ExitCodes;
import io.machinehost.host.certs.CertificateStore;
import io.machinehost.host.driver.MachineDriver;
import io.machinehost.host.store.FileMachineStore;
import io.machinehost.host.store.MachineRecord;
import io.machinehost.host.store.MachineStore;
import io.machinehost.host.store.StoreEntry;
import io.machinehost.host.store.StoreException;
import io.machinehost.sdk.DriverException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What one {@code machine} command works with: the store, the driver plugins (started on first use,
 * one per driver), the environment and the global options. Closing it ends the plugins.
 */
public final class Session implements AutoCloseable {
  /** The deadline of a short driver call (state, IP, URL …) unless a command sets its own. */
  public static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

  /** Sets the deadline of short driver calls, in seconds. */
  public static final String CALL_TIMEOUT_ENV = "MACHINEHOST_CALL_TIMEOUT";

  private final Path storagePath;
  private final Map<String, String> env;
  private final boolean debug;
  private final boolean nativeSsh;
  private final MachineStore store;
  private final Function<Session, DriverPool> poolFactory;
  private DriverPool pool;

  /**
   * Creates a session.
   *
   * @param storagePath the store root
   * @param env the environment the command runs in
   * @param debug whether {@code --debug} was given
   * @param nativeSsh whether {@code --native-ssh} was given
   * @param poolFactory makes the driver pool on first use
   */
  public Session(
      Path storagePath,
      Map<String, String> env,
      boolean debug,
      boolean nativeSsh,
      Function<Session, DriverPool> poolFactory) {
    this.storagePath = storagePath.toAbsolutePath().normalize();
    this.env = Map.copyOf(env);
    this.debug = debug;
    this.nativeSsh = nativeSsh;
    this.store = new FileMachineStore(this.storagePath);
    this.poolFactory = poolFactory;
  }

  /** Returns the store root. */
  public Path storagePath() {
    return storagePath;
  }

  /** Returns the environment. */
  public Map<String, String> env() {
    return env;
  }

  /** Returns whether {@code --debug} was given. */
  public boolean debug() {
    return debug;
  }

  /** Returns whether {@code --native-ssh} was given. */
  public boolean nativeSsh() {
    return nativeSsh;
  }

  /**
   * Returns the deadline of a short driver call: {@value #CALL_TIMEOUT_ENV} seconds when set, else
   * {@link #CALL_TIMEOUT}.
   *
   * @throws CliException (usage) if the variable is not a positive whole number
   */
  public Duration callTimeout() throws CliException {
    String value = env.get(CALL_TIMEOUT_ENV);
    if (value == null || value.isBlank()) {
      return CALL_TIMEOUT;
    }
    try {
      long seconds = Long.parseLong(value.trim());
      if (seconds > 0 && seconds <= 86_400) {
        return Duration.ofSeconds(seconds);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new CliException(
        ExitCodes.USAGE,
        String.format(
            "%s=%s is not a number of seconds from 1 to 86400; fix or unset it",
            CALL_TIMEOUT_ENV, value),
        null);
  }

  /** Returns the machine store. */
  public MachineStore store() {
    return store;
  }

  /** Returns the store's certificate authority and client certificates. */
  public CertificateStore certificates() {
    return new CertificateStore(storagePath);
  }

  /** Returns the driver pool, making it on first use. */
  public synchronized DriverPool drivers() {
    if (pool == null) {
      pool = poolFactory.apply(this);
    }
    return pool;
  }

  /**
   * Reads a machine.
   *
   * @throws CliException naming the machine and the next step
   */
  public MachineRecord load(String name) throws CliException {
    try {
      return store.load(name);
    } catch (StoreException e) {
      throw new CliException(ExitCodes.FAILURE, e.getMessage(), e);
    }
  }

  /**
   * Lists the store's machines.
   *
   * @throws CliException if the store itself cannot be read, naming it and the next step
   */
  public List<StoreEntry> list() throws CliException {
    try {
      return store.list();
    } catch (StoreException e) {
      throw new CliException(ExitCodes.FAILURE, e.getMessage(), e);
    }
  }

  /**
   * Returns a driver client for a machine, carrying its persisted config.
   *
   * @param callTimeout the deadline of short calls
   * @throws CliException if the driver cannot be launched
   */
  public MachineDriver driver(MachineRecord machine, Duration callTimeout) throws CliException {
    return drivers()
        .machine(
            machine.driverName(), machine.name(), machine.driverConfig().toString(), callTimeout);
  }

  /**
   * Persists the config a driver returned after a call that may change it, under the machine's lock
   * so concurrent commands lose nothing.
   *
   * @throws CliException if it cannot be written
   */
  public MachineRecord saveConfig(String name, String configJson) throws CliException {
    ObjectNode config = parseConfig(name, configJson);
    try {
      return store.update(name, r -> r.withDriverConfig(config));
    } catch (StoreException e) {
      throw new CliException(ExitCodes.FAILURE, e.getMessage(), e);
    }
  }

  /**
   * Parses a driver's config JSON.
   *
   * @throws CliException if the driver sent something that is not a JSON object
   */
  public static ObjectNode parseConfig(String machine, String configJson) throws CliException {
    try {
      return FileMachineStore.parseConfig(configJson);
    } catch (IllegalArgumentException e) {
      throw new CliException(
          String.format(
              "the driver of machine \"%s\" returned a bad config (%s); nothing was saved: report"
                  + " this to the driver's maintainer",
              machine, e.getMessage()));
    }
  }

  /** Turns a driver failure into a command failure that names the machine. */
  public static CliException failure(String machine, String action, DriverException e) {
    String message = e.getMessage();
    String text =
        message != null && message.contains("\"" + machine + "\"")
            ? message
            : String.format("%s machine \"%s\": %s", action, machine, message);
    return new CliException(ExitCodes.of(e), text, e);
  }

  @Override
  public synchronized void close() {
    if (pool != null) {
      pool.close();
      pool = null;
    }
  }
}
