package io.machinehost.driver.qemu;

import io.machinehost.sdk.DriverException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Which accelerator a VM runs with. KVM is probed at run time, never assumed from CPU flags: {@code
 * /dev/kvm} must open for reading and writing, and the QEMU binary must initialise KVM itself (it
 * creates a VM, with no machine, and quits).
 */
final class Accelerator {
  static final Path KVM_DEVICE = Path.of("/dev/kvm");

  /** The {@code --qemu-accel} values. */
  enum Setting {
    AUTO,
    KVM,
    TCG;

    String value() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Setting of(String value) throws DriverException {
      try {
        return valueOf(value.strip().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw DriverException.invalidArgument(
            QemuFlags.ACCEL, "--%s must be auto, kvm or tcg, not \"%s\"", QemuFlags.ACCEL, value);
      }
    }
  }

  /**
   * What the probe found.
   *
   * @param usable whether KVM works
   * @param why when it does not, why not
   */
  record Probe(boolean usable, String why) {}

  // One answer per binary and kernel for the life of the plugin process: the probe launches QEMU.
  private static final Map<String, Probe> PROBES = new ConcurrentHashMap<>();

  /** How long a kernel may take to print its first line under KVM before KVM counts as broken. */
  static final Duration BOOT_PROBE = Duration.ofSeconds(10);

  private Accelerator() {}

  /**
   * Probes KVM with the given QEMU binary: {@code /dev/kvm} opens, QEMU initialises KVM, and, when
   * a kernel is given, that kernel starts under KVM (prints {@code Linux version} on its serial
   * console). The last step matters: some hosts offer a {@code /dev/kvm} on which only specially
   * built guests run (a PVM host, for one), and a stock kernel hangs there without a word.
   */
  static Probe probe(Path binary, Optional<Path> kernel) {
    return PROBES.computeIfAbsent(
        binary + "|" + kernel.map(Path::toString).orElse(""), k -> probeNow(binary, kernel));
  }

  private static Probe probeNow(Path binary, Optional<Path> kernel) {
    if (!Files.exists(KVM_DEVICE)) {
      return new Probe(false, KVM_DEVICE + " does not exist (no KVM in this kernel or VM)");
    }
    try {
      // opens: the kernel module is there and this user may use it
      FileChannel.open(KVM_DEVICE, StandardOpenOption.READ, StandardOpenOption.WRITE).close();
    } catch (IOException | SecurityException e) {
      return new Probe(
          false,
          KVM_DEVICE
              + " cannot be opened ("
              + e.getMessage()
              + "): add this user to the kvm group or run as root");
    }
    List<String> command =
        List.of(
            binary.toString(),
            "-M",
            "none",
            "-accel",
            "kvm",
            "-nodefaults",
            "-display",
            "none",
            "-monitor",
            "stdio");
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      try (OutputStream in = process.getOutputStream()) {
        in.write("quit\n".getBytes(StandardCharsets.US_ASCII));
      }
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return new Probe(false, "QEMU did not answer within 20 s when asked to initialise KVM");
      }
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        return new Probe(false, "QEMU cannot initialise KVM: " + lastLine(out));
      }
      return kernel.isPresent() ? bootProbe(binary, kernel.get()) : new Probe(true, "");
    } catch (IOException e) {
      return new Probe(false, "cannot run " + binary + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Probe(false, "interrupted while probing KVM");
    }
  }

  private static Probe bootProbe(Path binary, Path kernel)
      throws IOException, InterruptedException {
    Path console = Files.createTempFile("machinehost-kvm-probe", ".log");
    Process process =
        new ProcessBuilder(
                binary.toString(),
                "-M",
                "pc",
                "-accel",
                "kvm",
                "-cpu",
                VmCommand.KVM_CPU,
                "-m",
                "256",
                "-nodefaults",
                "-display",
                "none",
                "-no-reboot",
                "-kernel",
                kernel.toString(),
                "-append",
                "console=ttyS0 earlyprintk=serial,ttyS0,115200 panic=-1",
                "-serial",
                "file:" + console)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      long deadline = System.nanoTime() + BOOT_PROBE.toNanos();
      while (System.nanoTime() < deadline) {
        if (Files.readString(console, StandardCharsets.ISO_8859_1).contains("Linux version")) {
          return new Probe(true, "");
        }
        if (!process.isAlive()) {
          return new Probe(
              false, "QEMU exited (status " + process.exitValue() + ") booting a kernel under KVM");
        }
        Thread.sleep(50);
      }
      return new Probe(
          false,
          "a kernel started under KVM printed nothing in "
              + BOOT_PROBE.toSeconds()
              + " s (this host's KVM does not run ordinary guests)");
    } finally {
      process.destroyForcibly();
      process.waitFor(5, TimeUnit.SECONDS);
      Files.deleteIfExists(console);
    }
  }

  private static String lastLine(String out) {
    String[] lines = out.strip().split("\\R");
    for (int i = lines.length - 1; i >= 0; i--) {
      if (!lines[i].isBlank() && !lines[i].startsWith("(qemu)") && !lines[i].startsWith("QEMU")) {
        return lines[i].strip();
      }
    }
    return out.strip();
  }

  /**
   * Chooses the accelerator for a setting.
   *
   * @return {@code kvm} or {@code tcg}
   * @throws DriverException FAILED_PRECONDITION when kvm is asked for and unusable
   */
  static String choose(Setting setting, Path binary, Optional<Path> kernel) throws DriverException {
    return switch (setting) {
      case TCG -> "tcg";
      case KVM -> {
        Probe probe = probe(binary, kernel);
        if (!probe.usable()) {
          throw DriverException.failedPrecondition(
              "--%s kvm was asked for but KVM is unusable: %s; use --%s tcg (slower) or auto",
              QemuFlags.ACCEL, probe.why(), QemuFlags.ACCEL);
        }
        yield "kvm";
      }
      case AUTO -> probe(binary, kernel).usable() ? "kvm" : "tcg";
    };
  }
}
