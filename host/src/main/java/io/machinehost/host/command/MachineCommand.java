package io.machinehost.host.command;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.machinehost.host.ExitCodes;
import io.machinehost.host.MachineCli;
import io.machinehost.host.store.MachineNames;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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
   * Asks a yes/no question on stdout and reads the answer from stdin: yes when it starts with y.
   *
   * @param question the question, ending in "(y/n): "
   * @param skip the option that skips the question, for the message when stdin cannot be read
   * @throws CliException if there is no answer to read
   */
  boolean confirm(String question, String skip) throws CliException {
    out().print(question);
    out().flush();
    try {
      BufferedReader in =
          new BufferedReader(new InputStreamReader(cli().environment().stdin(), UTF_8));
      String answer = in.readLine();
      return answer != null && (answer.startsWith("y") || answer.startsWith("Y"));
    } catch (IOException e) {
      throw new CliException("cannot read the answer: " + e.getMessage() + "; use " + skip);
    }
  }

  /**
   * Returns the names given, or the machine "default" when none were and it exists, as
   * docker-machine does.
   *
   * @throws CliException if no names were given and there is no "default" machine, or a name breaks
   *     the naming rule (before anything is touched)
   */
  List<String> namesOrDefault(List<String> names) throws CliException {
    if (names != null && !names.isEmpty()) {
      return checkNames(names);
    }
    if (session().store().exists("default")) {
      return List.of("default");
    }
    throw new CliException(
        ExitCodes.USAGE,
        "no machine name given and no \"default\" machine exists; name one (see \"machine ls\")",
        null);
  }

  /**
   * Returns the names when every one follows the naming rule, so a command touches nothing when any
   * does not.
   *
   * @throws CliException (usage) naming the first name that does not
   */
  static List<String> checkNames(List<String> names) throws CliException {
    for (String name : names) {
      checkName(name);
    }
    return names;
  }

  /**
   * Returns the name when it follows the naming rule.
   *
   * @throws CliException (usage) saying why it does not
   */
  static String checkName(String name) throws CliException {
    try {
      return MachineNames.check(name);
    } catch (MachineNames.InvalidNameException e) {
      throw new CliException(ExitCodes.USAGE, e.getMessage(), e);
    }
  }
}
