package io.machinehost.host.plugin;

import io.machinehost.sdk.LongOperation;
import io.machinehost.sdk.rpc.OperationDeadlines;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The host's deadline for each long operation: the user's setting ({@value #ALL_ENV} or {@code
 * MACHINEHOST_<OPERATION>_TIMEOUT}, in seconds, 0 for none) wins over what the driver declares in
 * its plugin info, which wins over the host's generous defaults (Create 30 minutes, the others 10).
 */
final class HostDeadlines implements OperationDeadlines {
  /** Seconds every long operation may take (0: no limit), unless a per-operation one is set. */
  static final String ALL_ENV = "MACHINEHOST_OPERATION_TIMEOUT";

  static final Duration CREATE_DEFAULT = Duration.ofMinutes(30);
  static final Duration OTHER_DEFAULT = Duration.ofMinutes(10);

  private final Map<String, String> env;
  private final Supplier<Map<LongOperation, Duration>> declared;

  /**
   * Creates the deadlines of one plugin.
   *
   * @param env the environment the command runs in
   * @param declared what the driver declares (asked when first needed), empty if it cannot say
   */
  HostDeadlines(Map<String, String> env, Supplier<Map<LongOperation, Duration>> declared) {
    this.env = env;
    this.declared = declared;
  }

  /** Returns the variable that sets one operation's deadline, e.g. MACHINEHOST_REMOVE_TIMEOUT. */
  static String envOf(LongOperation operation) {
    return "MACHINEHOST_" + operation.name() + "_TIMEOUT";
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if the user's setting is not a whole number of seconds
   */
  @Override
  public Duration of(LongOperation operation) {
    for (String name : new String[] {envOf(operation), ALL_ENV}) {
      String value = env.get(name);
      if (value != null && !value.isBlank()) {
        return seconds(name, value.strip());
      }
    }
    Duration own = declared.get().get(operation);
    if (own != null) {
      return own;
    }
    return operation == LongOperation.CREATE ? CREATE_DEFAULT : OTHER_DEFAULT;
  }

  private static Duration seconds(String name, String value) {
    if (!value.matches("[0-9]{1,9}")) {
      throw new IllegalArgumentException(
          String.format("%s is \"%s\": give a whole number of seconds (0: no limit)", name, value));
    }
    return Duration.ofSeconds(Long.parseLong(value));
  }

  @Override
  public String advice(LongOperation operation) {
    String source;
    if (env.containsKey(envOf(operation)) && !env.get(envOf(operation)).isBlank()) {
      source = "the limit is " + envOf(operation) + "'s";
    } else if (env.containsKey(ALL_ENV) && !env.get(ALL_ENV).isBlank()) {
      source = "the limit is " + ALL_ENV + "'s";
    } else if (declared.get().containsKey(operation)) {
      source = "the limit is the one the driver declares";
    } else {
      source = "the limit is the host's default";
    }
    return String.format(
        Locale.ROOT, "%s; set %s=<seconds> to wait longer (0: no limit)", source, envOf(operation));
  }
}
