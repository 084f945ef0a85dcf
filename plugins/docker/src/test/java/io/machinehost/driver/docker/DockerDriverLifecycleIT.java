package io.machinehost.driver.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.github.dockerjava.api.command.InspectContainerResponse;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.Operation;
import io.machinehost.sdk.rpc.GrpcDriverClient;
import io.machinehost.testsupport.Testbed;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Machines made by the built plugin executable, launched by the host's launcher, on the test
 * bench's engine: the whole lifecycle, SSH into the machine, and several machines in one process.
 */
@ExtendWith(Testbed.class)
@Timeout(240)
class DockerDriverLifecycleIT {
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

  private static InspectContainerResponse container(String machine) {
    return Bench.inspect(MachineContainer.nameOf(machine)).orElseThrow();
  }

  private static int published(InspectContainerResponse c, int port) {
    return Integer.parseInt(
        c.getNetworkSettings()
            .getPorts()
            .getBindings()
            .get(com.github.dockerjava.api.model.ExposedPort.tcp(port))[0]
            .getHostPortSpec());
  }

  @Test
  void lifecycle_createStopStartKillRestartRemove_containerFollowsAndSshWorks() throws Exception {
    String name = Bench.uniqueName("life");
    GrpcDriverClient m = plugin.machine(name);
    m.preCreateCheck();
    RecordingOperation creating = new RecordingOperation();

    long started = System.nanoTime();
    m.create(creating);
    System.out.printf(
        "docker driver: create took %d ms (%s)%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), creating.steps());

    assertThat(creating.steps())
        .containsSubsequence(
            "engine",
            "image",
            "ssh-key",
            "create-container",
            "start-container",
            "wait-ssh",
            "ready");
    assertThat(creating.fractions()).isSorted().last().isEqualTo(1.0);
    assertThat(m.getState()).isEqualTo(MachineState.RUNNING);
    InspectContainerResponse c = container(name);
    assertThat(c.getConfig().getLabels())
        .containsEntry(MachineContainer.MACHINE_LABEL, name)
        .containsEntry(MachineContainer.STORE_LABEL, store.toString());
    List<String> volumes = Bench.volumesOf(c.getId());
    assertThat(volumes).as("the image's /var/lib/docker volume").isNotEmpty();
    assertThat(m.getIp()).isEqualTo("127.0.0.1");
    assertThat(m.getSshPort()).isEqualTo(published(c, 22));
    assertThat(m.getUrl()).isEqualTo("tcp://127.0.0.1:" + published(c, 2376));
    assertThat(m.getSshUsername()).isEqualTo("root");
    assertThat(m.getSshKeyPath())
        .isEqualTo(store.resolve("machines/" + name + "/id_ed25519").toString());
    assertThat(m.refreshConfig()).contains("\"ContainerID\":\"" + c.getId() + "\"");
    assertThat(plugin.ssh(m, "hostname")).isEqualTo(name);
    assertThat(plugin.ssh(m, "id -un")).isEqualTo("root");

    m.stop(Operation.none());
    assertThat(m.getState()).isEqualTo(MachineState.STOPPED);
    assertThat(container(name).getState().getStatus()).isEqualTo("exited");
    DriverException url = catchThrowableOfType(DriverException.class, m::getUrl);
    assertThat(url.code()).isEqualTo(DriverException.Code.FAILED_PRECONDITION);
    assertThat(url.getMessage()).contains("machine start " + name);

    m.start(Operation.none());
    assertThat(m.getState()).isEqualTo(MachineState.RUNNING);
    assertThat(m.getSshPort()).isEqualTo(published(container(name), 22));
    // The local engine keeps the ports chosen at create, so "machine env" stays true.
    assertThat(m.getSshPort()).isEqualTo(published(c, 22));
    assertThat(m.getUrl()).isEqualTo("tcp://127.0.0.1:" + published(c, 2376));
    assertThat(plugin.ssh(m, "echo back")).isEqualTo("back");

    m.kill(Operation.none());
    assertThat(m.getState()).isEqualTo(MachineState.STOPPED);
    assertThat(container(name).getState().getExitCodeLong()).isEqualTo(137L);

    m.restart(Operation.none());
    assertThat(m.getState()).isEqualTo(MachineState.RUNNING);
    assertThat(plugin.ssh(m, "cat /proc/1/comm")).isEqualTo("sshd");
    m.restart(Operation.none());
    assertThat(plugin.ssh(m, "hostname")).isEqualTo(name);

    RecordingOperation removing = new RecordingOperation();
    m.remove(removing);
    assertThat(m.getState()).isEqualTo(MachineState.NOT_FOUND);
    assertThat(Bench.inspect(c.getId())).isEmpty();
    assertThat(volumes).noneMatch(Bench::volumeExists);
    assertThat(removing.steps()).contains("remove", "removed");

    m.remove(Operation.none());
    DriverException start =
        catchThrowableOfType(DriverException.class, () -> m.start(Operation.none()));
    assertThat(start.code()).isEqualTo(DriverException.Code.NOT_FOUND);
    assertThat(start.getMessage()).contains("machine rm " + name);
  }

  @Test
  void stopStart_twice_idempotent() throws Exception {
    String name = Bench.uniqueName("idem");
    GrpcDriverClient m = plugin.machine(name);
    m.create(Operation.none());

    m.start(Operation.none());
    m.stop(Operation.none());
    m.stop(Operation.none());
    m.kill(Operation.none());

    assertThat(m.getState()).isEqualTo(MachineState.STOPPED);
    m.restart(Operation.none());
    assertThat(m.getState()).isEqualTo(MachineState.RUNNING);
  }

  @Test
  void twoMachines_createdAtOnceInOneProcess_eachItsOwnContainer() throws Exception {
    String first = Bench.uniqueName("one");
    String second = Bench.uniqueName("two");
    GrpcDriverClient a = plugin.machine(first);
    GrpcDriverClient b = plugin.machine(second);
    long pid = plugin.process().pid();

    CompletableFuture<Void> creatingA = CompletableFuture.runAsync(() -> create(a));
    CompletableFuture<Void> creatingB = CompletableFuture.runAsync(() -> create(b));
    CompletableFuture.allOf(creatingA, creatingB).get(180, TimeUnit.SECONDS);

    assertThat(plugin.ssh(a, "hostname")).isEqualTo(first);
    assertThat(plugin.ssh(b, "hostname")).isEqualTo(second);
    assertThat(a.getSshPort()).isNotEqualTo(b.getSshPort());
    b.stop(Operation.none());
    assertThat(b.getState()).isEqualTo(MachineState.STOPPED);
    assertThat(a.getState()).isEqualTo(MachineState.RUNNING);
    a.remove(Operation.none());
    b.remove(Operation.none());
    assertThat(Bench.containersOf(store)).isEmpty();
    assertThat(plugin.process().pid()).isEqualTo(pid);
    assertThat(plugin.process().isAlive()).isTrue();
  }

  private static void create(GrpcDriverClient machine) {
    try {
      machine.create(Operation.none());
    } catch (DriverException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void machine_runsADockerEngineInside() throws Exception {
    String name = Bench.uniqueName("inner");
    GrpcDriverClient m = plugin.machine(name);
    m.create(Operation.none());

    String version =
        plugin.ssh(
            m,
            "(setsid dockerd >/var/log/dockerd.log 2>&1 </dev/null &);"
                + " for i in $(seq 1 120); do docker version >/dev/null 2>&1 && break; sleep 0.5;"
                + " done; docker version --format '{{.Server.Version}}' || tail /var/log/dockerd.log");
    String ran =
        plugin.ssh(
            m,
            "tar -C /sbin -c ldconfig | docker import - tiny >/dev/null"
                + " && docker run --rm tiny /ldconfig --version | head -1");

    assertThat(version).matches("\\d+\\.\\d+.*");
    assertThat(ran).contains("ldconfig");
  }
}
