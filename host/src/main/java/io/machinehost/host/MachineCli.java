package io.machinehost.host;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code machine} command. */
@Command(
    name = "machine",
    mixinStandardHelpOptions = true,
    version = "machine 0.1.0",
    description = "Create and manage machines running Docker, through driver plugins.",
    subcommands = {MachineCli.PluginCommand.class})
public final class MachineCli implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code machine plugin}. */
  @Command(
      name = "plugin",
      mixinStandardHelpOptions = true,
      description = "Driver plugins.",
      subcommands = {
        io.machinehost.host.conformance.PluginTestCommand.class,
        io.machinehost.host.bench.PluginBenchCommand.class
      })
  static final class PluginCommand {}

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new MachineCli()).execute(args));
  }
}
