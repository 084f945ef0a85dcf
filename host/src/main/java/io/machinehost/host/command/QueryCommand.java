package io.machinehost.host.command;

import io.machinehost.host.driver.MachineDriver;
import io.machinehost.host.store.MachineRecord;
import io.machinehost.sdk.DriverException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code machine status|ip|url}: one value asked of each machine's driver. */
public abstract class QueryCommand extends MachineCommand {
  @Parameters(
      paramLabel = "NAME",
      arity = "0..*",
      description = "Machines (default: the machine \"default\").")
  List<String> names = new ArrayList<>();

  abstract String ask(MachineDriver driver) throws DriverException;

  abstract String what();

  @Override
  public Integer call() throws CliException {
    List<String> machines = namesOrDefault(names);
    return PerMachine.run(
        machines,
        out(),
        err(),
        name -> {
          MachineRecord record = session().load(name);
          MachineDriver driver = session().driver(record, session().callTimeout());
          try {
            return ask(driver);
          } catch (DriverException e) {
            throw Session.failure(name, "cannot get the " + what() + " of", e);
          }
        });
  }

  /** {@code machine status}. */
  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Print the state of machines.")
  public static final class Status extends QueryCommand {
    @Override
    String ask(MachineDriver driver) throws DriverException {
      return driver.getState().displayName();
    }

    @Override
    String what() {
      return "state";
    }
  }

  /** {@code machine ip}. */
  @Command(
      name = "ip",
      mixinStandardHelpOptions = true,
      description = "Print the IP address of machines.")
  public static final class Ip extends QueryCommand {
    @Override
    String ask(MachineDriver driver) throws DriverException {
      return driver.getIp();
    }

    @Override
    String what() {
      return "IP address";
    }
  }

  /** {@code machine url}. */
  @Command(
      name = "url",
      mixinStandardHelpOptions = true,
      description = "Print the Docker URL of machines.")
  public static final class Url extends QueryCommand {
    @Override
    String ask(MachineDriver driver) throws DriverException {
      return driver.getUrl();
    }

    @Override
    String what() {
      return "URL";
    }
  }
}
