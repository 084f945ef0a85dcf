package io.machinehost.driver.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.Operation;
import io.machinehost.sdk.rpc.GrpcDriverClient;
import io.machinehost.testsupport.Testbed;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --docker-privileged} on the test bench's engine, whatever that engine allows: the test
 * learns whether it starts privileged containers and checks that auto follows.
 */
@ExtendWith(Testbed.class)
@Timeout(180)
class PrivilegesIT {
  @TempDir Path store;
  private DockerPlugin plugin;

  @BeforeAll
  static void bench() {
    Bench.requireMachineImage();
  }

  @BeforeEach
  void launch() throws Exception {
    plugin = DockerPlugin.launch(store);
  }

  @AfterEach
  void cleanUp() {
    try {
      Bench.removeContainersOf(store);
    } finally {
      plugin.close();
    }
  }

  private GrpcDriverClient machine(String setting) throws Exception {
    return plugin.machine(
        Bench.uniqueName("priv-" + setting), Map.of(DockerFlags.PRIVILEGED, setting));
  }

  @Test
  void privileged_trueThenAuto_autoUsesPrivilegedExactlyWhereTheEngineAllowsIt() throws Exception {
    GrpcDriverClient asked = machine("true");
    boolean engineAllows;
    try {
      asked.create(Operation.none());
      engineAllows = true;
      assertThat(asked.getConfigRaw()).contains("\"PrivilegeMode\":\"privileged\"");
      assertThat(Bench.inspect(MachineContainer.nameOf(asked.getMachineName())))
          .get()
          .satisfies(c -> assertThat(c.getHostConfig().getPrivileged()).isTrue());
    } catch (DriverException e) {
      engineAllows = false;
      assertThat(e.code()).isEqualTo(DriverException.Code.FAILED_PRECONDITION);
      assertThat(e.getMessage()).contains("--docker-privileged auto");
      assertThat(Bench.containersOf(store)).isEmpty();
    }
    System.out.println(
        "docker driver: the bench's engine starts privileged containers: " + engineAllows);

    GrpcDriverClient auto = machine("auto");
    auto.create(Operation.none());

    assertThat(auto.getState()).isEqualTo(MachineState.RUNNING);
    assertThat(auto.getConfigRaw())
        .contains("\"PrivilegeMode\":\"" + (engineAllows ? "privileged" : "capabilities") + "\"");
    assertThat(plugin.ssh(auto, "touch /proc/sys/net/ipv4/ip_forward && echo writable"))
        .isEqualTo("writable");
  }

  @Test
  void privileged_false_capabilitiesOfADockerHost() throws Exception {
    GrpcDriverClient m = machine("false");

    m.create(Operation.none());

    assertThat(m.getConfigRaw()).contains("\"PrivilegeMode\":\"capabilities\"");
    var host =
        Bench.inspect(MachineContainer.nameOf(m.getMachineName())).orElseThrow().getHostConfig();
    assertThat(host.getPrivileged()).isFalse();
    assertThat(host.getSecurityOpts()).contains("seccomp=unconfined", "apparmor=unconfined");
    assertThat(plugin.ssh(m, "mount | grep ' on /sys type '")).contains("(rw");
  }
}
