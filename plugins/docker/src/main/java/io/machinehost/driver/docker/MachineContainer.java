package io.machinehost.driver.docker;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Ports;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.MachineState;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A machine's container as the engine sees it: its name and labels, how it is found, its state in
 * machine terms, and the host ports its SSH and Docker ports are published on.
 */
final class MachineContainer {
  /** Marks a container as made by this driver. */
  static final String DRIVER_LABEL = "io.machinehost.driver";

  /** The machine's name. */
  static final String MACHINE_LABEL = "io.machinehost.machine";

  /** The store the machine belongs to. */
  static final String STORE_LABEL = "io.machinehost.store";

  static final String NAME_PREFIX = "machinehost-";
  static final int SSH_PORT = 22;
  static final int ENGINE_PORT = 2376;

  private final InspectContainerResponse inspect;

  private MachineContainer(InspectContainerResponse inspect) {
    this.inspect = inspect;
  }

  /** Returns the container name of a machine. */
  static String nameOf(String machine) {
    return NAME_PREFIX + machine;
  }

  /** Returns the labels that make a container this machine's. */
  static Map<String, String> labels(String machine, String store) {
    return Map.of(DRIVER_LABEL, "docker", MACHINE_LABEL, machine, STORE_LABEL, store);
  }

  /**
   * Finds a machine's container: by its ID once Create has recorded one, otherwise (a Create that
   * never finished) by its name, if this driver made it for this machine.
   */
  static Optional<MachineContainer> find(
      DockerEngine engine, String id, String machine, String store) throws DriverException {
    if (id != null && !id.isEmpty()) {
      return inspect(engine, id);
    }
    return inspect(engine, nameOf(machine)).filter(c -> c.belongsTo(machine, store));
  }

  /** Inspects a container by ID or name. */
  static Optional<MachineContainer> inspect(DockerEngine engine, String idOrName)
      throws DriverException {
    try {
      return Optional.of(
          new MachineContainer(engine.client().inspectContainerCmd(idOrName).exec()));
    } catch (NotFoundException e) {
      return Optional.empty();
    } catch (RuntimeException e) {
      throw engine.translate("inspect container " + idOrName, e);
    }
  }

  String id() {
    return inspect.getId();
  }

  /** Returns the name without Docker's leading slash. */
  String name() {
    String name = inspect.getName() == null ? "" : inspect.getName();
    return name.startsWith("/") ? name.substring(1) : name;
  }

  Map<String, String> labels() {
    Map<String, String> labels =
        inspect.getConfig() == null ? null : inspect.getConfig().getLabels();
    return labels == null ? Map.of() : labels;
  }

  /** Whether this driver made the container. */
  boolean isOurs() {
    return "docker".equals(labels().get(DRIVER_LABEL));
  }

  /** Whether this driver made the container for this machine of this store. */
  boolean belongsTo(String machine, String store) {
    return isOurs()
        && machine.equals(labels().get(MACHINE_LABEL))
        && store.equals(labels().get(STORE_LABEL));
  }

  /** Returns Docker's status word: created, running, paused, restarting, removing, exited, dead. */
  String status() {
    String status = inspect.getState() == null ? null : inspect.getState().getStatus();
    return status == null ? "" : status.toLowerCase(Locale.ROOT);
  }

  boolean isRunning() {
    return status().equals("running");
  }

  boolean isPaused() {
    return status().equals("paused");
  }

  /** Returns the exit code of a container that has stopped, if the engine tells. */
  Optional<Long> exitCode() {
    return inspect.getState() == null
        ? Optional.empty()
        : Optional.ofNullable(inspect.getState().getExitCodeLong());
  }

  MachineState state() {
    return stateOf(status());
  }

  /** Maps Docker's container status to a machine state. */
  static MachineState stateOf(String status) {
    return switch (status) {
      case "running" -> MachineState.RUNNING;
      case "paused" -> MachineState.PAUSED;
      case "restarting" -> MachineState.STARTING;
      case "removing" -> MachineState.STOPPING;
      case "created", "exited", "dead" -> MachineState.STOPPED;
      default -> MachineState.ERROR;
    };
  }

  /** Returns the host port a container port is published on, if it is (only while it runs). */
  Optional<Integer> publishedPort(int containerPort) {
    if (inspect.getNetworkSettings() == null || inspect.getNetworkSettings().getPorts() == null) {
      return Optional.empty();
    }
    Ports.Binding[] bindings =
        inspect.getNetworkSettings().getPorts().getBindings().get(ExposedPort.tcp(containerPort));
    if (bindings == null) {
      return Optional.empty();
    }
    for (Ports.Binding binding : bindings) {
      String port = binding.getHostPortSpec();
      if (port != null && port.matches("\\d+")) {
        return Optional.of(Integer.parseInt(port));
      }
    }
    return Optional.empty();
  }

  /** Returns who made the container, for messages about a name clash. */
  String describeOwner() {
    if (!isOurs()) {
      return "not made by machinehost";
    }
    return "made by machinehost for the machine \""
        + labels().getOrDefault(MACHINE_LABEL, "?")
        + "\" of the store "
        + labels().getOrDefault(STORE_LABEL, "?");
  }
}
