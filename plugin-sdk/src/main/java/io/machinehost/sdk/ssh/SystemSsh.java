package io.machinehost.sdk.ssh;

import io.machinehost.sdk.DriverException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The command line for the system's OpenSSH {@code ssh}, which {@code machine ssh} prefers for
 * interactive use, as Docker Machine's external client did: {@code -F /dev/null}, no password
 * prompts, no connection sharing, the machine's key only, a 10 s connect timeout.
 *
 * <p>Unlike Docker Machine it checks the host key: against the target's {@link KnownHosts} file
 * with {@code StrictHostKeyChecking=accept-new} (OpenSSH 7.6 or later), so a first contact pins the
 * key in the same file the native client uses, and a changed key is refused with OpenSSH's own
 * warning.
 */
public final class SystemSsh {
  private static final Set<PosixFilePermission> GROUP_OR_OTHER =
      EnumSet.complementOf(
          EnumSet.of(
              PosixFilePermission.OWNER_READ,
              PosixFilePermission.OWNER_WRITE,
              PosixFilePermission.OWNER_EXECUTE));

  private SystemSsh() {}

  /**
   * Returns the {@code ssh} executable found on {@code PATH}, if any.
   *
   * @return the first {@code ssh} on {@code PATH}, or empty
   */
  public static Optional<Path> find() {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, "ssh");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * Returns the arguments that run {@code ssh} to the target, e.g. for a {@link ProcessBuilder}
   * with inherited I/O. With no remote command, {@code ssh} starts a login shell (on a terminal
   * when stdin is one).
   *
   * @param ssh the {@code ssh} executable, see {@link #find()}
   * @param target the machine
   * @param remoteCommand the command and its arguments, joined by spaces on the remote side as
   *     {@code ssh} does; empty for a shell
   * @return the command line, {@code ssh} first
   * @throws DriverException {@link DriverException.Code#FAILED_PRECONDITION} if the key file is
   *     missing, or readable by others ({@code ssh} would refuse it)
   */
  public static List<String> command(Path ssh, SshTarget target, List<String> remoteCommand)
      throws DriverException {
    List<String> args = new ArrayList<>();
    args.add(ssh.toString());
    args.add("-F");
    args.add("/dev/null");
    option(args, "ConnectionAttempts", "3");
    option(args, "ConnectTimeout", "10");
    option(args, "ControlMaster", "no");
    option(args, "ControlPath", "none");
    option(args, "LogLevel", "ERROR");
    option(args, "PasswordAuthentication", "no");
    option(args, "KbdInteractiveAuthentication", "no");
    option(args, "ServerAliveInterval", "60");
    if (target.knownHosts() != null) {
      option(args, "StrictHostKeyChecking", "accept-new");
      option(args, "UserKnownHostsFile", quoted(target.knownHosts().toAbsolutePath().toString()));
      option(args, "GlobalKnownHostsFile", "/dev/null");
      option(args, "HashKnownHosts", "no");
      option(args, "UpdateHostKeys", "no");
    } else {
      option(args, "StrictHostKeyChecking", "no");
      option(args, "UserKnownHostsFile", "/dev/null");
    }
    if (target.privateKey() != null) {
      checkKey(target.privateKey());
      option(args, "IdentitiesOnly", "yes");
      args.add("-i");
      args.add(target.privateKey().toAbsolutePath().toString());
    }
    args.add("-p");
    args.add(Integer.toString(target.port()));
    args.add("-l");
    args.add(target.user());
    args.add("--");
    args.add(target.host());
    args.addAll(remoteCommand);
    return args;
  }

  private static void option(List<String> args, String name, String value) {
    args.add("-o");
    args.add(name + "=" + value);
  }

  /** ssh_config values with spaces must be quoted. */
  private static String quoted(String value) {
    return value.indexOf(' ') >= 0 ? "\"" + value + "\"" : value;
  }

  /** Refuses a key OpenSSH would refuse, with Docker Machine's message. */
  static void checkKey(Path key) throws DriverException {
    if (!Files.isRegularFile(key)) {
      throw DriverException.failedPrecondition("SSH key %s does not exist", key);
    }
    Set<PosixFilePermission> permissions;
    try {
      permissions = Files.getPosixFilePermissions(key);
    } catch (UnsupportedOperationException | IOException e) {
      return; // not a POSIX file system: ssh decides
    }
    if (permissions.stream().anyMatch(GROUP_OR_OTHER::contains)) {
      throw DriverException.failedPrecondition(
          "permissions %s for '%s' are too open; run: chmod 600 '%s'",
          String.format(Locale.ROOT, "%#o", mode(permissions)), key, key);
    }
  }

  private static int mode(Set<PosixFilePermission> permissions) {
    String rwx = PosixFilePermissions.toString(permissions); // e.g. rw-r--r--
    int mode = 0;
    for (int i = 0; i < rwx.length(); i++) {
      mode = (mode << 1) | (rwx.charAt(i) == '-' ? 0 : 1);
    }
    return mode;
  }
}
