package io.machinehost.host.command;

import io.machinehost.host.ExitCodes;
import io.machinehost.host.ssh.ChildProcess;
import io.machinehost.host.ssh.Executables;
import io.machinehost.host.ssh.Stdio;
import io.machinehost.host.ssh.Terminal;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.ssh.SshjClient;
import io.machinehost.sdk.ssh.SystemSsh;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code machine ssh}: a login shell on a running machine, or one command there whose exit status
 * becomes the command's own. Uses the system {@code ssh} when there is one (as Docker Machine does)
 * and the native client with {@code --native-ssh}; either way the host key is checked against the
 * one pinned for the machine.
 */
@Command(
    name = "ssh",
    mixinStandardHelpOptions = true,
    modelTransformer = SshCommand.CommandAfterName.class,
    description = {
      "Log in to a machine with SSH, or run a command there.",
      "With a command, its standard input, output and error are this command's, and its exit"
          + " status is this command's. Everything after NAME belongs to the command; a -- before"
          + " it is dropped.",
      "The machine's host key is pinned on first contact; a changed key is refused.",
    },
    footer = {
      "",
      "Examples:",
      "  machine ssh dev",
      "  machine ssh dev -- uname -a",
      "  tar c dir | machine ssh dev tar x -C /tmp"
    })
public final class SshCommand extends MachineCommand {
  static final String ACTION = "cannot run SSH on";

  @Option(
      names = "--accept-new-host-key",
      description =
          "Forget the host key pinned for the machine and pin the key it presents now (after it"
              + " was reinstalled, say). Check the key's fingerprint first if you can.")
  boolean acceptNewHostKey;

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "NAME",
      description = "The machine (default: the machine \"default\").")
  String name;

  @Parameters(
      index = "1..*",
      paramLabel = "COMMAND",
      description = "A command to run instead of a shell, and its arguments.")
  List<String> command = new ArrayList<>();

  /** Options end at the machine's name: what follows is the remote command's, as for ssh. */
  public static final class CommandAfterName implements IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec spec) {
      spec.parser().stopAtPositional(true);
      return spec;
    }
  }

  @Override
  public Integer call() throws CliException {
    String machine = namesOrDefault(name == null ? List.of() : List.of(name)).get(0);
    List<String> remote = command;
    if (!remote.isEmpty() && remote.get(0).equals("--")) {
      remote = remote.subList(1, remote.size());
    }
    MachineSsh ssh = MachineSsh.running(session(), machine, ACTION);
    // The driver is not needed any more: do not keep its plugin running through a long session.
    session().close();
    if (acceptNewHostKey) {
      ssh.forgetHostKey(err());
    }
    Stdio stdio = Stdio.of(cli().environment().stdin(), out(), err());
    Optional<Path> system =
        cli().nativeSsh() ? Optional.empty() : Executables.find("ssh", session().env());
    if (system.isPresent()) {
      return systemSsh(ssh, system.get(), remote, stdio);
    }
    return nativeSsh(ssh, remote, stdio);
  }

  private static int systemSsh(MachineSsh ssh, Path executable, List<String> remote, Stdio stdio)
      throws CliException {
    List<String> args;
    try {
      args = SystemSsh.command(executable, ssh.target(), remote);
    } catch (DriverException e) {
      throw ssh.failure(e);
    }
    int status;
    try {
      status = ChildProcess.run(args, null, stdio);
    } catch (IOException e) {
      throw new CliException(
          String.format(
              "%s machine \"%s\": cannot start %s (%s); use --native-ssh for the built-in client",
              ACTION, ssh.machine(), executable, e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.INTERRUPTED, "interrupted", e);
    }
    if (status == 255) {
      // ssh's own failures are 255; its message (if any) is above, this one says what to do.
      ssh.explainFailure();
    }
    return status;
  }

  private int nativeSsh(MachineSsh ssh, List<String> remote, Stdio stdio) throws CliException {
    try (SshjClient client = ssh.connect()) {
      if (!remote.isEmpty()) {
        return client.exec(String.join(" ", remote), stdio.in(), stdio.out(), stdio.err());
      }
      Optional<Terminal> terminal =
          stdio.inherited() && cli().environment().interactive()
              ? Terminal.open()
              : Optional.empty();
      String term = session().env().getOrDefault("TERM", "xterm");
      if (terminal.isEmpty()) {
        return client.shell(term, 80, 24, stdio.in(), stdio.out());
      }
      int[] size = terminal.get().size();
      Terminal.Restore restore = terminal.get().raw();
      try {
        return client.shell(term, size[0], size[1], stdio.in(), stdio.out());
      } finally {
        restore.close();
      }
    } catch (DriverException e) {
      throw ssh.failure(e);
    }
  }
}
