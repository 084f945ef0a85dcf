package io.machinehost.driver.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.rpc.GrpcDriverClient;
import io.machinehost.sdk.testing.DriverHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver through the SDK's in-process harness: flags, config and checks that start nothing. */
class QemuDriverTest {
  @TempDir Path store;

  @AutoClose DriverHarness harness;

  private GrpcDriverClient machine(String name, Map<String, Object> flags) throws Exception {
    harness = harness == null ? new DriverHarness(QemuDriver::new, store) : harness;
    Files.createDirectories(store.resolve("machines").resolve(name));
    GrpcDriverClient machine = harness.machine(name);
    harness.configure(machine, flags);
    return machine;
  }

  @Test
  void setConfigFromFlags_defaults_dockerUserOnLoopbackAndPersisted() throws Exception {
    GrpcDriverClient machine = machine("vm1", Map.of());

    assertThat(machine.getSshUsername()).isEqualTo("docker");
    assertThat(machine.getIp()).isEqualTo("127.0.0.1");
    assertThat(machine.getConfigRaw())
        .contains("\"Memory\":1024")
        .contains("\"CPUs\":1")
        .contains("\"DiskSize\":20000")
        .contains("\"Accel\":\"auto\"");
    assertThat(machine.getState()).isEqualTo(MachineState.NOT_FOUND);
  }

  @Test
  void setConfigFromFlags_imageMissing_invalidArgumentNamingThePath() throws Exception {
    Path missing = store.resolve("no-such.qcow2");

    DriverException e =
        catchThrowableOfType(
            DriverException.class,
            () -> machine("vm1", Map.of(QemuFlags.IMAGE, missing.toString())));

    assertThat(e.code()).isEqualTo(DriverException.Code.INVALID_ARGUMENT);
    assertThat(e.flag()).contains(QemuFlags.IMAGE);
    assertThat(e.getMessage()).contains(missing.toString()).contains("does not exist");
  }

  @Test
  void preCreateCheck_binaryMissing_invalidArgumentWithTheAptLine() throws Exception {
    GrpcDriverClient machine =
        machine("vm1", Map.of(QemuFlags.BINARY, "/nonexistent/qemu-system-x86_64"));

    DriverException e = catchThrowableOfType(DriverException.class, machine::preCreateCheck);

    assertThat(e.flag()).contains(QemuFlags.BINARY);
    assertThat(e.getMessage())
        .contains("/nonexistent/qemu-system-x86_64")
        .contains("apt-get install --no-install-recommends qemu-system-x86 qemu-utils");
  }

  @Test
  void getUrl_neverCreated_failedPreconditionSayingStart() throws Exception {
    GrpcDriverClient machine = machine("vm1", Map.of());

    DriverException e = catchThrowableOfType(DriverException.class, machine::getUrl);

    assertThat(e.code()).isEqualTo(DriverException.Code.FAILED_PRECONDITION);
    assertThat(e.getMessage()).contains("machine start vm1");
  }

  @Test
  void recipeHash_isTheScriptsOwnSha256Prefix() {
    assertThat(MachineImage.recipeHash()).matches("[0-9a-f]{16}");
    assertThat(MachineImage.defaultDir("/s").toString())
        .isEqualTo("/s/cache/qemu/debian-12-" + MachineImage.recipeHash());
  }
}
