package io.machinehost.host.store;

import java.util.regex.Pattern;

/**
 * The one rule for machine names (docker-machine's, plus a length bound): a letter or digit, then
 * letters, digits, {@code -} and {@code .}, at most {@value #MAX_LENGTH} characters. A name that
 * passes is one path segment that is neither {@code .} nor {@code ..}, so it cannot leave the
 * store's {@code machines/} directory.
 */
public final class MachineNames {
  /** The longest name: a machine's name becomes its host name, and Linux takes at most 64. */
  public static final int MAX_LENGTH = 64;

  private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9.-]*");

  private MachineNames() {}

  /** Returns whether a name follows the rule. */
  public static boolean isValid(String name) {
    return name != null && name.length() <= MAX_LENGTH && NAME.matcher(name).matches();
  }

  /**
   * Returns the name when it follows the rule.
   *
   * @throws InvalidNameException naming the name, the rule it breaks and the next step
   */
  public static String check(String name) {
    if (isValid(name)) {
      return name;
    }
    throw new InvalidNameException(problem(name));
  }

  private static String problem(String name) {
    if (name == null || name.isEmpty()) {
      return "a machine name is empty; give one (see \"machine ls\")";
    }
    String shown = name.length() > 80 ? name.substring(0, 77) + "..." : name;
    shown = shown.replaceAll("\\p{Cntrl}", "?");
    if (name.length() > MAX_LENGTH) {
      return String.format(
          "invalid machine name \"%s\": it has %d characters; a name has at most %d",
          shown, name.length(), MAX_LENGTH);
    }
    return String.format(
        "invalid machine name \"%s\": a name starts with a letter or digit and holds only"
            + " letters, digits, \"-\" and \".\" (see \"machine ls\")",
        shown);
  }

  /** A name breaks the rule; the command's usage is wrong (exit 2), nothing was touched. */
  public static final class InvalidNameException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    InvalidNameException(String message) {
      super(message);
    }
  }
}
