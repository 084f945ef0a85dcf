package io.machinehost.host.command;

import io.machinehost.host.driver.MachineDriver;
import io.machinehost.host.store.MachineRecord;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.ssh.KnownHosts;
import io.machinehost.sdk.ssh.SshTarget;
import io.machinehost.sdk.ssh.SshjClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How {@code machine ssh} and {@code machine scp} reach one machine: the SSH details its driver
 * reports for a running machine, with the host key pinned in {@code known_hosts} in the machine's
 * directory (the file the driver pins in too), and failures turned into messages naming the
 * machine.
 */
final class MachineSsh {
  static final String KNOWN_HOSTS = "known_hosts";

  private final String machine;
  private final String action;
  private final SshTarget target;

  private MachineSsh(String machine, String action, SshTarget target) {
    this.machine = machine;
    this.action = action;
    this.target = target;
  }

  /**
   * Asks a machine's driver how to reach it over SSH; the machine must be running.
   *
   * @param action what could not be done, for messages: e.g. {@code "cannot run SSH on"}
   * @throws CliException if the machine does not exist or is not running, or the driver fails
   */
  static MachineSsh running(Session session, String machine, String action) throws CliException {
    MachineCommand.checkName(machine);
    MachineRecord record = session.load(machine);
    MachineDriver driver = session.driver(record, session.callTimeout());
    try {
      MachineState state = driver.getState();
      if (state != MachineState.RUNNING) {
        throw new CliException(
            String.format(
                "%s machine \"%s\": it is %s; start it with \"machine start %s\"",
                action, machine, state.displayName(), machine));
      }
      String host = driver.getSshHostname();
      int port = driver.getSshPort();
      String user = driver.getSshUsername();
      String key = driver.getSshKeyPath();
      Path dir = session.store().machineDir(machine);
      Path keyPath = key == null || key.isBlank() ? null : dir.resolve(key);
      SshTarget target;
      try {
        target = new SshTarget(host, port, user, keyPath, dir.resolve(KNOWN_HOSTS));
      } catch (IllegalArgumentException e) {
        throw new CliException(
            String.format(
                "%s machine \"%s\": its driver (%s) reports bad SSH details: %s",
                action, machine, record.driverName(), e.getMessage()));
      }
      return new MachineSsh(machine, action, target);
    } catch (DriverException e) {
      throw Session.failure(machine, action, e);
    }
  }

  String machine() {
    return machine;
  }

  SshTarget target() {
    return target;
  }

  /** Returns this machine reached as another user. */
  MachineSsh as(String user) {
    if (user == null || user.equals(target.user())) {
      return this;
    }
    return new MachineSsh(
        machine,
        action,
        new SshTarget(
            target.host(), target.port(), user, target.privateKey(), target.knownHosts()));
  }

  /** Forgets the host key pinned for the machine, so that the next connection pins a new one. */
  void forgetHostKey(PrintWriter err) throws CliException {
    try {
      int removed = KnownHosts.forget(target.knownHosts(), target.host(), target.port());
      err.printf(
          removed > 0
              ? "Forgot the host key pinned for machine \"%s\" (%s); the key it presents now will"
                  + " be pinned.%n"
              : "No host key was pinned for machine \"%s\" (%s); the key it presents now will be"
                  + " pinned.%n",
          machine,
          KnownHosts.hostPattern(target.host(), target.port()));
      err.flush();
    } catch (IOException e) {
      throw new CliException(
          String.format(
              "cannot forget the host key of machine \"%s\" in %s: %s",
              machine, target.knownHosts(), e.getMessage()));
    }
  }

  /** Connects and logs in with the native client. */
  SshjClient connect() throws CliException {
    try {
      return SshjClient.connect(target);
    } catch (DriverException e) {
      throw failure(e);
    }
  }

  /**
   * After the system client failed to connect (exit status 255), finds out why with the native
   * client, which names the cause and the next step. Returns normally when the native client gets
   * in: then the 255 was the remote command's own status.
   */
  void explainFailure() throws CliException {
    try {
      SshjClient.connect(target, Duration.ofSeconds(10)).close();
    } catch (DriverException e) {
      throw failure(e);
    }
  }

  /** Turns an SSH failure into a command failure naming the machine and the next step. */
  CliException failure(DriverException e) {
    CliException failure = Session.failure(machine, action, e);
    if (!KnownHosts.isChangedKeyRefusal(e)) {
      return failure;
    }
    return new CliException(
        failure.exitCode(),
        String.format(
            "%s; or accept the new key and pin it with \"machine ssh --accept-new-host-key %s\"",
            failure.getMessage(), machine),
        e);
  }
}
