package io.machinehost.driver.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.github.dockerjava.api.command.CreateContainerResponse;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.Operation;
import io.machinehost.sdk.rpc.GrpcDriverClient;
import io.machinehost.testsupport.Testbed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What goes wrong, through the plugin executable on the test bench: no engine, no image, a name
 * taken by a container of someone else's, bad limits, and a create cancelled half-way.
 */
@ExtendWith(Testbed.class)
@Timeout(120)
class DockerDriverErrorsIT {
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

  @Test
  void create_noEngineAtTheAddress_unavailableNamingItAndTheNextStep() throws Exception {
    String host = "unix://" + store.resolve("no-engine.sock");
    GrpcDriverClient m =
        plugin.machine(Bench.uniqueName("noengine"), Map.of(DockerFlags.HOST, host));

    DriverException check = catchThrowableOfType(DriverException.class, m::preCreateCheck);
    DriverException create =
        catchThrowableOfType(DriverException.class, () -> m.create(Operation.none()));
    DriverException state = catchThrowableOfType(DriverException.class, m::getState);

    for (DriverException e : List.of(check, create, state)) {
      assertThat(e.code()).isEqualTo(DriverException.Code.UNAVAILABLE);
      assertThat(e.getMessage()).contains(host).contains("make testbed").contains("--docker-host");
    }
  }

  @Test
  void create_noEngineOnTcp_unavailable() throws Exception {
    String host = "tcp://127.0.0.1:" + Testbed.freePort();
    GrpcDriverClient m = plugin.machine(Bench.uniqueName("notcp"), Map.of(DockerFlags.HOST, host));

    DriverException e = catchThrowableOfType(DriverException.class, m::preCreateCheck);

    assertThat(e.code()).isEqualTo(DriverException.Code.UNAVAILABLE);
    assertThat(e.getMessage()).contains(host).contains("Connection refused");
  }

  @Test
  void create_imageNotOnTheEngine_invalidArgumentNamingTheImageFlag() throws Exception {
    String name = Bench.uniqueName("noimage");
    String image = "machinehost/no-such-image:" + name;
    GrpcDriverClient m = plugin.machine(name, Map.of(DockerFlags.IMAGE, image));

    DriverException check = catchThrowableOfType(DriverException.class, m::preCreateCheck);
    DriverException create =
        catchThrowableOfType(DriverException.class, () -> m.create(Operation.none()));

    for (DriverException e : List.of(check, create)) {
      assertThat(e.code()).isEqualTo(DriverException.Code.INVALID_ARGUMENT);
      assertThat(e.flag()).contains(DockerFlags.IMAGE);
      assertThat(e.getMessage()).contains(image).contains("build or load it");
    }
    assertThat(Bench.inspect(MachineContainer.nameOf(name))).isEmpty();
  }

  @Test
  void create_nameTakenByAForeignContainer_alreadyExistsAndTheContainerIsLeftAlone()
      throws Exception {
    String name = Bench.uniqueName("clash");
    String container = MachineContainer.nameOf(name);
    CreateContainerResponse foreign =
        Bench.docker()
            .createContainerCmd(MachineImage.BASE)
            .withName(container)
            .withCmd("sleep", "600")
            .exec();
    try {
      GrpcDriverClient m = plugin.machine(name);

      DriverException check = catchThrowableOfType(DriverException.class, m::preCreateCheck);
      DriverException create =
          catchThrowableOfType(DriverException.class, () -> m.create(Operation.none()));
      // A host removes a machine whose create failed: that must not touch the foreign container.
      m.remove(Operation.none());

      for (DriverException e : List.of(check, create)) {
        assertThat(e.code()).isEqualTo(DriverException.Code.ALREADY_EXISTS);
        assertThat(e.getMessage())
            .contains(container)
            .contains("not made by machinehost")
            .contains("docker rm -f " + container)
            .contains("another machine name");
      }
      assertThat(m.getState()).isEqualTo(MachineState.NOT_FOUND);
      assertThat(Bench.inspect(container))
          .get()
          .extracting(c -> c.getId())
          .isEqualTo(foreign.getId());
    } finally {
      Bench.removeContainer(foreign.getId());
    }
  }

  @Test
  void create_moreCpusThanTheEngineHas_invalidArgumentNamingCpus() throws Exception {
    GrpcDriverClient m = plugin.machine(Bench.uniqueName("cpus"), Map.of(DockerFlags.CPUS, "4096"));

    DriverException e = catchThrowableOfType(DriverException.class, m::preCreateCheck);

    assertThat(e.code()).isEqualTo(DriverException.Code.INVALID_ARGUMENT);
    assertThat(e.flag()).contains(DockerFlags.CPUS);
    assertThat(e.getMessage()).contains("4096").contains("CPUs of the engine");
  }

  @Test
  void create_missingNetwork_invalidArgumentNamingNetwork() throws Exception {
    String name = Bench.uniqueName("net");
    GrpcDriverClient m = plugin.machine(name, Map.of(DockerFlags.NETWORK, name));

    DriverException e = catchThrowableOfType(DriverException.class, m::preCreateCheck);

    assertThat(e.flag()).contains(DockerFlags.NETWORK);
    assertThat(e.getMessage()).contains("docker network create " + name);
  }

  @Test
  void create_withLimits_containerHasThem() throws Exception {
    String name = Bench.uniqueName("limits");
    GrpcDriverClient m =
        plugin.machine(name, Map.of(DockerFlags.CPUS, "1.5", DockerFlags.MEMORY, "256m"));
    m.preCreateCheck();

    m.create(Operation.none());

    var host = Bench.inspect(MachineContainer.nameOf(name)).orElseThrow().getHostConfig();
    assertThat(host.getNanoCPUs()).isEqualTo(1_500_000_000L);
    assertThat(host.getMemory()).isEqualTo(256L << 20);
    assertThat(plugin.ssh(m, "echo ok")).isEqualTo("ok");
  }

  /** Cancels a create as the host does on Ctrl-C: by cancelling the gRPC call. */
  @ParameterizedTest
  @ValueSource(strings = {"ssh-key", "create-container", "start-container", "wait-ssh"})
  void create_cancelledMidway_leavesNoContainerNorVolume(String step) throws Exception {
    String name = Bench.uniqueName("cancel");
    String container = MachineContainer.nameOf(name);
    GrpcDriverClient m = plugin.machine(name);
    AtomicReference<List<String>> volumes = new AtomicReference<>(List.of());
    RecordingOperation operation =
        RecordingOperation.cancellingAt(step, s -> volumes.set(Bench.volumesOf(container)));

    DriverException e = catchThrowableOfType(DriverException.class, () -> m.create(operation));

    assertThat(e.code()).isEqualTo(DriverException.Code.CANCELLED);
    // The plugin cleans up after the cancelled call by itself, the key last; give it a moment.
    Path key = store.resolve("machines/" + name + "/id_ed25519");
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (Files.exists(key) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(key).doesNotExist();
    assertThat(Bench.containersOf(store)).isEmpty();
    assertThat(volumes.get()).noneMatch(Bench::volumeExists);
    m.remove(Operation.none()); // answers once the create's clean-up is over
    assertThat(key).doesNotExist();
    assertThat(Bench.containersOf(store)).isEmpty();
    assertThat(m.getState()).isEqualTo(MachineState.NOT_FOUND);
  }
}
