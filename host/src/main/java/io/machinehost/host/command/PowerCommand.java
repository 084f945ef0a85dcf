package io.machinehost.host.command;

import io.machinehost.host.driver.MachineDriver;
import io.machinehost.host.store.MachineRecord;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.Operation;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code machine start|stop|restart|kill}: a long driver operation on each machine named, with its
 * progress on stderr; the config the driver returns is saved. A machine already in the wanted state
 * is left alone.
 */
public abstract class PowerCommand extends MachineCommand {
  @Parameters(
      paramLabel = "NAME",
      arity = "0..*",
      description = "Machines (default: the machine \"default\").")
  List<String> names = new ArrayList<>();

  /** The verb, e.g. "start". */
  abstract String verb();

  /** The participle, e.g. "started". */
  abstract String done();

  /** The state after the operation, or {@code null} when it is always run (restart). */
  abstract MachineState target();

  abstract void operate(MachineDriver driver, Operation operation) throws DriverException;

  @Override
  public Integer call() throws CliException {
    List<String> machines = namesOrDefault(names);
    boolean several = machines.stream().distinct().count() > 1;
    boolean terminal = cli().environment().interactive();
    return PerMachine.run(machines, out(), err(), name -> act(name, several, terminal));
  }

  private String act(String name, boolean several, boolean terminal) throws CliException {
    MachineRecord record = session().load(name);
    MachineDriver driver = session().driver(record, session().callTimeout());
    MachineState target = target();
    try {
      if (target != null && driver.getState() == target) {
        return String.format(
            "Machine \"%s\" is already %s.",
            name, target.displayName().toLowerCase(java.util.Locale.ROOT));
      }
    } catch (DriverException e) {
      // the operation itself says what is wrong
    }
    String doing =
        switch (verb()) {
          case "stop" -> "Stopping";
          case "kill" -> "Killing";
          case "restart" -> "Restarting";
          default -> "Starting";
        };
    synchronized (err()) {
      err().printf("%s \"%s\"...%n", doing, name);
      err().flush();
    }
    try (HostOperation operation = new HostOperation(name, err(), terminal, several)) {
      try {
        operate(driver, operation);
        if (target() != MachineState.STOPPED) {
          Provisioning.awaitEngine(session(), record, driver, operation);
        }
      } catch (DriverException e) {
        throw Session.failure(name, "cannot " + verb(), e);
      } finally {
        operation.finishLine();
        if (!driver.getConfigRaw().isEmpty()) {
          session().saveConfig(name, driver.getConfigRaw());
        }
      }
    }
    return String.format("Machine \"%s\" was %s.", name, done());
  }

  /** {@code machine start}. */
  @Command(name = "start", mixinStandardHelpOptions = true, description = "Start machines.")
  public static final class Start extends PowerCommand {
    @Override
    String verb() {
      return "start";
    }

    @Override
    String done() {
      return "started";
    }

    @Override
    MachineState target() {
      return MachineState.RUNNING;
    }

    @Override
    void operate(MachineDriver driver, Operation operation) throws DriverException {
      driver.start(operation);
    }
  }

  /** {@code machine stop}. */
  @Command(
      name = "stop",
      mixinStandardHelpOptions = true,
      description = "Stop machines gracefully.")
  public static final class Stop extends PowerCommand {
    @Override
    String verb() {
      return "stop";
    }

    @Override
    String done() {
      return "stopped";
    }

    @Override
    MachineState target() {
      return MachineState.STOPPED;
    }

    @Override
    void operate(MachineDriver driver, Operation operation) throws DriverException {
      driver.stop(operation);
    }
  }

  /** {@code machine restart}. */
  @Command(name = "restart", mixinStandardHelpOptions = true, description = "Restart machines.")
  public static final class Restart extends PowerCommand {
    @Override
    String verb() {
      return "restart";
    }

    @Override
    String done() {
      return "restarted";
    }

    @Override
    MachineState target() {
      return null;
    }

    @Override
    void operate(MachineDriver driver, Operation operation) throws DriverException {
      driver.restart(operation);
    }
  }

  /** {@code machine kill}. */
  @Command(
      name = "kill",
      mixinStandardHelpOptions = true,
      description = "Stop machines at once, without a graceful shutdown.")
  public static final class Kill extends PowerCommand {
    @Override
    String verb() {
      return "kill";
    }

    @Override
    String done() {
      return "killed";
    }

    @Override
    MachineState target() {
      return MachineState.STOPPED;
    }

    @Override
    void operate(MachineDriver driver, Operation operation) throws DriverException {
      driver.kill(operation);
    }
  }
}
