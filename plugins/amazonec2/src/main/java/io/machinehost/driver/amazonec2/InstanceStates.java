package io.machinehost.driver.amazonec2;

import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.Operation;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/** EC2 instance states as machine states, and waiting for an instance to reach one. */
final class InstanceStates {
  /** How long an instance may take to start or stop. */
  static final Duration WAIT = Duration.ofMinutes(5);

  private InstanceStates() {}

  /**
   * Maps EC2's state names as Docker Machine's amazonec2 driver did, except that a terminated
   * instance is NotFound (it is gone for good) rather than Error.
   */
  static MachineState of(String ec2State) {
    return switch (ec2State) {
      case "pending" -> MachineState.STARTING;
      case "running" -> MachineState.RUNNING;
      case "stopping", "shutting-down" -> MachineState.STOPPING;
      case "stopped" -> MachineState.STOPPED;
      case "terminated" -> MachineState.NOT_FOUND;
      default -> MachineState.ERROR;
    };
  }

  /**
   * Polls the instance until it is in one of the wanted states, reporting progress, honouring
   * cancellation (the sleeping thread is interrupted).
   *
   * @return the instance as last seen
   * @throws DriverException NOT_FOUND if it vanished, TIMEOUT after {@link #WAIT}, CANCELLED
   */
  static Ec2Api.Instance await(
      Ec2Api api, String instanceId, Set<String> wanted, String step, Operation operation)
      throws DriverException {
    long started = System.nanoTime();
    long deadline = started + WAIT.toNanos();
    long pause = 250;
    String last = "";
    while (true) {
      Optional<Ec2Api.Instance> seen = api.instance(instanceId);
      if (seen.isEmpty() || seen.get().state().equals("terminated")) {
        throw DriverException.notFound(
            "the instance %s is %s", instanceId, seen.isEmpty() ? "gone" : "terminated");
      }
      Ec2Api.Instance instance = seen.get();
      if (wanted.contains(instance.state())) {
        return instance;
      }
      if (!instance.state().equals(last)) {
        last = instance.state();
        double elapsed = (System.nanoTime() - started) / (double) WAIT.toNanos();
        operation.progress(
            step, "The instance " + instanceId + " is " + last, Math.min(0.95, 0.5 + elapsed / 2));
      }
      if (System.nanoTime() > deadline) {
        throw DriverException.timeout(
            "the instance %s is still %s after %d minutes (waiting for %s); check it in the EC2"
                + " console",
            instanceId, last, WAIT.toMinutes(), String.join(" or ", wanted));
      }
      operation.checkCancelled();
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw DriverException.cancelled("waiting for the instance %s was cancelled", instanceId);
      }
      pause = Math.min(pause * 2, 3000);
    }
  }
}
