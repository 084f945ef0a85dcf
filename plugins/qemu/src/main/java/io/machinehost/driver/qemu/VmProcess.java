package io.machinehost.driver.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.MachineState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A machine's QEMU process, found through the pidfile in the machine directory and checked to be
 * this machine's (a reused PID is never taken for it), and driven through its QMP socket.
 */
final class VmProcess {
  private static final Duration QMP_TIMEOUT = Duration.ofSeconds(5);

  private final Path machineDir;

  VmProcess(Path machineDir) {
    this.machineDir = machineDir;
  }

  Path qmpSocket() {
    return machineDir.resolve(VmCommand.QMP);
  }

  /** Returns the running QEMU of this machine, if any. */
  Optional<ProcessHandle> find() {
    Path pidfile = machineDir.resolve(VmCommand.PIDFILE);
    long pid;
    try {
      pid = Long.parseLong(Files.readString(pidfile).strip());
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
    String disk = machineDir.resolve(VmCommand.DISK).toString();
    return ProcessHandle.of(pid)
        .filter(ProcessHandle::isAlive)
        .filter(p -> p.info().commandLine().map(c -> c.contains(disk)).orElse(false));
  }

  /** Returns the machine's state from the process and QMP {@code query-status}. */
  MachineState state() {
    if (find().isEmpty()) {
      return MachineState.STOPPED;
    }
    JsonNode status;
    try {
      status = Qmp.execute(qmpSocket(), "query-status", QMP_TIMEOUT);
    } catch (Qmp.QmpException e) {
      // the process runs but QMP does not answer: QEMU is wedged, or has only just started
      return find().isPresent() ? MachineState.ERROR : MachineState.STOPPED;
    }
    return switch (status.path("status").asText()) {
      case "running" -> MachineState.RUNNING;
      case "paused", "suspended", "debug", "save-vm" -> MachineState.PAUSED;
      case "shutdown" -> MachineState.STOPPING;
      case "prelaunch", "inmigrate", "restore-vm", "finish-migrate", "postmigrate" ->
          MachineState.STARTING;
      default -> MachineState.ERROR; // internal-error, io-error, guest-panicked, watchdog, …
    };
  }

  /**
   * Launches QEMU (it daemonizes: the VM outlives this process) and returns once it runs.
   *
   * @throws DriverException UNAVAILABLE with QEMU's own words when it refuses to start
   */
  void launch(List<String> arguments) throws DriverException {
    removeStaleFiles();
    Programs.Result result = Programs.run(arguments, Duration.ofMinutes(2));
    if (result.exitCode() != 0) {
      String why = result.tail();
      if (why.contains("host forwarding rule")) {
        throw DriverException.unavailable(
            "QEMU cannot forward the machine's ports (another program listens on one of them):"
                + " %s; free the port, or remove and recreate the machine",
            why);
      }
      throw DriverException.unavailable(
          "QEMU did not start: %s", why.isEmpty() ? "no output" : why);
    }
    if (find().isEmpty()) {
      throw DriverException.unavailable(
          "QEMU exited right after it started; see the console log %s",
          machineDir.resolve(VmCommand.CONSOLE));
    }
  }

  /** Asks the guest to power off (ACPI), as a power button press does. */
  void powerdown() throws DriverException {
    try {
      Qmp.execute(qmpSocket(), "system_powerdown", QMP_TIMEOUT);
    } catch (Qmp.QmpException e) {
      throw DriverException.unavailable("cannot ask the VM to power off: %s", e.getMessage());
    }
  }

  /** Waits until the process is gone; returns whether it is. */
  boolean awaitExit(Duration timeout) throws DriverException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (find().isPresent()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw DriverException.cancelled("interrupted while waiting for QEMU to exit");
      }
    }
    removeStaleFiles();
    return true;
  }

  /** Ends QEMU now: QMP {@code quit}, then SIGKILL if it lingers. Nothing running is fine. */
  void quit() throws DriverException {
    Optional<ProcessHandle> process = find();
    if (process.isEmpty()) {
      removeStaleFiles();
      return;
    }
    try {
      Qmp.execute(qmpSocket(), "quit", QMP_TIMEOUT);
    } catch (Qmp.QmpException e) {
      // a wedged QEMU does not answer, and a quitting one may close before it replies
    }
    if (!awaitExit(Duration.ofSeconds(5))) {
      process.get().destroyForcibly();
      if (!awaitExit(Duration.ofSeconds(5))) {
        throw DriverException.unavailable(
            "QEMU (pid %d) of %s does not exit even when killed", process.get().pid(), machineDir);
      }
    }
  }

  /** Removes the pidfile and the QMP socket a QEMU that is gone left behind. */
  void removeStaleFiles() {
    if (find().isPresent()) {
      return;
    }
    for (String file : List.of(VmCommand.PIDFILE, VmCommand.QMP)) {
      try {
        Files.deleteIfExists(machineDir.resolve(file));
      } catch (IOException e) {
        // the next launch overwrites them
      }
    }
  }
}
