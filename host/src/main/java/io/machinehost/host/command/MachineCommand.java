package io.machinehost.host.command;

import io.machinehost.host.MachineCli;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** What every {@code machine} subcommand shares: its session and its output streams. */
abstract class MachineCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  MachineCli cli() {
    return (MachineCli) spec.root().userObject();
  }

  Session session() {
    return cli().session();
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /**
   * Returns the names given, or the machine "default" when none were and it exists, as
   * docker-machine does.
   *
   * @throws CliException if no names were given and there is no "default" machine
   */
  List<String> namesOrDefault(List<String> names) throws CliException {
    if (names != null && !names.isEmpty()) {
      return names;
    }
    if (session().store().exists("default")) {
      return List.of("default");
    }
    throw new CliException(
        io.machinehost.host.ExitCodes.USAGE,
        "no machine name given and no \"default\" machine exists; name one (see \"machine ls\")",
        null);
  }
}
