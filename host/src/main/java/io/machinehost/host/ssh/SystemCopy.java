package io.machinehost.host.ssh;

import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.ssh.SshTarget;
import io.machinehost.sdk.ssh.SystemSsh;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Command lines for the system's {@code scp} and {@code rsync} over {@code ssh}, with the same
 * options as {@link SystemSsh} (the machine's key only, its pinned host key checked). Each copies
 * between this host and one machine; copies between machines go through this host in two legs.
 */
public final class SystemCopy {
  private SystemCopy() {}

  /**
   * One end of a copy leg.
   *
   * @param target the machine, or {@code null} for a local path
   * @param path the path
   */
  public record End(SshTarget target, String path) {
    /** Checks the path is given. */
    public End {
      Objects.requireNonNull(path, "path");
    }

    /** Returns a local end. */
    public static End local(String path) {
      return new End(null, path);
    }

    /** Returns an end on a machine. */
    public static End remote(SshTarget target, String path) {
      return new End(Objects.requireNonNull(target, "target"), path);
    }

    boolean isRemote() {
      return target != null;
    }

    /** How scp and rsync are told this end: {@code host:path}, or a path no one reads as that. */
    String operand() {
      if (isRemote()) {
        String host = target.host().indexOf(':') >= 0 ? "[" + target.host() + "]" : target.host();
        return host + ":" + path;
      }
      int colon = path.indexOf(':');
      boolean looksRemote = colon >= 0 && !path.substring(0, colon).contains("/");
      return looksRemote || path.startsWith("-") ? "./" + path : path;
    }
  }

  /**
   * Returns the {@code scp} command line copying {@code from} to {@code to}; with several sources,
   * {@code to} is a directory.
   *
   * @throws DriverException as {@link SystemSsh#options}
   * @throws IllegalArgumentException unless the sources are all local and the destination remote,
   *     or the one source remote and the destination local
   */
  public static List<String> scp(Path scp, List<End> from, End to, boolean recursive, boolean quiet)
      throws DriverException {
    SshTarget target = remoteOf(from, to);
    List<String> args = new ArrayList<>();
    args.add(scp.toString());
    if (recursive) {
      args.add("-r");
    }
    if (quiet) {
      args.add("-q");
    }
    args.addAll(SystemSsh.options(target));
    args.add("--");
    from.forEach(end -> args.add(end.operand()));
    args.add(to.operand());
    return args;
  }

  /**
   * Returns the {@code rsync} command line copying {@code from} to {@code to} with delta transfer,
   * over {@code ssh}. Modification times are kept, so that the next copy of unchanged files is
   * skipped.
   *
   * @throws DriverException as {@link SystemSsh#options}
   * @throws IllegalArgumentException as {@link #scp}, or if an option holds both kinds of quote
   *     (rsync cannot pass it to ssh)
   */
  public static List<String> rsync(
      Path rsync, Path ssh, List<End> from, End to, boolean recursive, boolean quiet)
      throws DriverException {
    SshTarget target = remoteOf(from, to);
    List<String> shell = new ArrayList<>();
    shell.add(ssh.toString());
    shell.addAll(SystemSsh.options(target));
    List<String> args = new ArrayList<>();
    args.add(rsync.toString());
    args.add("--times");
    if (recursive) {
      args.add("--recursive");
    }
    if (quiet) {
      args.add("--quiet");
    }
    args.add("-e");
    args.add(rshCommand(shell));
    args.add("--");
    from.forEach(end -> args.add(end.operand()));
    args.add(to.operand());
    return args;
  }

  private static SshTarget remoteOf(List<End> from, End to) {
    boolean upload = !from.isEmpty() && to.isRemote() && from.stream().noneMatch(End::isRemote);
    boolean download = from.size() == 1 && from.get(0).isRemote() && !to.isRemote();
    if (!upload && !download) {
      throw new IllegalArgumentException(
          "a copy goes from local paths to a machine, or from one machine path to a local path");
    }
    return upload ? to.target() : from.get(0).target();
  }

  /** rsync splits -e on spaces and honours single and double quotes (not backslashes). */
  static String rshCommand(List<String> words) {
    List<String> quoted = new ArrayList<>();
    for (String word : words) {
      if (!word.isEmpty() && word.chars().noneMatch(c -> c == ' ' || c == '\'' || c == '"')) {
        quoted.add(word);
      } else if (word.indexOf('\'') < 0) {
        quoted.add("'" + word + "'");
      } else if (word.indexOf('"') < 0) {
        quoted.add("\"" + word + "\"");
      } else {
        throw new IllegalArgumentException("rsync cannot pass " + word + " to ssh");
      }
    }
    return String.join(" ", quoted);
  }
}
