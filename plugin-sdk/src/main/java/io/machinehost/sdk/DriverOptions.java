package io.machinehost.sdk;

import java.util.List;
import java.util.Set;

/**
 * The values of a machine's create flags (Docker Machine's {@code drivers.DriverOptions}): each
 * flag given on the command line, taken from its environment variable, or defaulted.
 */
public interface DriverOptions {
  /** Returns the names of the flags that have a value. */
  Set<String> names();

  /** Returns whether the flag has a value. */
  default boolean has(String name) {
    return names().contains(name);
  }

  /** Returns a string flag's value, or an empty string when it has none. */
  String getString(String name);

  /** Returns an int flag's value, or 0 when it has none. */
  long getInt(String name);

  /** Returns a bool flag's value, or false when it has none. */
  boolean getBool(String name);

  /** Returns a string list flag's value, or an empty list when it has none. */
  List<String> getStringList(String name);
}
