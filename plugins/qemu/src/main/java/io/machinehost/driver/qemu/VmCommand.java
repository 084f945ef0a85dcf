package io.machinehost.driver.qemu;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The QEMU command line of a machine: daemonized, with a pidfile, a QMP socket and the serial
 * console's log in the machine directory, the overlay disk and the seed on virtio, and user-mode
 * networking with host forwards on 127.0.0.1 (SSH, the Docker port, the extra ones).
 *
 * @param binary the QEMU system emulator
 * @param accel {@code kvm} or {@code tcg}
 * @param memoryMb memory in MB
 * @param cpus virtual CPUs
 * @param machineDir the machine's directory
 * @param image the base image (its kernel, initramfs and command line when it has them)
 * @param sshPort the host port forwarded to the guest's 22
 * @param enginePort the host port forwarded to the guest's 2376
 * @param forwards the extra forwards
 */
record VmCommand(
    Path binary,
    String accel,
    long memoryMb,
    long cpus,
    Path machineDir,
    MachineImage image,
    int sshPort,
    int enginePort,
    List<QemuFlags.Forward> forwards) {
  static final String DISK = "disk.qcow2";
  static final String PIDFILE = "qemu.pid";
  static final String QMP = "qmp.sock";
  static final String CONSOLE = "console.log";
  static final int GUEST_SSH_PORT = 22;
  static final int GUEST_ENGINE_PORT = 2376;
  static final String KVM_CPU = "host";

  /** Returns the arguments, the binary first. */
  List<String> arguments(String machineName) {
    List<String> args = new ArrayList<>();
    args.add(binary.toString());
    args.addAll(List.of("-name", "machinehost-" + machineName));
    args.addAll(List.of("-machine", "q35", "-accel", accel.equals("tcg") ? tcg() : "kvm"));
    args.addAll(List.of("-cpu", accel.equals("kvm") ? KVM_CPU : "max"));
    args.addAll(List.of("-smp", Long.toString(cpus), "-m", Long.toString(memoryMb)));
    args.addAll(List.of("-nodefaults", "-display", "none"));
    if (image.kernel().isPresent()) {
      args.addAll(List.of("-kernel", image.kernel().get().toString()));
      image.initrd().ifPresent(i -> args.addAll(List.of("-initrd", i.toString())));
      args.addAll(List.of("-append", cmdline()));
    }
    args.addAll(
        List.of(
            "-drive",
            "if=virtio,file=" + escape(machineDir.resolve(DISK)) + ",format=qcow2,discard=unmap"));
    args.addAll(
        List.of(
            "-drive",
            "if=virtio,format=raw,read-only=on,file.driver=vvfat,file.dir="
                + escape(machineDir.resolve(Seed.DIR))
                + ",file.label=CIDATA"));
    StringBuilder net = new StringBuilder("user,id=net0");
    net.append(",hostfwd=tcp:127.0.0.1:").append(sshPort).append("-:").append(GUEST_SSH_PORT);
    net.append(",hostfwd=tcp:127.0.0.1:").append(enginePort).append("-:").append(GUEST_ENGINE_PORT);
    for (QemuFlags.Forward f : forwards) {
      net.append(",hostfwd=").append(f.hostfwd());
    }
    args.addAll(List.of("-netdev", net.toString(), "-device", "virtio-net-pci,netdev=net0"));
    args.addAll(List.of("-device", "virtio-rng-pci"));
    // a guest kernel panic is reported to QEMU, so the state says Error instead of Running
    args.addAll(List.of("-device", "pvpanic"));
    args.addAll(List.of("-serial", "file:" + machineDir.resolve(CONSOLE)));
    args.addAll(List.of("-qmp", "unix:" + machineDir.resolve(QMP) + ",server=on,wait=off"));
    args.addAll(List.of("-pidfile", machineDir.resolve(PIDFILE).toString(), "-daemonize"));
    return args;
  }

  /**
   * Returns the kernel command line. Under TCG on a busy host the kernel's check that the timer
   * interrupt works can fail ("IO-APIC + timer doesn't work") and panic the boot: {@code
   * no_timer_check} skips it, as cloud images do in VMs.
   */
  String cmdline() {
    String cmdline = image.cmdline();
    return accel.equals("tcg") && !cmdline.contains("no_timer_check")
        ? cmdline + " no_timer_check"
        : cmdline;
  }

  // TCG's translation cache defaults to 1 GiB, which QEMU's RSS then grows into; 256 MB holds a
  // Debian guest's hot code.
  private String tcg() {
    return "tcg,tb-size=256" + (cpus > 1 ? ",thread=multi" : "");
  }

  /** Doubles commas, as QEMU's option syntax wants inside a value. */
  static String escape(Path path) {
    return path.toString().replace(",", ",,");
  }
}
