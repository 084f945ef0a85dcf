package io.machinehost.sdk;

import java.util.List;
import java.util.Set;

/**
 * The values of a machine's create flags (Docker Machine's {@code drivers.DriverOptions}): each
 * flag given on the command line, taken from its environment variable, or defaulted.
 */
public interface DriverOptions {
  /**
   * Returns the names of the flags that have a value.
   *
   * @return flag names, without dashes
   */
  Set<String> names();

  /**
   * Returns whether the flag has a value.
   *
   * @param name the flag's name, without dashes
   * @return whether it was given, taken from its environment variable, or defaulted
   */
  default boolean has(String name) {
    return names().contains(name);
  }

  /**
   * Returns a string flag's value.
   *
   * @param name the flag's name, without dashes
   * @return the value, or an empty string when it has none or is not a string flag
   */
  String getString(String name);

  /**
   * Returns an int flag's value.
   *
   * @param name the flag's name, without dashes
   * @return the value, or 0 when it has none or is not an int flag
   */
  long getInt(String name);

  /**
   * Returns a bool flag's value.
   *
   * @param name the flag's name, without dashes
   * @return the value, or false when it has none or is not a bool flag
   */
  boolean getBool(String name);

  /**
   * Returns a string list flag's value.
   *
   * @param name the flag's name, without dashes
   * @return the values, or an empty list when it has none or is not a string list flag
   */
  List<String> getStringList(String name);
}
