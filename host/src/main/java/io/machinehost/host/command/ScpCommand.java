package io.machinehost.host.command;

import io.machinehost.host.ExitCodes;
import io.machinehost.host.ssh.ChildProcess;
import io.machinehost.host.ssh.Executables;
import io.machinehost.host.ssh.ScpArgument;
import io.machinehost.host.ssh.Stdio;
import io.machinehost.host.ssh.SystemCopy;
import io.machinehost.host.ssh.SystemCopy.End;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.ssh.CommandResult;
import io.machinehost.sdk.ssh.SshjClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code machine scp}: copies files between this host and a machine, or between two machines
 * through this host. Uses the system {@code scp} when there is one, the native client with {@code
 * --native-ssh}, and {@code rsync} over the system {@code ssh} with {@code -d}.
 */
@Command(
    name = "scp",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Copy files between this host and machines, or between two machines (through this host).",
      "A path on a machine is [USER@]NAME:PATH, relative to the user's home; any other path (and"
          + " localhost:PATH) is on this host.",
    },
    footer = {
      "",
      "Examples:",
      "  machine scp ./app.tar dev:/tmp/",
      "  machine scp -r dev:/var/log/app ./logs",
      "  machine scp dev:/etc/hosts root@prod:/tmp/hosts",
      "  machine scp -d -r ./site dev:/srv/"
    })
public final class ScpCommand extends MachineCommand {
  static final String FROM = "cannot copy files from";
  static final String TO = "cannot copy files to";

  @Option(
      names = {"-r", "--recursive"},
      description = "Copy directories and what they hold.")
  boolean recursive;

  @Option(
      names = {"-d", "--delta"},
      description =
          "Send only what changed, with rsync over ssh (rsync must be installed here and on the"
              + " machine). Paths then follow rsync's rules: a source ending in / copies what the"
              + " directory holds.")
  boolean delta;

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress meter or warnings.")
  boolean quiet;

  @Parameters(index = "0", paramLabel = "SRC", description = "What to copy.")
  String source;

  @Parameters(index = "1", paramLabel = "DST", description = "Where to copy it.")
  String destination;

  /** One way of moving files between this host and one machine. */
  private interface Transport {
    // Local paths stay strings: rsync gives a trailing slash a meaning that Path would drop.
    void upload(MachineSsh machine, List<String> local, String remote, String what)
        throws CliException;

    void download(MachineSsh machine, String remote, String local, String what) throws CliException;
  }

  @Override
  public Integer call() throws CliException {
    ScpArgument from = parse(source);
    ScpArgument to = parse(destination);
    if (from.isLocal() && to.isLocal()) {
      throw new CliException(
          ExitCodes.USAGE,
          String.format(
              "neither %s nor %s is on a machine: write a machine path as NAME:PATH (see \"machine"
                  + " ls\"), or use cp to copy on this host",
              source, destination),
          null);
    }
    if (from.isLocal()) {
      checkLocalSource(Path.of(from.path()));
    }
    MachineSsh fromSsh =
        from.isLocal() ? null : MachineSsh.running(session(), from.machine(), FROM).as(from.user());
    MachineSsh toSsh =
        to.isLocal() ? null : MachineSsh.running(session(), to.machine(), TO).as(to.user());
    // The drivers are not needed any more: do not keep their plugins running through the copy.
    session().close();
    Stdio stdio = Stdio.of(cli().environment().stdin(), out(), err());
    Transport transport = transport(stdio, fromSsh, toSsh);
    if (fromSsh == null) {
      transport.upload(toSsh, List.of(from.path()), to.path(), describe(from, to));
    } else if (toSsh == null) {
      transport.download(fromSsh, from.path(), to.path(), describe(from, to));
    } else {
      betweenMachines(transport, from, fromSsh, to, toSsh);
    }
    return ExitCodes.OK;
  }

  private static ScpArgument parse(String operand) throws CliException {
    try {
      return ScpArgument.parse(operand);
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.USAGE, e.getMessage(), e);
    }
  }

  private static String describe(ScpArgument from, ScpArgument to) {
    return "copying " + from + " to " + to;
  }

  private void checkLocalSource(Path path) throws CliException {
    if (!Files.exists(path)) {
      throw new CliException(
          String.format("cannot copy %s: there is no such file or directory on this host", path));
    }
    if (Files.isDirectory(path) && !recursive) {
      throw new CliException(
          ExitCodes.USAGE,
          String.format("cannot copy %s: it is a directory; copy it with -r", path),
          null);
    }
  }

  private Transport transport(Stdio stdio, MachineSsh fromSsh, MachineSsh toSsh)
      throws CliException {
    if (delta) {
      return rsync(stdio, fromSsh, toSsh);
    }
    Optional<Path> scp =
        cli().nativeSsh() ? Optional.empty() : Executables.find("scp", session().env());
    if (scp.isPresent()) {
      return new SystemTransport(scp.get(), null, stdio);
    }
    return new NativeTransport();
  }

  private Transport rsync(Stdio stdio, MachineSsh fromSsh, MachineSsh toSsh) throws CliException {
    if (cli().nativeSsh()) {
      throw new CliException(
          ExitCodes.USAGE,
          "-d copies with rsync over the system ssh, which --native-ssh (or MACHINE_NATIVE_SSH)"
              + " turns off: drop one of them",
          null);
    }
    Path rsync =
        Executables.find("rsync", session().env())
            .orElseThrow(
                () ->
                    new CliException(
                        "-d copies with rsync, which is not installed on this host: install it"
                            + " (e.g. \"apt-get install rsync\") or copy without -d"));
    Path ssh =
        Executables.find("ssh", session().env())
            .orElseThrow(
                () ->
                    new CliException(
                        "-d copies with rsync over ssh, and ssh is not installed on this host:"
                            + " install OpenSSH's client or copy without -d"));
    for (MachineSsh machine : new MachineSsh[] {fromSsh, toSsh}) {
      if (machine != null) {
        requireRsync(machine);
      }
    }
    return new SystemTransport(rsync, ssh, stdio);
  }

  private static void requireRsync(MachineSsh machine) throws CliException {
    CommandResult result;
    try (SshjClient client = machine.connect()) {
      result = client.run("command -v rsync");
    } catch (DriverException e) {
      throw machine.failure(e);
    }
    if (!result.isSuccess()) {
      throw new CliException(
          String.format(
              "-d copies with rsync, which is not installed on machine \"%s\": install it there"
                  + " (e.g. \"machine ssh %s sudo apt-get install -y rsync\") or copy without -d",
              machine.machine(), machine.machine()));
    }
  }

  /** Machine to machine: down into a private directory here, then up from it. */
  private void betweenMachines(
      Transport transport, ScpArgument from, MachineSsh fromSsh, ScpArgument to, MachineSsh toSsh)
      throws CliException {
    Path staging;
    try {
      staging = Files.createTempDirectory("machine-scp-");
    } catch (IOException e) {
      throw new CliException(
          "cannot make a temporary directory to copy between machines: " + e.getMessage());
    }
    try {
      transport.download(
          fromSsh,
          from.path(),
          staging.toString(),
          "copying " + from + " to this host, on its way to " + to);
      List<String> copied;
      try (Stream<Path> entries = Files.list(staging)) {
        copied = entries.sorted().map(Path::toString).toList();
      }
      if (copied.isEmpty()) {
        throw new CliException(String.format("cannot copy %s: nothing was copied from it", from));
      }
      transport.upload(toSsh, copied, to.path(), "copying " + from + " to " + to);
    } catch (IOException e) {
      throw new CliException("cannot read the temporary copy in " + staging + ": " + e);
    } finally {
      deleteTree(staging);
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      // a private temporary directory: left for the system to clean
    }
  }

  /** scp, or rsync over ssh, as child processes. */
  private final class SystemTransport implements Transport {
    private final Path program;
    private final Path rsyncSsh;
    private final Stdio stdio;

    /**
     * @param rsyncSsh the ssh rsync runs over, or {@code null} when {@code program} is scp
     */
    SystemTransport(Path program, Path rsyncSsh, Stdio stdio) {
      this.program = program;
      this.rsyncSsh = rsyncSsh;
      this.stdio = stdio;
    }

    @Override
    public void upload(MachineSsh machine, List<String> local, String remote, String what)
        throws CliException {
      List<End> sources = new ArrayList<>();
      local.forEach(path -> sources.add(End.local(path)));
      run(machine, sources, End.remote(machine.target(), remote), what);
    }

    @Override
    public void download(MachineSsh machine, String remote, String local, String what)
        throws CliException {
      run(machine, List.of(End.remote(machine.target(), remote)), End.local(local), what);
    }

    private void run(MachineSsh machine, List<End> from, End to, String what) throws CliException {
      List<String> args;
      try {
        args =
            rsyncSsh == null
                ? SystemCopy.scp(program, from, to, recursive, quiet)
                : SystemCopy.rsync(program, rsyncSsh, from, to, recursive, quiet);
      } catch (DriverException e) {
        throw machine.failure(e);
      } catch (IllegalArgumentException e) {
        throw new CliException(what + " failed: " + e.getMessage());
      }
      int status;
      try {
        status = ChildProcess.run(args, null, stdio);
      } catch (IOException e) {
        throw new CliException(
            String.format(
                "%s failed: cannot start %s (%s)%s",
                what,
                program,
                e.getMessage(),
                rsyncSsh == null ? "; use --native-ssh for the built-in client" : ""));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CliException(ExitCodes.INTERRUPTED, what + " was interrupted", e);
      }
      if (status == 0) {
        return;
      }
      if (status == 255 || (rsyncSsh != null && status == 12)) {
        // the connection failed (scp and ssh say 255; rsync 12 when ssh went away)
        machine.explainFailure();
      }
      throw new CliException(
          String.format(
              "%s failed: %s exited with status %d (its message is above)",
              what, program.getFileName(), status));
    }
  }

  /** The built-in client's scp. */
  private final class NativeTransport implements Transport {
    @Override
    public void upload(MachineSsh machine, List<String> local, String remote, String what)
        throws CliException {
      try (SshjClient client = machine.connect()) {
        for (String path : local) {
          client.upload(Path.of(path), remote, recursive);
        }
      } catch (DriverException e) {
        throw machine.failure(e);
      }
    }

    @Override
    public void download(MachineSsh machine, String remote, String local, String what)
        throws CliException {
      try (SshjClient client = machine.connect()) {
        client.download(remote, Path.of(local), recursive);
      } catch (DriverException e) {
        throw machine.failure(e);
      }
    }
  }
}
