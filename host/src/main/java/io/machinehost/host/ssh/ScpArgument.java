package io.machinehost.host.ssh;

import java.util.Optional;

/**
 * One operand of {@code machine scp}, in Docker Machine's syntax: {@code [USER@]NAME:PATH} is a
 * path on a machine, anything else (and {@code localhost:PATH}) a path on this host.
 *
 * @param user the user to log in as instead of the machine's SSH user, or {@code null}
 * @param machine the machine's name, or {@code null} for a local path
 * @param path the path; on a machine, relative paths are in the user's home, and empty means the
 *     home itself
 */
public record ScpArgument(String user, String machine, String path) {

  /**
   * Parses an operand. A colon makes a machine path only when what precedes it has no slash, so
   * {@code ./a:b} and {@code /tmp/a:b} stay local.
   *
   * @throws IllegalArgumentException if the operand is empty, or names an empty user or machine
   */
  public static ScpArgument parse(String operand) {
    if (operand.isEmpty()) {
      throw new IllegalArgumentException("an empty path was given");
    }
    int colon = operand.indexOf(':');
    if (colon < 0 || operand.substring(0, colon).contains("/")) {
      return new ScpArgument(null, null, operand);
    }
    String prefix = operand.substring(0, colon);
    String path = operand.substring(colon + 1);
    String user = null;
    String machine = prefix;
    int at = prefix.lastIndexOf('@');
    if (at >= 0) {
      user = prefix.substring(0, at);
      machine = prefix.substring(at + 1);
      if (user.isEmpty()) {
        throw new IllegalArgumentException("\"" + operand + "\" has an empty user before the @");
      }
    }
    if (machine.isEmpty()) {
      throw new IllegalArgumentException(
          "\"" + operand + "\" names no machine before the colon; write NAME:PATH");
    }
    if (machine.equals("localhost")) {
      return new ScpArgument(null, null, path.isEmpty() ? "." : path);
    }
    return new ScpArgument(user, machine, path);
  }

  /** Returns whether this is a path on this host. */
  public boolean isLocal() {
    return machine == null;
  }

  /** Returns the user given before the {@code @}, if any. */
  public Optional<String> userIfAny() {
    return Optional.ofNullable(user);
  }

  /** Returns the operand as the user would write it. */
  @Override
  public String toString() {
    if (isLocal()) {
      return path;
    }
    return (user == null ? "" : user + "@") + machine + ":" + path;
  }
}
