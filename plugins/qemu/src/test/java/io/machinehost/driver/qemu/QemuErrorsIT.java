package io.machinehost.driver.qemu;

import static io.machinehost.driver.qemu.QemuBench.machine;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Creates that must fail before anything is made, and the KVM path where this host has one. */
@Timeout(600)
class QemuErrorsIT {
  @TempDir Path store;

  @BeforeEach
  void image() throws Exception {
    QemuBench.linkImage(store);
  }

  @AfterEach
  void cleanUp() {
    QemuBench.killLeftovers(store);
  }

  private void assertNothingLeft(String name) throws Exception {
    assertThat(QemuBench.qemuOf(store)).isEmpty();
    assertThat(store.resolve("machines").resolve(name)).doesNotExist();
    assertThat(machine(store, "ls", "-q").ok().out()).doesNotContain(name);
  }

  @Test
  void create_missingQemuBinary_clearErrorWithAptLineNothingLeft() throws Exception {
    QemuBench.Result r =
        machine(
            store, "create", "-d", "qemu", "--qemu-binary", "/opt/none/qemu-system-x86_64", "vmx");

    assertThat(r.exitCode()).isNotZero();
    assertThat(r.err())
        .contains("/opt/none/qemu-system-x86_64")
        .contains("apt-get install --no-install-recommends qemu-system-x86 qemu-utils");
    assertNothingLeft("vmx");
  }

  @Test
  void create_badImagePath_clearErrorNamingItNothingLeft() throws Exception {
    QemuBench.Result r =
        machine(store, "create", "-d", "qemu", "--qemu-image", "/opt/none/disk.qcow2", "vmx");

    assertThat(r.exitCode()).isNotZero();
    assertThat(r.err()).contains("--qemu-image").contains("/opt/none/disk.qcow2");
    assertNothingLeft("vmx");
  }

  @Test
  void create_imageNotADisk_clearErrorNothingLeft() throws Exception {
    Path notADisk = store.resolve("notes.txt");
    java.nio.file.Files.writeString(notADisk, "not a disk");

    QemuBench.Result r =
        machine(store, "create", "-d", "qemu", "--qemu-image", notADisk.toString(), "vmx");

    // qemu-img reads any file as raw: a 10-byte "disk" is refused for having no room
    assertThat(r.exitCode()).isNotZero();
    assertThat(r.err()).contains(notADisk.toString());
    assertNothingLeft("vmx");
  }

  /** With a working KVM a VM boots with it; without, asking for it fails saying why. */
  @Test
  void create_accelKvm_bootsWhereKvmWorksElseSaysWhyNot() throws Exception {
    Path qemu = Programs.qemu(QemuFlags.DEFAULT_BINARY);
    Path built = MachineImage.defaultDir(store.toString());
    Accelerator.Probe probe =
        Accelerator.probe(qemu, Optional.of(built.resolve(MachineImage.KERNEL)));

    QemuBench.Result r =
        machine(store, "create", "-d", "qemu", "--qemu-accel", "kvm", "--no-provision", "vmk");

    if (probe.usable()) {
      r.ok();
      assertThat(r.out() + r.err()).contains("KVM");
      assertThat(machine(store, "ssh", "vmk", "hostname").ok().out().strip()).isEqualTo("vmk");
      machine(store, "rm", "-y", "vmk").ok();
    } else {
      assertThat(r.exitCode()).isNotZero();
      assertThat(r.err()).contains("KVM is unusable").contains(probe.why());
    }
    assertNothingLeft("vmk");
  }
}
