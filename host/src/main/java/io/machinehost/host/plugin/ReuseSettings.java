package io.machinehost.host.plugin;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Whether processes may stay warm between commands, and for how long: read by the {@code machine}
 * front end (for its command server) before anything else loads, so this uses {@code java.base}
 * only.
 */
public final class ReuseSettings {
  /** Turns reuse off when {@code 0}, {@code false}, {@code no} or {@code off}. */
  public static final String REUSE_ENV = "MACHINEHOST_PLUGIN_REUSE";

  /**
   * How long, in seconds, a warm process waits for the next command (default 600: ten minutes, as
   * build daemons idle for hours).
   */
  public static final String IDLE_ENV = "MACHINEHOST_PLUGIN_IDLE";

  /** The default idle period. */
  public static final Duration DEFAULT_IDLE = Duration.ofMinutes(10);

  /**
   * Heap options for a process that stays up while idle (the command server, warm JVM plugins): it
   * starts small, with a fixed small young generation, and gives memory back after a collection.
   * Passed in {@code MACHINEHOST_JAVA_OPTS}, before the user's own.
   */
  public static final String LEAN_HEAP =
      "-Xms12m -Xmn6m -XX:MinHeapFreeRatio=5 -XX:MaxHeapFreeRatio=20";

  /** The JVM options variable of machinehost executables (plugin-sdk's launcher header). */
  public static final String JAVA_OPTS_ENV = "MACHINEHOST_JAVA_OPTS";

  private ReuseSettings() {}

  /**
   * Returns the idle period the environment asks for, or empty when {@value #REUSE_ENV} turns reuse
   * off.
   *
   * @throws IllegalArgumentException if {@value #IDLE_ENV} is not a positive number of seconds
   */
  public static Optional<Duration> idleFromEnv(Map<String, String> env) {
    String reuse = env.getOrDefault(REUSE_ENV, "").strip().toLowerCase(Locale.ROOT);
    switch (reuse) {
      case "0", "false", "no", "off" -> {
        return Optional.empty();
      }
      default -> {}
    }
    String idle = env.get(IDLE_ENV);
    if (idle == null || idle.isBlank()) {
      return Optional.of(DEFAULT_IDLE);
    }
    double seconds;
    try {
      seconds = Double.parseDouble(idle.strip());
    } catch (NumberFormatException e) {
      seconds = -1;
    }
    if (!(seconds > 0) || seconds > 86_400) {
      throw new IllegalArgumentException(
          String.format(
              "%s must be a number of seconds between 0 and 86400, e.g. 30, not \"%s\"; or set"
                  + " %s=0 to start a plugin per command",
              IDLE_ENV, idle, REUSE_ENV));
    }
    return Optional.of(Duration.ofMillis(Math.max(1, Math.round(seconds * 1000))));
  }
}
