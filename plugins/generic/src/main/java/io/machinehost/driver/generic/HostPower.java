package io.machinehost.driver.generic;

import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.Operation;
import io.machinehost.sdk.ssh.CommandResult;
import io.machinehost.sdk.ssh.Ssh;
import io.machinehost.sdk.ssh.SshClient;
import io.machinehost.sdk.ssh.SshTarget;
import io.machinehost.sdk.ssh.SshjClient;
import java.time.Duration;

/** Powers a host off or reboots it with commands over SSH, and waits for the outcome. */
final class HostPower {
  static final int STATE_TIMEOUT_SECONDS = 5;

  private static final Duration STATE_TIMEOUT = Duration.ofSeconds(STATE_TIMEOUT_SECONDS);
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration POWER_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration DOWN_WINDOW = Duration.ofSeconds(30);
  private static final Duration POLL = Duration.ofMillis(500);

  /** What changes when a Linux host boots: the boot ID, and process 1's start time (containers). */
  private static final String BOOT_MARKER =
      "cat /proc/sys/kernel/random/boot_id 2>/dev/null;"
          + " sed 's/.*) //' /proc/1/stat 2>/dev/null | cut -d' ' -f20";

  private final SshTarget target;
  private final Operation operation;

  HostPower(SshTarget target, Operation operation) {
    this.target = target;
    this.operation = operation;
  }

  /** Whether an SSH server answers, within {@value #STATE_TIMEOUT_SECONDS} s. */
  static boolean answers(String host, int port) {
    return Ssh.answers(host, port, STATE_TIMEOUT);
  }

  private boolean answers() {
    return answers(target.host(), target.port());
  }

  /** Runs a power-off command unless the host is off already, then waits until it is. */
  void powerOff(String step, String command) throws DriverException {
    if (!answers()) {
      operation.progress(step, "The host at " + target.host() + " is stopped already");
      return;
    }
    run(step, command);
    operation.progress("wait-stopped", "Waiting for " + target.host() + " to stop");
    awaitSilence(POWER_TIMEOUT, true);
  }

  /** Runs a reboot command, then waits until SSH answers from the new boot. */
  void reboot(String command) throws DriverException {
    String before;
    try {
      before = bootMarker();
    } catch (DriverException e) {
      if (e.code() != DriverException.Code.UNAVAILABLE) {
        throw e;
      }
      // A host just started may answer before it lets anyone log in: wait for that once.
      Ssh.waitFor(target, COMMAND_TIMEOUT, operation);
      before = bootMarker();
    }
    run("restart", command);
    operation.progress("wait-restart", "Waiting for " + target.host() + " to reboot");
    if (before.isEmpty()) {
      // No boot marker (not Linux): look for the host going away, then for SSH.
      awaitSilence(DOWN_WINDOW, false);
      operation.progress("wait-ssh", "Waiting for SSH on " + target);
      Ssh.waitFor(target, POWER_TIMEOUT, operation);
      return;
    }
    long deadline = System.nanoTime() + POWER_TIMEOUT.toNanos();
    operation.progress("wait-ssh", "Waiting for SSH on " + target);
    while (true) {
      Ssh.waitFor(target, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), operation);
      String now;
      try {
        now = bootMarker();
      } catch (DriverException e) {
        if (e.code() != DriverException.Code.UNAVAILABLE) {
          throw e;
        }
        now = before; // it went down between the wait and the look: look again
      }
      if (!now.isEmpty() && !now.equals(before)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw DriverException.timeout(
            "the host at %s did not reboot within %s", target.host(), POWER_TIMEOUT);
      }
      pause();
    }
  }

  private String bootMarker() throws DriverException {
    return Ssh.run(target, BOOT_MARKER, COMMAND_TIMEOUT).stdout().strip();
  }

  /** Runs a power command, with {@code sudo -n} unless the user is root. */
  private void run(String step, String command) throws DriverException {
    String line = "root".equals(target.user()) ? command : "sudo -n " + command;
    operation.progress(step, "Running \"" + line + "\" on " + target);
    CommandResult result;
    try (SshClient client = SshjClient.connect(target)) {
      try {
        result = client.run(line, new byte[0], COMMAND_TIMEOUT);
      } catch (DriverException e) {
        if (e.code() == DriverException.Code.UNAVAILABLE
            || e.code() == DriverException.Code.TIMEOUT) {
          return; // the host went down under the command, as it should: the caller checks
        }
        throw e;
      }
    }
    if (result.exitStatus() != CommandResult.NO_EXIT_STATUS) {
      result.orThrow("\"" + line + "\" on " + target);
    }
  }

  /**
   * Waits until SSH no longer answers. With {@code required}, not seeing that in time is a TIMEOUT;
   * otherwise (a reboot may be quicker than the polls) the wait just ends.
   */
  private void awaitSilence(Duration timeout, boolean required) throws DriverException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (answers()) {
      operation.checkCancelled();
      if (System.nanoTime() > deadline) {
        if (!required) {
          return;
        }
        throw DriverException.timeout(
            "the host at %s still answers SSH %s after the command", target.host(), timeout);
      }
      pause();
    }
  }

  private void pause() throws DriverException {
    try {
      Thread.sleep(POLL.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw DriverException.cancelled("waiting for the host at %s was cancelled", target.host());
    }
  }
}
