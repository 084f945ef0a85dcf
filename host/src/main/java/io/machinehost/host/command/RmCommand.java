package io.machinehost.host.command;

import io.machinehost.host.ExitCodes;
import io.machinehost.host.driver.MachineDriver;
import io.machinehost.host.store.MachineRecord;
import io.machinehost.host.store.StoreException;
import io.machinehost.sdk.DriverException;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code machine rm}: the driver removes each machine, then the store forgets it. With {@code -f}
 * the store forgets it even when the driver fails or its config is unreadable.
 */
@Command(
    name = "rm",
    aliases = "remove",
    mixinStandardHelpOptions = true,
    description = "Remove machines: what the driver made, then the machine's directory.")
public final class RmCommand extends MachineCommand {
  @Parameters(paramLabel = "NAME", arity = "1..*", description = "The machines to remove.")
  List<String> names;

  @Option(
      names = {"-f", "--force"},
      description =
          "Forget the machine even if the driver cannot remove it (check the provider yourself);"
              + " implies -y.")
  boolean force;

  @Option(
      names = {"-y", "--yes"},
      description = "Do not ask for confirmation.")
  boolean yes;

  @Override
  public Integer call() throws CliException {
    checkNames(names);
    if (!force && !yes) {
      out().printf("About to remove %s%n", String.join(", ", names));
    }
    if (!force && !yes && !confirm("Are you sure? (y/n): ", "-y")) {
      out().println("Nothing was removed.");
      return ExitCodes.FAILURE;
    }
    boolean terminal = cli().environment().interactive();
    boolean several = names.stream().distinct().count() > 1;
    return PerMachine.run(names, out(), err(), name -> remove(name, several, terminal));
  }

  private String remove(String name, boolean several, boolean terminal) throws CliException {
    Session session = session();
    if (!session.store().exists(name)) {
      throw new CliException(
          String.format("machine \"%s\" does not exist; run \"machine ls\"", name));
    }
    MachineRecord record;
    try {
      record = session.store().load(name);
    } catch (StoreException e) {
      if (!force) {
        throw new CliException(ExitCodes.FAILURE, e.getMessage(), e);
      }
      forget(name);
      return String.format(
          "Successfully removed %s (its config was unreadable: what its driver made, if anything,"
              + " was not removed)",
          name);
    }
    String warning = "";
    try (HostOperation operation = new HostOperation(name, err(), terminal, several)) {
      MachineDriver driver = session.driver(record, session.callTimeout());
      driver.remove(operation);
    } catch (DriverException | CliException e) {
      if (!force) {
        String reason =
            e instanceof DriverException d
                ? Session.failure(name, "cannot remove", d).getMessage()
                : e.getMessage();
        throw new CliException(
            ExitCodes.of(e),
            reason + String.format("; \"machine rm -f %s\" forgets it anyway", name),
            e);
      }
      warning =
          String.format(
              " (the driver could not remove it: %s; check the provider yourself)", e.getMessage());
    }
    forget(name);
    return "Successfully removed " + name + warning;
  }

  private void forget(String name) throws CliException {
    try {
      session().store().remove(name);
    } catch (StoreException e) {
      throw new CliException(ExitCodes.FAILURE, e.getMessage(), e);
    }
  }
}
