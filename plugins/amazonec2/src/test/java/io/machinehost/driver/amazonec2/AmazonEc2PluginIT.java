package io.machinehost.driver.amazonec2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.machinehost.host.plugin.PluginLauncher;
import io.machinehost.host.plugin.PluginProcess;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.FlagValues;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.Operation;
import io.machinehost.sdk.rpc.GrpcDriverClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The built plugin, launched by the host's launcher, against moto through a proxy that can slow or
 * fail EC2's answers: a create cancelled at each step (and while RunInstances is in flight) leaves
 * nothing in the emulator, throttling and 5xx answers are retried, and one process serves machines
 * created at once.
 */
@Timeout(300)
class AmazonEc2PluginIT {
  private static MotoServer moto;
  @TempDir Path store;
  private Ec2Proxy proxy;
  private PluginProcess plugin;

  @BeforeAll
  static void startMoto() throws Exception {
    moto = MotoServer.start();
  }

  @AfterAll
  static void stopMoto() {
    if (moto != null) {
      moto.close();
    }
  }

  @BeforeEach
  void launch() throws Exception {
    moto.reset();
    proxy = Ec2Proxy.in(moto);
    plugin =
        new PluginLauncher(
                PluginLauncher.Options.defaults().withEnv("AWS_EC2_METADATA_DISABLED", "true"))
            .launch("amazonec2", MachineRun.plugin());
  }

  @AfterEach
  void close() {
    try {
      plugin.close();
    } finally {
      proxy.close();
    }
  }

  private GrpcDriverClient machine(String name, Map<String, Object> extra) throws Exception {
    Files.createDirectories(store.resolve("machines").resolve(name));
    GrpcDriverClient machine = plugin.driver(name, store, "", Duration.ofMinutes(2));
    Map<String, Object> flags = new HashMap<>();
    flags.put(Ec2Flags.ENDPOINT, proxy.endpoint());
    flags.put(Ec2Flags.ACCESS_KEY, "x");
    flags.put(Ec2Flags.SECRET_KEY, "y");
    flags.putAll(extra);
    machine.setConfigFromFlags(FlagValues.validate(machine.getCreateFlags(), flags));
    return machine;
  }

  /** Waits for the plugin's own clean-up after a cancelled call, then checks it left nothing. */
  private static void assertNothingLeft() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline
        && !(moto.liveInstances().isEmpty()
            && moto.keyPairs().isEmpty()
            && moto.securityGroups().isEmpty())) {
      Thread.sleep(200);
    }
    assertThat(moto.liveInstances()).as("instances").isEmpty();
    assertThat(moto.keyPairs()).as("key pairs").isEmpty();
    assertThat(moto.securityGroups()).as("security groups").isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"Importing the key pair", "Creating the security group", "Launched the"})
  void create_cancelledAtAStep_nothingLeftInTheEmulator(String step) throws Exception {
    GrpcDriverClient m = machine("cancel", Map.of());
    TestOperation operation = TestOperation.cancellingOn(step);
    m.preCreateCheck();

    DriverException e = catchThrowableOfType(DriverException.class, () -> m.create(operation));

    assertThat(e.code()).isEqualTo(DriverException.Code.CANCELLED);
    assertNothingLeft();
    m.remove(Operation.none()); // what the host does next: finds nothing, succeeds
    assertNothingLeft();
    assertThat(m.getState()).isEqualTo(MachineState.NOT_FOUND);
  }

  @Test
  void create_cancelledWhileRunInstancesIsInFlight_theUnseenInstanceIsTerminated()
      throws Exception {
    GrpcDriverClient m = machine("inflight", Map.of());
    TestOperation operation = TestOperation.recording();
    proxy.hold("RunInstances", 1500, action -> operation.cancel());
    m.preCreateCheck();

    DriverException e = catchThrowableOfType(DriverException.class, () -> m.create(operation));

    assertThat(e.code()).isEqualTo(DriverException.Code.CANCELLED);
    assertThat(proxy.actions()).contains("RunInstances");
    assertNothingLeft();
    assertThat(moto.ec2().describeInstances().reservations()).hasSize(1); // made, then terminated
    m.remove(Operation.none());
    assertNothingLeft();
  }

  @Test
  void create_throttledThreeTimes_retriedWithBackoffAndMade() throws Exception {
    GrpcDriverClient m = machine("throttled", Map.of());
    proxy.failNext(3, 400, "RequestLimitExceeded");

    m.preCreateCheck();
    m.create(Operation.none());

    assertThat(proxy.failed()).isEqualTo(3);
    assertThat(m.getState()).isEqualTo(MachineState.RUNNING);
    proxy.failNext(2, 503, "Unavailable");
    m.stop(Operation.none());
    assertThat(m.getState()).isEqualTo(MachineState.STOPPED);
    m.remove(Operation.none());
    assertNothingLeft();
  }

  @Test
  void preCreateCheck_serverErrorWithRetriesOff_unavailableNamingTheRetriesFlag() throws Exception {
    GrpcDriverClient m = machine("flaky", Map.of(Ec2Flags.RETRIES, -1L));
    proxy.failNext(1, 503, "Unavailable");

    DriverException e = catchThrowableOfType(DriverException.class, m::preCreateCheck);

    assertThat(e.code()).isEqualTo(DriverException.Code.UNAVAILABLE);
    assertThat(e.getMessage()).contains("--amazonec2-retries", "Unavailable");
    assertThat(proxy.failed()).isEqualTo(1);
  }

  @Test
  void preCreateCheck_endpointNotListening_unavailableNamingTheEndpoint() throws Exception {
    GrpcDriverClient m =
        machine("nowhere", Map.of(Ec2Flags.ENDPOINT, "http://127.0.0.1:9", Ec2Flags.RETRIES, 0L));

    DriverException e = catchThrowableOfType(DriverException.class, m::preCreateCheck);

    assertThat(e.code()).isEqualTo(DriverException.Code.UNAVAILABLE);
    assertThat(e.getMessage()).contains("http://127.0.0.1:9", "--amazonec2-endpoint");
  }

  @Test
  void twoMachines_createdAtOnceByOneProcess_oneSharedGroupAndBothRun() throws Exception {
    GrpcDriverClient a = machine("p1", Map.of());
    GrpcDriverClient b = machine("p2", Map.of());
    long pid = plugin.pid();

    CompletableFuture<Void> one = CompletableFuture.runAsync(() -> create(a));
    CompletableFuture<Void> two = CompletableFuture.runAsync(() -> create(b));
    CompletableFuture.allOf(one, two).get(120, TimeUnit.SECONDS);

    assertThat(a.getState()).isEqualTo(MachineState.RUNNING);
    assertThat(b.getState()).isEqualTo(MachineState.RUNNING);
    assertThat(moto.securityGroups()).containsExactly("docker-machine");
    assertThat(plugin.pid()).isEqualTo(pid);
    a.remove(Operation.none());
    b.remove(Operation.none());
    assertNothingLeft();
  }

  private static void create(GrpcDriverClient machine) {
    try {
      machine.preCreateCheck();
      machine.create(Operation.none());
    } catch (DriverException e) {
      throw new IllegalStateException(e);
    }
  }
}
