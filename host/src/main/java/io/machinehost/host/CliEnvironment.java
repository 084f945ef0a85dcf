package io.machinehost.host;

import io.machinehost.host.command.DriverPool;
import io.machinehost.host.command.PluginDriverPool;
import io.machinehost.host.command.Session;
import io.machinehost.host.plugin.PluginLauncher;
import io.machinehost.host.plugin.PluginLocator;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
        session -> pluginPool(session, env, launcher));
  }

  /** Drivers as plugin processes found on the standard search path. */
  public static DriverPool pluginPool(Session session, Map<String, String> env, Path launcherDir) {
    PluginLauncher.Options options = PluginLauncher.Options.defaults();
    PrintWriter trace = null;
    if (session.debug()) {
      options = options.withDebug(new PrintStream(System.err, true, StandardCharsets.UTF_8));
      trace = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    }
    return new PluginDriverPool(
        PluginLocator.standard(env, session.storagePath(), launcherDir),
        new PluginLauncher(options),
        session.storagePath(),
        trace);
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
