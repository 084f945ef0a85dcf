package io.machinehost.host.command;

import io.machinehost.host.ExitCodes;
import io.machinehost.host.driver.MachineDriver;
import io.machinehost.host.legacy.LegacyMachineDriver;
import io.machinehost.host.legacy.LegacyPlugin;
import io.machinehost.host.plugin.LegacyProcess;
import io.machinehost.host.plugin.PluginLaunchException;
import io.machinehost.host.plugin.PluginLauncher;
import io.machinehost.host.plugin.PluginLocator;
import io.machinehost.host.plugin.PluginProcess;
import io.machinehost.host.plugin.WarmPlugins;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.rpc.PluginInfo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;

/** Drivers as plugin processes, found by a {@link PluginLocator} and started by a launcher. */
public final class PluginDriverPool implements DriverPool {
  /** How many legacy plugins may be starting at once. */
  static final int LEGACY_LAUNCHES = 8;

  private final PluginLocator locator;
  private final PluginLauncher launcher;
  private final Path storePath;
  private final PrintWriter debug;
  private final WarmPlugins warm;
  private final Map<String, PluginProcess> processes = new LinkedHashMap<>();
  private final Map<String, CliException> failures = new LinkedHashMap<>();
  private final Map<String, Optional<Path>> legacyPaths = new LinkedHashMap<>();
  private final List<LegacyMachineDriver> legacyDrivers = new ArrayList<>();
  // Legacy plugins serve one machine each: an ls of many machines starts many, a few at a time.
  private final Semaphore legacyLaunches = new Semaphore(LEGACY_LAUNCHES);
  private boolean closed;

  /**
   * Creates a pool.
   *
   * @param locator finds driver executables
   * @param launcher starts them
   * @param storePath the store root machines live in
   * @param debug where launches are traced, or {@code null}
   */
  public PluginDriverPool(
      PluginLocator locator, PluginLauncher launcher, Path storePath, PrintWriter debug) {
    this(locator, launcher, storePath, debug, null);
  }

  /**
   * Creates a pool that reuses warm plugins across commands.
   *
   * @param locator finds driver executables
   * @param launcher starts them
   * @param storePath the store root machines live in
   * @param debug where launches are traced, or {@code null}
   * @param warm reuses warm plugins of the store, or {@code null} for a plugin per command
   */
  public PluginDriverPool(
      PluginLocator locator,
      PluginLauncher launcher,
      Path storePath,
      PrintWriter debug,
      WarmPlugins warm) {
    this.locator = locator;
    this.launcher = launcher;
    this.storePath = storePath;
    this.debug = debug;
    this.warm = warm;
  }

  @Override
  public MachineDriver plugin(String driver) throws CliException {
    Optional<Path> legacy = legacyFor(driver);
    if (legacy.isPresent()) {
      return legacy(driver, legacy.get(), "", "", Duration.ofSeconds(30));
    }
    return process(driver).machineDriver("", storePath, "", Duration.ofSeconds(30));
  }

  @Override
  public MachineDriver machine(
      String driver, String machine, String configJson, Duration callTimeout) throws CliException {
    Optional<Path> legacy = legacyFor(driver);
    if (legacy.isPresent()) {
      return legacy(driver, legacy.get(), machine, configJson, callTimeout);
    }
    return process(driver).machineDriver(machine, storePath, configJson, callTimeout);
  }

  @Override
  public PluginInfo info(String driver) throws CliException, DriverException {
    if (legacyFor(driver).isPresent()) {
      try (MachineDriver legacy = plugin(driver)) {
        return legacy.pluginInfo();
      }
    }
    return process(driver, false).info();
  }

  private PluginProcess process(String driver) throws CliException {
    return process(driver, true);
  }

  @Override
  public void prepare(String driver) throws CliException {
    if (legacyFor(driver).isEmpty()) {
      process(driver);
    }
  }

  // A native driver wins; a legacy one serves only where no native executable has the name.
  private synchronized Optional<Path> legacyFor(String driver) {
    return legacyPaths.computeIfAbsent(
        driver, d -> locator.find(d).isPresent() ? Optional.empty() : locator.findLegacy(d));
  }

  private MachineDriver legacy(
      String driver, Path executable, String machine, String configJson, Duration callTimeout)
      throws CliException {
    synchronized (this) {
      if (closed) {
        throw new CliException("the command is ending; no more plugins are started");
      }
    }
    LegacyPlugin plugin;
    try {
      legacyLaunches.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted while starting the " + driver + " driver");
    }
    try {
      LegacyProcess process = LegacyProcess.launch(driver, executable, launcher.options(), null);
      plugin = LegacyPlugin.connect(process);
      if (debug != null) {
        debug.printf(
            "debug: launched legacy plugin %s (%s) as pid %d for %s, %s at %s%n",
            driver,
            executable,
            process.pid(),
            machine.isEmpty() ? "its flags" : "machine " + machine,
            plugin.service(),
            process.address().getHostString() + ":" + process.address().getPort());
        debug.flush();
      }
    } catch (PluginLaunchException e) {
      throw new CliException(ExitCodes.PLUGIN, e.getMessage(), e);
    } finally {
      legacyLaunches.release();
    }
    LegacyMachineDriver client =
        new LegacyMachineDriver(
            plugin, driver, machine, storePath.toString(), configJson, callTimeout);
    synchronized (this) {
      legacyDrivers.add(client);
    }
    return client;
  }

  // One launch per driver even when many threads ask at once; a failed launch is not retried
  // within the same command, so a broken driver costs one handshake timeout, not one per machine.
  private synchronized PluginProcess process(String driver, boolean mayStayWarm)
      throws CliException {
    if (closed) {
      throw new CliException("the command is ending; no more plugins are started");
    }
    PluginProcess running = processes.get(driver);
    if (running != null) {
      return running;
    }
    CliException failed = failures.get(driver);
    if (failed != null) {
      throw failed;
    }
    try {
      Optional<Path> executable = locator.find(driver);
      if (executable.isEmpty()) {
        throw new CliException(ExitCodes.PLUGIN, notFound(driver), null);
      }
      PluginProcess process;
      try {
        process =
            warm == null
                ? launcher.launch(driver, executable.get())
                : mayStayWarm
                    ? warm.obtain(driver, executable.get())
                    : warm.obtainWithoutStaying(driver, executable.get());
      } catch (PluginLaunchException e) {
        throw new CliException(ExitCodes.PLUGIN, e.getMessage(), e);
      }
      if (debug != null) {
        debug.printf(
            "debug: %s plugin %s (%s) as pid %d%n",
            process.reused() ? "reused" : "launched", driver, executable.get(), process.pid());
        debug.flush();
      }
      processes.put(driver, process);
      return process;
    } catch (CliException e) {
      failures.put(driver, e);
      throw e;
    }
  }

  private String notFound(String driver) {
    List<String> dirs = new ArrayList<>();
    locator.directories().forEach(d -> dirs.add(d.toString()));
    return String.format(
        "driver \"%s\" not found: no executable %s%s or %s%s in %s%s; run \"machine plugin ls\" to"
            + " see the drivers installed",
        driver,
        PluginLocator.PREFIX,
        driver,
        PluginLocator.LEGACY_PREFIX,
        driver,
        String.join(", ", dirs),
        PluginLocator.CORE_DRIVERS.contains(driver) && locator.legacyBinary().isEmpty()
            ? " (a docker-machine core driver: set "
                + PluginLocator.LEGACY_BINARY
                + " to a docker-machine or rancher-machine binary to use its "
                + driver
                + ")"
            : "");
  }

  @Override
  public Optional<String> exitReport(String driver) {
    PluginProcess process;
    synchronized (this) {
      process = processes.get(driver);
    }
    return process == null ? Optional.empty() : process.exitReport();
  }

  /** Returns how many plugin processes this pool started or attached to. */
  public synchronized int launches() {
    return processes.size();
  }

  @Override
  public void close() {
    List<PluginProcess> running;
    List<LegacyMachineDriver> legacy;
    synchronized (this) {
      closed = true;
      running = new ArrayList<>(processes.values());
      processes.clear();
      legacy = new ArrayList<>(legacyDrivers);
      legacyDrivers.clear();
    }
    running.parallelStream().forEach(PluginProcess::close);
    legacy.parallelStream().forEach(LegacyMachineDriver::close);
  }
}
