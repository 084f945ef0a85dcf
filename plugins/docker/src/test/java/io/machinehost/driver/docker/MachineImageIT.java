package io.machinehost.driver.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.github.dockerjava.api.exception.NotFoundException;
import io.machinehost.sdk.DriverException;
import io.machinehost.testsupport.Testbed;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The machine image built on the test bench's engine from the context packaged in the driver. */
@ExtendWith(Testbed.class)
@Timeout(600)
class MachineImageIT {
  private final String tag = "machinehost/machine-it:" + Bench.uniqueName("build");
  private final DockerEngine engine =
      DockerEngine.at(new EngineAddress(Bench.dockerHost(), false, ""));

  @BeforeAll
  static void bench() {
    Bench.requireMachineImage();
  }

  @AfterEach
  void removeTag() {
    try {
      Bench.docker().removeImageCmd(tag).withNoPrune(false).exec();
    } catch (NotFoundException e) {
      // never built
    }
  }

  @Test
  void build_packagedContext_imageWithProgressFromTheBuild() throws Exception {
    RecordingOperation operation = new RecordingOperation();

    String id = MachineImage.build(engine, tag, operation);

    var image = Bench.docker().inspectImageCmd(tag).exec();
    assertThat(image.getId()).contains(id);
    assertThat(image.getConfig().getLabels())
        .containsEntry(MachineImage.BUILT_BY_LABEL, "machine-driver-docker")
        .containsEntry("io.machinehost.image", "machine");
    assertThat(image.getConfig().getEntrypoint())
        .containsExactly("/usr/local/bin/machinehost-entrypoint");
    assertThat(operation.steps()).containsOnly("build-image");
    assertThat(operation.messages()).anyMatch(m -> m.contains("Step 1/"));
    assertThat(operation.fractions()).isSorted().contains(0.0, 1.0);
  }

  @Test
  void build_cancelledMidway_cancelledAndNoImage() throws Exception {
    RecordingOperation operation = RecordingOperation.cancellingOnMessage("Step 2/");

    DriverException e =
        catchThrowableOfType(
            DriverException.class, () -> MachineImage.build(engine, tag, operation));

    assertThat(e.code()).isEqualTo(DriverException.Code.CANCELLED);
    assertThat(operation.messages()).noneMatch(m -> m.contains("Built the image"));
    assertThat(MachineImage.exists(engine, tag)).isFalse();
  }

  @Test
  void check_defaultImageAndItsBaseMissing_failedPreconditionSayingMakeTestbed() {
    String missing = "machinehost/machine-it:" + Bench.uniqueName("none");

    DriverException e =
        catchThrowableOfType(
            DriverException.class,
            () -> MachineImage.check(engine, missing, missing, "machinehost/debian-it:none"));

    assertThat(e.code()).isEqualTo(DriverException.Code.FAILED_PRECONDITION);
    assertThat(e.getMessage())
        .contains(missing)
        .contains("machinehost/debian-it:none")
        .contains("make testbed")
        .contains("--docker-image");
  }

  @Test
  void check_defaultImageMissingButItsBaseThere_buildable() throws Exception {
    String missing = "machinehost/machine-it:" + Bench.uniqueName("none");

    MachineImage.check(engine, missing, missing, MachineImage.BASE);
  }
}
