package io.machinehost.host;

import io.machinehost.host.command.DriverPool;
import io.machinehost.host.command.PluginDriverPool;
import io.machinehost.host.command.Session;
import io.machinehost.host.plugin.PluginLauncher;
import io.machinehost.host.plugin.PluginLocator;
import io.machinehost.host.plugin.WarmPlugins;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * What {@code machine} takes from the world it runs in: environment variables, the home and
 * launcher directories, standard input, and how drivers are reached. Tests pass their own.
 *
 * @param env environment variables
 * @param home the user's home directory
 * @param launcherDir the directory of the {@code machine} executable, or {@code null}
 * @param stdin standard input (answers to prompts)
 * @param interactive whether a person sits at a terminal (spinners, prompts)
 * @param pools makes the driver pool of a session
 */
public record CliEnvironment(
    Map<String, String> env,
    Path home,
    Path launcherDir,
    InputStream stdin,
    boolean interactive,
    Function<Session, DriverPool> pools) {

  /** Seconds a driver plugin may take to print its handshake (default 10). */
  public static final String START_TIMEOUT = "MACHINE_PLUGIN_START_TIMEOUT";

  /** Copies the map. */
  public CliEnvironment {
    env = Map.copyOf(env);
  }

  /** The process's own environment, with drivers as plugin processes. */
  // A console means a terminal on the JDK 17 this targets; newer JDKs only draw spinners more
  // often.
  @SuppressWarnings("SystemConsoleNull")
  public static CliEnvironment system() {
    Path launcher =
        Optional.ofNullable(System.getProperty("machinehost.launcher"))
            .map(p -> Path.of(p).toAbsolutePath().getParent())
            .orElse(null);
    Map<String, String> env = System.getenv();
    return new CliEnvironment(
        env,
        Path.of(System.getProperty("user.home")),
        launcher,
        System.in,
        System.console() != null,
        session -> pluginPool(session, env, launcher, System.err));
  }

  /**
   * Drivers as plugin processes found on the standard search path.
   *
   * @param session the command's session
   * @param env the environment plugins are started in
   * @param launcherDir the directory of the {@code machine} executable, or {@code null}
   * @param stderr where {@code --debug} output goes
   */
  public static DriverPool pluginPool(
      Session session, Map<String, String> env, Path launcherDir, PrintStream stderr) {
    PluginLauncher.Options options = PluginLauncher.Options.defaults().withBaseEnv(env);
    String startTimeout = env.get(START_TIMEOUT);
    if (startTimeout != null && startTimeout.matches("[1-9][0-9]{0,4}")) {
      options = options.withHandshakeTimeout(Duration.ofSeconds(Long.parseLong(startTimeout)));
    }
    PrintWriter trace = null;
    if (session.debug()) {
      options = options.withDebug(stderr);
      trace = new PrintWriter(stderr, true, StandardCharsets.UTF_8);
    }
    PluginLauncher launcher = new PluginLauncher(options);
    PrintWriter debug = trace;
    // Warm reuse unless MACHINEHOST_PLUGIN_REUSE=0; a bad MACHINEHOST_PLUGIN_IDLE is reported at
    // the first launch, where the command can say so.
    WarmPlugins warm;
    try {
      warm =
          WarmPlugins.idleFromEnv(env)
              .map(idle -> new WarmPlugins(launcher, session.storagePath(), idle, debug))
              .orElse(null);
    } catch (IllegalArgumentException e) {
      return new PluginDriverPool(
          PluginLocator.standard(env, session.storagePath(), launcherDir),
          launcher,
          session.storagePath(),
          trace,
          WarmPlugins.refusing(launcher, session.storagePath(), e.getMessage()));
    }
    return new PluginDriverPool(
        PluginLocator.standard(env, session.storagePath(), launcherDir),
        launcher,
        session.storagePath(),
        trace,
        warm);
  }

  /** Returns the plugin search path for a store (DESIGN §1). */
  public PluginLocator locator(Path storagePath) {
    return PluginLocator.standard(env, storagePath, launcherDir);
  }

  /** Returns the default store root: {@code MACHINE_STORAGE_PATH}, else {@code ~/.machine}. */
  public Path defaultStoragePath() {
    String fromEnv = env.get("MACHINE_STORAGE_PATH");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return Path.of(fromEnv);
    }
    return home.resolve(".machine");
  }
}
