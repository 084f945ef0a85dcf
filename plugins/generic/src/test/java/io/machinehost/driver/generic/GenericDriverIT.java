package io.machinehost.driver.generic;

import static org.assertj.core.api.Assertions.assertThat;

import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.Operation;
import io.machinehost.sdk.rpc.GrpcDriverClient;
import io.machinehost.sdk.ssh.Ssh;
import io.machinehost.sdk.ssh.SshKeys;
import io.machinehost.sdk.ssh.SshTarget;
import io.machinehost.sdk.testing.DriverHarness;
import io.machinehost.testsupport.SshdTargetContainer;
import io.machinehost.testsupport.Testbed;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The generic driver against real OpenSSH in the test bench's sshd-target container. */
@ExtendWith(Testbed.class)
@Timeout(120)
class GenericDriverIT {
  @TempDir Path dir;
  @AutoClose DriverHarness harness = new DriverHarness(GenericDriver::new);

  private GrpcDriverClient create(SshdTargetContainer host, Path key, List<String> steps)
      throws DriverException {
    GrpcDriverClient machine = harness.machine("generic-it");
    harness.configure(
        machine,
        Map.of(
            GenericDriver.IP_FLAG,
            "127.0.0.1",
            GenericDriver.PORT_FLAG,
            (long) host.sshPort(),
            GenericDriver.USER_FLAG,
            SshdTargetContainer.USER,
            GenericDriver.KEY_FLAG,
            key.toString()));
    machine.preCreateCheck();
    machine.create(new Steps(steps));
    return machine;
  }

  private static void awaitState(GrpcDriverClient machine, MachineState expected)
      throws DriverException, InterruptedException {
    MachineState state = machine.getState();
    while (state != expected) {
      Thread.sleep(200);
      state = machine.getState();
    }
  }

  private static SshTarget target(GrpcDriverClient machine) throws DriverException {
    return SshTarget.of(
            machine.getSshHostname(),
            machine.getSshPort(),
            machine.getSshUsername(),
            Path.of(machine.getSshKeyPath()))
        .withKnownHosts(Path.of(machine.getSshKeyPath()).resolveSibling("known_hosts"));
  }

  @Test
  void create_containerStoppedAndStarted_stateFollows() throws Exception {
    Path key = dir.resolve("id_ed25519");
    try (SshdTargetContainer host = new SshdTargetContainer(SshKeys.generate(key))) {
      host.start();
      List<String> steps = new CopyOnWriteArrayList<>();

      GrpcDriverClient machine = create(host, key, steps);

      assertThat(steps).containsSubsequence("copy-key", "wait-ssh", "ssh-ready");
      assertThat(machine.getState()).isEqualTo(MachineState.RUNNING);
      assertThat(machine.getUrl()).isEqualTo("tcp://127.0.0.1:2376");
      assertThat(Ssh.run(target(machine), "sudo -n id -u").stdout()).isEqualTo("0\n");

      host.stopKeeping();
      assertThat(machine.getState()).isEqualTo(MachineState.STOPPED);

      host.startAgain();
      awaitState(machine, MachineState.RUNNING);
      assertThat(Ssh.run(target(machine), "echo back").stdout()).isEqualTo("back\n");
    }
  }

  @Test
  void stopRestartKill_overSsh_powerTheHost() throws Exception {
    Path key = dir.resolve("id_ed25519");
    try (SshdTargetContainer host = new SshdTargetContainer(SshKeys.generate(key))) {
      host.start();
      GrpcDriverClient machine = create(host, key, new CopyOnWriteArrayList<>());

      machine.stop(Operation.none());
      assertThat(machine.getState()).isEqualTo(MachineState.STOPPED);
      awaitExit(host);

      host.startAgain();
      awaitState(machine, MachineState.RUNNING);
      List<String> steps = new CopyOnWriteArrayList<>();
      machine.restart(new Steps(steps));
      assertThat(steps).containsSubsequence("restart", "wait-restart", "wait-ssh");
      assertThat(machine.getState()).isEqualTo(MachineState.RUNNING);
      assertThat(host.restartCount()).isEqualTo(1);
      // The same machine after a reboot: its pinned host key is still accepted.
      assertThat(Ssh.run(target(machine), "echo rebooted").stdout()).isEqualTo("rebooted\n");

      machine.kill(Operation.none());
      assertThat(machine.getState()).isEqualTo(MachineState.STOPPED);
      awaitExit(host);

      machine.stop(Operation.none()); // stopping a stopped host succeeds
      machine.remove(Operation.none());
    }
  }

  private static void awaitExit(SshdTargetContainer host) throws InterruptedException {
    while (host.isRunningNow()) {
      Thread.sleep(200);
    }
  }

  /** Records progress steps. */
  private static final class Steps implements Operation {
    private final List<String> steps;

    Steps(List<String> steps) {
      this.steps = steps;
    }

    @Override
    public void progress(String step, String message) {
      steps.add(step);
    }

    @Override
    public void progress(String step, String message, double fraction) {
      steps.add(step);
    }

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public void onCancel(Runnable action) {}
  }
}
