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
 * <p>Unlike Docker Machine it checks the host key against the target's {@link KnownHosts} file, the
 * same file the native client uses: a first contact pins the key ({@code
 * StrictHostKeyChecking=accept-new}, OpenSSH 7.6 or later), and once a key is pinned a changed key
 * is refused with OpenSSH's own warning ({@code StrictHostKeyChecking=yes}).
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
   *     missing, or readable by others ({@code ssh} would refuse it), or the pinned host keys
   *     cannot be read
   */
  public static List<String> command(Path ssh, SshTarget target, List<String> remoteCommand)
      throws DriverException {
    List<String> args = new ArrayList<>();
    args.add(ssh.toString());
    args.addAll(options(target));
    args.add("--");
    args.add(target.host());
    args.addAll(remoteCommand);
    return args;
  }

  /**
   * Returns the options {@link #command} gives {@code ssh}, including the port and user as {@code
   * -o Port=} and {@code -o User=}, so that {@code scp}, {@code sftp} and {@code rsync -e ssh},
   * which take the same {@code -o} options, reach the target the same way.
   *
   * <p>The host key: with no pin yet, {@code StrictHostKeyChecking=accept-new} pins the first key
   * in the target's known_hosts file; once it is pinned, {@code StrictHostKeyChecking=yes} accepts
   * only a pinned key, so a machine that stops offering the pinned key type is refused rather than
   * pinned again (as the native client does).
   *
   * @param target the machine
   * @return the options, before the destination
   * @throws DriverException as {@link #command}
   */
  public static List<String> options(SshTarget target) throws DriverException {
    List<String> args = new ArrayList<>();
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
      option(args, "StrictHostKeyChecking", pinned(target) ? "yes" : "accept-new");
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
      option(args, "IdentityFile", quoted(target.privateKey().toAbsolutePath().toString()));
    }
    option(args, "Port", Integer.toString(target.port()));
    option(args, "User", target.user());
    return args;
  }

  private static boolean pinned(SshTarget target) throws DriverException {
    try {
      return KnownHosts.pins(target.knownHosts(), target.host(), target.port());
    } catch (IOException e) {
      throw DriverException.failedPrecondition(
              "cannot read the pinned host keys in %s: %s", target.knownHosts(), e.getMessage())
          .withCause(e);
    }
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
