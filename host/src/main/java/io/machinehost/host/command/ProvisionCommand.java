package io.machinehost.host.command;

import io.machinehost.host.driver.MachineDriver;
import io.machinehost.host.provision.Provisioner;
import io.machinehost.host.store.MachineRecord;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.MachineState;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code machine provision}: runs provisioning again on running machines (after a failed one, or to
 * apply the machine's engine options again); running it twice gives the same machine.
 */
@Command(
    name = "provision",
    mixinStandardHelpOptions = true,
    description = "Install and configure the Docker engine on machines again.")
public final class ProvisionCommand extends MachineCommand {
  @Parameters(
      paramLabel = "NAME",
      arity = "0..*",
      description = "Machines (default: the machine \"default\").")
  List<String> names = new ArrayList<>();

  @Override
  public Integer call() throws CliException {
    List<String> machines = namesOrDefault(names);
    boolean several = machines.stream().distinct().count() > 1;
    boolean terminal = cli().environment().interactive();
    return PerMachine.run(
        machines,
        out(),
        err(),
        name -> provision(session(), err(), name, several, terminal, false));
  }

  /**
   * Provisions one running machine whose driver supports it.
   *
   * @return the line to print when it succeeded
   */
  static String provision(
      Session session,
      java.io.PrintWriter err,
      String name,
      boolean several,
      boolean terminal,
      boolean renewCertificate)
      throws CliException {
    MachineRecord record = session.load(name);
    MachineDriver driver = session.driver(record, session.callTimeout());
    Provisioning.requireSupported(record, driver);
    try {
      MachineState state = driver.getState();
      if (state != MachineState.RUNNING) {
        throw new CliException(
            String.format(
                "machine \"%s\" is not running (state %s); start it with \"machine start %s\"",
                name, state.displayName(), name));
      }
    } catch (DriverException e) {
      throw Session.failure(name, "cannot get the state of", e);
    }
    synchronized (err) {
      err.printf("Provisioning \"%s\"...%n", name);
      err.flush();
    }
    try (HostOperation operation = new HostOperation(name, err, terminal, several)) {
      Provisioner.Result result =
          Provisioning.run(session, record, driver, operation, false, renewCertificate);
      return String.format(
          "Machine \"%s\" runs Docker %s (%s)%s.",
          name,
          result.engineVersion(),
          result.os().prettyName().isBlank() ? result.os().id() : result.os().prettyName(),
          result.restarted() ? "; the engine was restarted" : "");
    }
  }
}
