package io.machinehost.sdk.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.machinehost.sdk.BaseDriver;
import io.machinehost.sdk.Capability;
import io.machinehost.sdk.CreateFlag;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.DriverOptions;
import io.machinehost.sdk.FakeDriver;
import io.machinehost.sdk.FakeDriverAccess;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.Operation;
import io.machinehost.sdk.rpc.GrpcDriverClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.parallel.Isolated;

@Isolated
class DriverHarnessTest {
  @AutoClose DriverHarness harness = new DriverHarness(FakeDriver::new);

  @AfterEach
  void reset() {
    FakeDriverAccess.reset();
  }

  @Test
  void create_configuredMachine_persistsConfigAcrossCalls() throws DriverException {
    GrpcDriverClient m1 =
        harness.create("m1", Map.of("fake-token", "s3cret", "fake-tag", List.of("a", "b")));

    assertThat(m1.getState()).isEqualTo(MachineState.RUNNING);
    assertThat(m1.getIp()).isEqualTo("192.0.2.10");
    assertThat(m1.getUrl()).isEqualTo("tcp://192.0.2.10:2376");
    assertThat(m1.getMachineName()).isEqualTo("m1");
    assertThat(m1.getConfigRaw())
        .contains("\"Size\":2")
        .contains("\"Tags\":[\"a\",\"b\"]")
        .contains("\"MachineName\":\"m1\"")
        .doesNotContain("notPersisted");
  }

  @Test
  void lifecycle_stopStartRemove_followsStates() throws DriverException {
    GrpcDriverClient m1 = harness.create("m1", Map.of("fake-token", "t"));

    m1.stop(Operation.none());
    assertThat(m1.getState()).isEqualTo(MachineState.STOPPED);
    m1.start(Operation.none());
    assertThat(m1.getState()).isEqualTo(MachineState.RUNNING);
    m1.remove(Operation.none());
    assertThat(m1.getState()).isEqualTo(MachineState.NOT_FOUND);
    DriverException e =
        catchThrowableOfType(DriverException.class, () -> m1.start(Operation.none()));
    assertThat(e.code()).isEqualTo(DriverException.Code.NOT_FOUND);
  }

  @Test
  void twoMachines_sameService_keepSeparateConfigs() throws DriverException {
    GrpcDriverClient a = harness.create("a", Map.of("fake-token", "t", "fake-size", 3L));
    GrpcDriverClient b = harness.create("b", Map.of("fake-token", "t", "fake-size", 5L));

    a.stop(Operation.none());

    assertThat(a.getState()).isEqualTo(MachineState.STOPPED);
    assertThat(b.getState()).isEqualTo(MachineState.RUNNING);
    assertThat(a.getConfigRaw()).contains("\"Size\":3");
    assertThat(b.getConfigRaw()).contains("\"Size\":5");
  }

  @Test
  void getCreateFlags_overTheWire_keepTypesDefaultsAndConstraints() throws DriverException {
    List<CreateFlag> flags = harness.machine("m").getCreateFlags();

    assertThat(flags).isEqualTo(new FakeDriver("", "").getCreateFlags());
  }

  @Test
  void setConfigFromFlags_missingRequired_invalidArgumentNamingFlag() {
    DriverException e =
        catchThrowableOfType(
            DriverException.class, () -> harness.configure(harness.machine("m"), Map.of()));

    assertThat(e.code()).isEqualTo(DriverException.Code.INVALID_ARGUMENT);
    assertThat(e.flag()).contains("fake-token");
    assertThat(e.getMessage()).contains("--fake-token").contains("FAKE_TOKEN");
  }

  @Test
  void setConfigFromFlags_valuesBypassingHostChecks_pluginRejectsThem() {
    GrpcDriverClient m = harness.machine("m");
    DriverOptions unchecked =
        new DriverOptions() {
          @Override
          public Set<String> names() {
            return Set.of("fake-mode");
          }

          @Override
          public String getString(String name) {
            return "warp";
          }

          @Override
          public long getInt(String name) {
            return 0;
          }

          @Override
          public boolean getBool(String name) {
            return false;
          }

          @Override
          public List<String> getStringList(String name) {
            return List.of();
          }
        };

    DriverException e =
        catchThrowableOfType(DriverException.class, () -> m.setConfigFromFlags(unchecked));

    assertThat(e.code()).isEqualTo(DriverException.Code.INVALID_ARGUMENT);
    assertThat(e.flag()).contains("fake-token");
  }

  @Test
  void create_progressEvents_reachTheCaller() throws DriverException {
    GrpcDriverClient m = harness.machine("m");
    harness.configure(m, Map.of("fake-token", "t"));
    List<String> seen = new ArrayList<>();

    m.create(
        new RecordingOperation() {
          @Override
          public void progress(String step, String message, double fraction) {
            seen.add(step + ":" + message + ":" + fraction);
          }

          @Override
          public void progress(String step, String message) {
            seen.add(step + ":" + message);
          }
        });

    assertThat(seen).containsExactly("make:making m:0.5", "done:made m");
  }

  @Test
  @Timeout(20)
  void create_cancelledByCaller_driverSeesCancellationAndCleansUp() throws Exception {
    GrpcDriverClient m = harness.machine("m");
    harness.configure(m, Map.of("fake-token", "t"));
    FakeDriverAccess.gateCreate(new CountDownLatch(1));
    RecordingOperation operation = new RecordingOperation();

    CompletableFuture<DriverException> result =
        CompletableFuture.supplyAsync(
            () -> catchThrowableOfType(DriverException.class, () -> m.create(operation)));
    while (!operation.started.get()) {
      Thread.sleep(10);
    }
    operation.cancel();

    assertThat(result.get(10, TimeUnit.SECONDS).code()).isEqualTo(DriverException.Code.CANCELLED);
    while (FakeDriverAccess.cleaned().isEmpty()) {
      Thread.sleep(10);
    }
    assertThat(FakeDriverAccess.cleaned()).containsExactly("m");
  }

  @Test
  @Timeout(20)
  void remove_afterCancelledCreate_waitsForTheCleanUp() throws Exception {
    GrpcDriverClient m = harness.machine("m");
    harness.configure(m, Map.of("fake-token", "t"));
    FakeDriverAccess.gateCreate(new CountDownLatch(1));
    RecordingOperation operation = new RecordingOperation();
    CompletableFuture<DriverException> create =
        CompletableFuture.supplyAsync(
            () -> catchThrowableOfType(DriverException.class, () -> m.create(operation)));
    while (!operation.started.get()) {
      Thread.sleep(10);
    }
    operation.cancel();
    create.get(10, TimeUnit.SECONDS);

    m.remove(Operation.none());

    assertThat(FakeDriverAccess.cleaned()).containsExactly("m");
  }

  @Test
  void getState_invalidMachineName_invalidArgument() {
    DriverException e =
        catchThrowableOfType(DriverException.class, () -> harness.machine("../etc").getState());

    assertThat(e.code()).isEqualTo(DriverException.Code.INVALID_ARGUMENT);
    assertThat(e.getMessage()).startsWith("machine name \"../etc\" is not valid");
  }

  @Test
  void start_capabilityNotDeclared_notSupported() throws DriverException {
    try (DriverHarness limited = new DriverHarness(LimitedDriver::new)) {
      DriverException e =
          catchThrowableOfType(
              DriverException.class, () -> limited.machine("m").start(Operation.none()));

      assertThat(e.code()).isEqualTo(DriverException.Code.NOT_SUPPORTED);
      assertThat(e.getMessage()).isEqualTo("the limited driver cannot start machines");
    }
  }

  @Test
  void getState_driverThrowsRuntimeException_internalWithMessage() {
    try (DriverHarness limited = new DriverHarness(LimitedDriver::new)) {
      DriverException e =
          catchThrowableOfType(DriverException.class, () -> limited.machine("m").getState());

      assertThat(e.code()).isEqualTo(DriverException.Code.INTERNAL);
      assertThat(e.getMessage()).contains("the driver failed unexpectedly").contains("oops");
    }
  }

  @Test
  void baseDriverDefaults_overTheWire_areDockerMachines() throws DriverException {
    GrpcDriverClient m = harness.machine("m1");

    assertThat(m.getSshUsername()).isEqualTo("root");
    assertThat(m.getSshPort()).isEqualTo(22);
    assertThat(m.getSshKeyPath())
        .isEqualTo(harness.storePath().resolve("machines/m1/id_rsa").toString());
    DriverException e = catchThrowableOfType(DriverException.class, m::getIp);
    assertThat(e.code()).isEqualTo(DriverException.Code.FAILED_PRECONDITION);
    assertThat(e.getMessage())
        .isEqualTo(
            "machine \"m1\" is not running (the harness driver says: IP address is not set);"
                + " start it with \"machine start m1\"");
  }

  @Test
  void pluginInfo_overTheWire_namesCapabilitiesAndSecrets() throws DriverException {
    var info = harness.machine("m").pluginInfo();

    assertThat(info.name()).isEqualTo("fake");
    assertThat(info.protocolVersion()).isEqualTo(1);
    assertThat(info.capabilities()).containsExactlyInAnyOrder(Capability.values());
    assertThat(info.secretConfigKeys()).containsExactly("Token");
  }

  @Test
  void setConfigRaw_corruptConfig_invalidArgument() {
    GrpcDriverClient m = harness.machine("m");
    m.setConfigRaw("{not json");

    DriverException e = catchThrowableOfType(DriverException.class, m::getState);

    assertThat(e.code()).isEqualTo(DriverException.Code.INVALID_ARGUMENT);
    assertThat(e.getMessage()).contains("driver config is not valid");
  }

  /** An operation that records that it started and can be cancelled. */
  static class RecordingOperation implements Operation {
    final AtomicBoolean started = new AtomicBoolean();
    private final List<Runnable> onCancel = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean cancelled;

    @Override
    public void progress(String step, String message) {
      started.set(true);
    }

    @Override
    public void progress(String step, String message, double fraction) {
      started.set(true);
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public void onCancel(Runnable action) {
      onCancel.add(action);
    }

    void cancel() {
      cancelled = true;
      onCancel.forEach(Runnable::run);
    }
  }

  /** A driver that supports no optional operation and fails in GetState. */
  static final class LimitedDriver extends BaseDriver {
    LimitedDriver(String name, String store) {
      super(name, store);
    }

    @Override
    public String driverName() {
      return "limited";
    }

    @Override
    public Set<Capability> capabilities() {
      return Set.of();
    }

    @Override
    public List<CreateFlag> getCreateFlags() {
      return List.of();
    }

    @Override
    public void setConfigFromFlags(DriverOptions options) {}

    @Override
    public void create(Operation operation) {}

    @Override
    public void remove(Operation operation) {}

    @Override
    public void start(Operation operation) {}

    @Override
    public void stop(Operation operation) {}

    @Override
    public void kill(Operation operation) {}

    @Override
    public void restart(Operation operation) {}

    @Override
    public MachineState getState() {
      throw new IllegalStateException("oops");
    }

    @Override
    public String getUrl() {
      return "";
    }
  }
}
