package io.machinehost.driver.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VmCommandTest {
  private static final Path DIR = Path.of("/store/machines/vm1");
  private static final MachineImage BUILT =
      new MachineImage(
          Path.of("/cache/disk.qcow2"),
          "qcow2",
          4L << 30,
          Optional.of(Path.of("/cache/vmlinuz")),
          Optional.of(Path.of("/cache/initrd.img")),
          "root=/dev/vda rw");

  private static VmCommand command(String accel, long cpus, MachineImage image) {
    return new VmCommand(
        Path.of("/usr/bin/qemu-system-x86_64"),
        accel,
        2048,
        cpus,
        DIR,
        image,
        40022,
        40376,
        List.of(new QemuFlags.Forward("tcp", 8080, 80)));
  }

  @Test
  void arguments_builtImage_daemonizedWithPidfileQmpAndLoopbackForwards() {
    List<String> args = command("kvm", 2, BUILT).arguments("vm1");

    assertThat(args.get(0)).isEqualTo("/usr/bin/qemu-system-x86_64");
    assertThat(String.join(" ", args))
        .contains("-accel kvm -cpu host")
        .contains("-smp 2 -m 2048")
        .contains("-kernel /cache/vmlinuz -initrd /cache/initrd.img -append root=/dev/vda rw")
        .contains("file=/store/machines/vm1/disk.qcow2,format=qcow2")
        .contains("file.driver=vvfat,file.dir=/store/machines/vm1/seed,file.label=CIDATA")
        .contains(
            "user,id=net0,hostfwd=tcp:127.0.0.1:40022-:22,hostfwd=tcp:127.0.0.1:40376-:2376,"
                + "hostfwd=tcp:127.0.0.1:8080-:80")
        .contains("-qmp unix:/store/machines/vm1/qmp.sock,server=on,wait=off")
        .contains("-pidfile /store/machines/vm1/qemu.pid -daemonize")
        .contains("-serial file:/store/machines/vm1/console.log");
  }

  @Test
  void arguments_tcgWithTwoCpus_multiThreadedEmulation() {
    assertThat(String.join(" ", command("tcg", 2, BUILT).arguments("vm1")))
        .contains("-accel tcg,tb-size=256,thread=multi -cpu max");
  }

  @Test
  void cmdline_tcg_skipsTheTimerCheckThatFailsUnderEmulation() {
    assertThat(command("tcg", 1, BUILT).cmdline()).isEqualTo("root=/dev/vda rw no_timer_check");
    assertThat(command("kvm", 1, BUILT).cmdline()).isEqualTo("root=/dev/vda rw");
  }

  @Test
  void arguments_plainDisk_bootsItsOwnLoader() {
    MachineImage disk =
        new MachineImage(
            Path.of("/images/a.qcow2"), "qcow2", 1L << 30, Optional.empty(), Optional.empty(), "");

    assertThat(command("tcg", 1, disk).arguments("vm1")).doesNotContain("-kernel", "-initrd");
  }

  @Test
  void escape_commaInPath_doubled() {
    assertThat(VmCommand.escape(Path.of("/a,b/disk"))).isEqualTo("/a,,b/disk");
  }
}
