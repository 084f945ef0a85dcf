package io.machinehost.driver.generic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.machinehost.sdk.CreateFlag;
import io.machinehost.sdk.Driver;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.FlagValues;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.Operation;
import io.machinehost.sdk.rpc.GrpcDriverClient;
import io.machinehost.sdk.ssh.SshKeys;
import io.machinehost.sdk.testing.DriverHarness;
import io.machinehost.testsupport.EmbeddedSshd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class GenericDriverTest {
  @TempDir Path dir;
  @AutoClose DriverHarness harness = new DriverHarness(GenericDriver::new);
  private Path key;
  private volatile EmbeddedSshd sshd;

  @BeforeEach
  void startHost() throws Exception {
    key = dir.resolve("id_ed25519");
    SshKeys.generate(key);
    sshd = startSshd(0);
  }

  private EmbeddedSshd startSshd(int port) throws IOException {
    return EmbeddedSshd.start(
        dir.resolve("host_key"), EmbeddedSshd.publicKeyLine(SshKeys.publicKeyPath(key)), port);
  }

  @AfterEach
  void stopHost() {
    sshd.close();
  }

  private Map<String, Object> flags(String user) {
    Map<String, Object> flags = new HashMap<>();
    flags.put(GenericDriver.IP_FLAG, "127.0.0.1");
    flags.put(GenericDriver.PORT_FLAG, (long) sshd.port());
    flags.put(GenericDriver.KEY_FLAG, key.toString());
    flags.put(GenericDriver.USER_FLAG, user);
    return flags;
  }

  private GrpcDriverClient created(String user) throws DriverException {
    return harness.create("m1", flags(user));
  }

  private static DriverException.Code codeOf(Throwable e) {
    return ((DriverException) e).code();
  }

  @Test
  void getCreateFlags_any_areDockerMachinesWithDefaultsAndEnvVars() throws Exception {
    List<CreateFlag> flags = harness.machine("m1").getCreateFlags();

    assertThat(flags)
        .extracting(CreateFlag::name, CreateFlag::envVar, CreateFlag::defaultValue)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "generic-engine-port", "GENERIC_ENGINE_PORT", 2376L),
            org.assertj.core.groups.Tuple.tuple("generic-ip-address", "GENERIC_IP_ADDRESS", null),
            org.assertj.core.groups.Tuple.tuple("generic-ssh-user", "GENERIC_SSH_USER", "root"),
            org.assertj.core.groups.Tuple.tuple("generic-ssh-key", "GENERIC_SSH_KEY", null),
            org.assertj.core.groups.Tuple.tuple("generic-ssh-port", "GENERIC_SSH_PORT", 22L));
    assertThat(flags.get(1).required()).isTrue();
    assertThat(flags.get(4).max()).isEqualTo(65535L);
  }

  @Test
  void configure_noIpAddress_invalidArgumentNamingFlag() {
    assertThatThrownBy(() -> harness.configure(harness.machine("m1"), Map.of()))
        .isInstanceOfSatisfying(
            DriverException.class, e -> assertThat(e.flag()).contains(GenericDriver.IP_FLAG))
        .hasMessageContaining("--generic-ip-address");
  }

  @Test
  void configure_sshPortOutOfRange_invalidArgument() {
    Map<String, Object> flags = flags("root");
    flags.put(GenericDriver.PORT_FLAG, 70000L);

    assertThatThrownBy(() -> harness.configure(harness.machine("m1"), flags))
        .isInstanceOfSatisfying(
            DriverException.class, e -> assertThat(e.flag()).contains(GenericDriver.PORT_FLAG));
  }

  @Test
  void preCreateCheck_missingKey_invalidArgumentNamingFlag() throws Exception {
    Driver machine = harness.machine("m1");
    Map<String, Object> flags = flags("root");
    flags.put(GenericDriver.KEY_FLAG, dir.resolve("missing").toString());
    harness.configure(machine, flags);

    assertThatThrownBy(machine::preCreateCheck)
        .isInstanceOfSatisfying(
            DriverException.class,
            e -> {
              assertThat(e.code()).isEqualTo(DriverException.Code.INVALID_ARGUMENT);
              assertThat(e.flag()).contains(GenericDriver.KEY_FLAG);
            })
        .hasMessageContaining("SSH key does not exist: \"" + dir.resolve("missing") + "\"");
  }

  @Test
  void create_reachableHost_copiesKeyOwnerOnlyPinsHostKeyAndReportsProgress() throws Exception {
    GrpcDriverClient machine = harness.machine("m1");
    harness.configure(machine, flags("root"));
    machine.preCreateCheck();
    Recording operation = new Recording();

    machine.create(operation);

    Path machineDir = harness.storePath().resolve("machines").resolve("m1");
    Path copy = machineDir.resolve("id_ed25519");
    assertThat(machine.getSshKeyPath()).isEqualTo(copy.toString());
    assertThat(Files.readString(copy)).isEqualTo(Files.readString(key));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(copy)))
        .isEqualTo("rw-------");
    assertThat(machineDir.resolve("id_ed25519.pub")).exists();
    assertThat(Files.readString(machineDir.resolve("known_hosts")))
        .startsWith("[127.0.0.1]:" + sshd.port() + " ");
    assertThat(operation.steps).containsSubsequence("copy-key", "wait-ssh", "ssh-ready");
    assertThat(machine.getConfigRaw()).contains("\"EnginePort\":2376").contains("\"SSHKey\":");
  }

  @Test
  void create_cancelled_removesTheKeyCopy() throws Exception {
    sshd.stop();
    GenericDriver driver = new GenericDriver("m2", harness.storePath().toString());
    driver.setConfigFromFlags(FlagValues.validate(driver.getCreateFlags(), flags("root")));
    Recording operation = new Recording();
    operation.cancelOnStep = "wait-ssh";

    assertThatThrownBy(() -> driver.create(operation))
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(DriverException.Code.CANCELLED));

    assertThat(driver.resolveStorePath("id_ed25519")).doesNotExist();
    assertThat(driver.getSshKeyPath()).isEmpty();
  }

  @Test
  void getState_hostUpThenDown_runningThenStopped() throws Exception {
    GrpcDriverClient machine = created("root");
    assertThat(machine.getState()).isEqualTo(MachineState.RUNNING);

    sshd.stop();

    assertThat(machine.getState()).isEqualTo(MachineState.STOPPED);
  }

  @Test
  void getState_configuredNotCreated_none() throws Exception {
    GrpcDriverClient machine = harness.machine("m1");
    harness.configure(machine, flags("root"));

    assertThat(machine.getState()).isEqualTo(MachineState.NONE);
    assertThatThrownBy(() -> machine.stop(Operation.none()))
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(DriverException.Code.NOT_FOUND))
        .hasMessageContaining("was never created");
    assertThat(sshd.commands()).isEmpty();
  }

  @Test
  void remove_created_notFoundAndNothingActsOnTheHostAgain() throws Exception {
    GrpcDriverClient machine = created("root");

    machine.remove(Operation.none());
    machine.remove(Operation.none());

    assertThat(machine.getState()).isEqualTo(MachineState.NOT_FOUND);
    for (String op : List.of("stop", "kill", "restart")) {
      assertThatThrownBy(
              () -> {
                switch (op) {
                  case "stop" -> machine.stop(Operation.none());
                  case "kill" -> machine.kill(Operation.none());
                  default -> machine.restart(Operation.none());
                }
              })
          .as(op)
          .satisfies(e -> assertThat(codeOf(e)).isEqualTo(DriverException.Code.NOT_FOUND))
          .hasMessageContaining("machine \"m1\" was removed");
    }
    assertThat(sshd.commands()).doesNotContain("shutdown -h now", "poweroff -f", "shutdown -r now");
  }

  @Test
  void getUrl_running_isTcpIpAndEnginePort() throws Exception {
    assertThat(created("root").getUrl()).isEqualTo("tcp://127.0.0.1:2376");
  }

  @Test
  void getUrl_stopped_failedPrecondition() throws Exception {
    GrpcDriverClient machine = created("root");
    sshd.stop();

    assertThatThrownBy(machine::getUrl)
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(DriverException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("not running");
  }

  @Test
  void stop_root_runsShutdownAndReturnsOnceStopped() throws Exception {
    GrpcDriverClient machine = created("root");
    sshd.onCommand(command -> sshd.stop());

    machine.stop(Operation.none());

    assertThat(sshd.commands()).endsWith("shutdown -h now");
    assertThat(machine.getState()).isEqualTo(MachineState.STOPPED);
  }

  @Test
  void stop_otherUser_usesSudo() throws Exception {
    GrpcDriverClient machine = created("docker");
    sshd.onCommand(command -> sshd.stop());

    machine.stop(Operation.none());

    assertThat(sshd.commands()).endsWith("sudo -n shutdown -h now");
  }

  @Test
  void stop_stopped_succeedsWithoutSsh() throws Exception {
    GrpcDriverClient machine = created("root");
    sshd.stop();

    machine.stop(Operation.none());

    assertThat(sshd.commands()).containsExactly("exit 0");
  }

  @Test
  void stop_sudoRefused_failedPreconditionWithStderr() throws Exception {
    GrpcDriverClient machine = created("docker");
    sshd.refuse("sudo -n shutdown -h now", "sudo: a password is required");

    assertThatThrownBy(() -> machine.stop(Operation.none()))
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(DriverException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("exit status 1: sudo: a password is required");
    assertThat(machine.getState()).isEqualTo(MachineState.RUNNING);
  }

  @Test
  void kill_running_runsForcedPowerOff() throws Exception {
    GrpcDriverClient machine = created("root");
    sshd.onCommand(command -> sshd.stop());

    machine.kill(Operation.none());

    assertThat(sshd.commands()).endsWith("poweroff -f");
    assertThat(machine.getState()).isEqualTo(MachineState.STOPPED);
  }

  @Test
  void restart_running_rebootsAndWaitsForSsh() throws Exception {
    GrpcDriverClient machine = created("root");
    int port = sshd.port();
    sshd.onCommand(
        command -> {
          sshd.stop();
          // Back a moment later, with the same host key: the same machine, rebooted.
          Thread boot =
              new Thread(
                  () -> {
                    try {
                      Thread.sleep(1500);
                      sshd = startSshd(port);
                    } catch (IOException | InterruptedException e) {
                      throw new IllegalStateException(e);
                    }
                  });
          boot.start();
        });
    Recording operation = new Recording();

    machine.restart(operation);

    assertThat(operation.steps).containsSubsequence("restart", "wait-restart", "wait-ssh");
    assertThat(machine.getState()).isEqualTo(MachineState.RUNNING);
    assertThat(sshd.commands()).containsExactly("exit 0");
  }

  @Test
  void start_any_notSupported() throws Exception {
    GrpcDriverClient machine = created("root");

    assertThatThrownBy(() -> machine.start(Operation.none()))
        .satisfies(e -> assertThat(codeOf(e)).isEqualTo(DriverException.Code.NOT_SUPPORTED));
  }

  @Test
  void remove_running_neverTouchesTheHost() throws Exception {
    GrpcDriverClient machine = created("root");

    machine.remove(Operation.none());

    assertThat(sshd.commands()).containsExactly("exit 0");
  }

  /** Records progress steps; cancels on a given step. */
  private static final class Recording implements Operation {
    final List<String> steps = new CopyOnWriteArrayList<>();
    volatile String cancelOnStep;
    volatile boolean cancelled;

    @Override
    public void progress(String step, String message) {
      steps.add(step);
      if (step.equals(cancelOnStep)) {
        cancelled = true;
      }
    }

    @Override
    public void progress(String step, String message, double fraction) {
      progress(step, message);
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public void onCancel(Runnable action) {}
  }
}
