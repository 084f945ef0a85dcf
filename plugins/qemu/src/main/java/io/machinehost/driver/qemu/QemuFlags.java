package io.machinehost.driver.qemu;

import io.machinehost.sdk.CreateFlag;
import io.machinehost.sdk.DriverException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The qemu driver's create flags and the checks on their values. */
final class QemuFlags {
  static final String MEMORY = "qemu-memory";
  static final String CPUS = "qemu-cpus";
  static final String DISK_SIZE = "qemu-disk-size";
  static final String IMAGE = "qemu-image";
  static final String ACCEL = "qemu-accel";
  static final String SSH_USER = "qemu-ssh-user";
  static final String BINARY = "qemu-binary";
  static final String PORT_FORWARD = "qemu-port-forward";
  static final String BOOT_TIMEOUT = "qemu-boot-timeout";

  static final long DEFAULT_MEMORY_MB = 1024;
  static final long DEFAULT_CPUS = 1;
  static final long DEFAULT_DISK_MB = 20000;
  static final String DEFAULT_SSH_USER = "docker";
  static final String DEFAULT_BINARY = "qemu-system-x86_64";
  static final long DEFAULT_BOOT_TIMEOUT_S = 300;

  private static final Pattern FORWARD =
      Pattern.compile("(?:(tcp|udp)/)?(\\d{1,5}):(\\d{1,5})", Pattern.CASE_INSENSITIVE);
  private static final Pattern USER = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");

  private QemuFlags() {}

  static List<CreateFlag> definitions() {
    return List.of(
        CreateFlag.integer(MEMORY)
            .usage("Memory of the VM in MB")
            .envVar("QEMU_MEMORY")
            .defaultValue(DEFAULT_MEMORY_MB)
            .range(256, 1L << 20)
            .build(),
        CreateFlag.integer(CPUS)
            .usage("Virtual CPUs of the VM")
            .envVar("QEMU_CPUS")
            .defaultValue(DEFAULT_CPUS)
            .range(1, 256)
            .build(),
        CreateFlag.integer(DISK_SIZE)
            .usage("Size of the VM's disk in MB (a qcow2 overlay on the image: it grows as used)")
            .envVar("QEMU_DISK_SIZE")
            .defaultValue(DEFAULT_DISK_MB)
            .range(1024, 64L << 20)
            .build(),
        CreateFlag.string(IMAGE)
            .usage(
                "Base image: a directory as \"make vm-image\" builds (disk.qcow2, vmlinuz,"
                    + " initrd.img, cmdline) or a bootable qcow2/raw disk (default: the Debian"
                    + " image built under <storage>/cache/qemu, built on first use)")
            .envVar("QEMU_IMAGE")
            .build(),
        CreateFlag.string(ACCEL)
            .usage("Accelerator: kvm, tcg (emulation, slower) or auto (kvm when /dev/kvm works)")
            .envVar("QEMU_ACCEL")
            .defaultValue(Accelerator.Setting.AUTO.value())
            .choices("auto", "kvm", "tcg")
            .build(),
        CreateFlag.string(SSH_USER)
            .usage("User the seed creates with the machine's key and password-less sudo")
            .envVar("QEMU_SSH_USER")
            .defaultValue(DEFAULT_SSH_USER)
            .build(),
        CreateFlag.string(BINARY)
            .usage("QEMU system emulator to run (a path, or a name looked up on the PATH)")
            .envVar("QEMU_BINARY")
            .defaultValue(DEFAULT_BINARY)
            .build(),
        CreateFlag.stringList(PORT_FORWARD)
            .usage(
                "Extra port forward HOST:GUEST (or udp/HOST:GUEST) on 127.0.0.1, e.g. 8080:80;"
                    + " repeatable")
            .envVar("QEMU_PORT_FORWARD")
            .build(),
        CreateFlag.integer(BOOT_TIMEOUT)
            .usage("Seconds to wait for SSH after the VM is launched")
            .envVar("QEMU_BOOT_TIMEOUT")
            .defaultValue(DEFAULT_BOOT_TIMEOUT_S)
            .range(10, 3600)
            .build());
  }

  /** An extra host forward on 127.0.0.1. */
  record Forward(String protocol, int hostPort, int guestPort) {
    /** Returns QEMU's {@code hostfwd} value. */
    String hostfwd() {
      return protocol + ":127.0.0.1:" + hostPort + "-:" + guestPort;
    }

    /** Returns the form the flag takes. */
    String spec() {
      return (protocol.equals("tcp") ? "" : protocol + "/") + hostPort + ":" + guestPort;
    }
  }

  /** Parses {@code [tcp/|udp/]HOST:GUEST} values. */
  static List<Forward> forwards(List<String> given) throws DriverException {
    List<Forward> forwards = new ArrayList<>();
    for (String value : given) {
      String v = value.strip();
      if (v.isEmpty()) {
        continue;
      }
      Matcher m = FORWARD.matcher(v);
      int host;
      int guest;
      if (!m.matches()
          || (host = Integer.parseInt(m.group(2))) < 1
          || host > 65535
          || (guest = Integer.parseInt(m.group(3))) < 1
          || guest > 65535) {
        throw DriverException.invalidArgument(
            PORT_FORWARD,
            "--%s \"%s\" is not a port forward: give HOST:GUEST with ports 1-65535, e.g. 8080:80"
                + " or udp/5353:53",
            PORT_FORWARD,
            value);
      }
      String protocol = m.group(1) == null ? "tcp" : m.group(1).toLowerCase(Locale.ROOT);
      for (Forward f : forwards) {
        if (f.hostPort() == host && f.protocol().equals(protocol)) {
          throw DriverException.invalidArgument(
              PORT_FORWARD, "--%s forwards host port %d twice", PORT_FORWARD, host);
        }
      }
      forwards.add(new Forward(protocol, host, guest));
    }
    return forwards;
  }

  /** Checks a user name as useradd accepts it. */
  static String sshUser(String given) throws DriverException {
    String value = given.strip().isEmpty() ? DEFAULT_SSH_USER : given.strip();
    if (!USER.matcher(value).matches()) {
      throw DriverException.invalidArgument(
          SSH_USER,
          "--%s \"%s\" is not a user name: lower-case letters, digits, _ and -, at most 32",
          SSH_USER,
          given);
    }
    return value;
  }

  /** Checks the binary is a name or a path with no spaces. */
  static String binary(String given) throws DriverException {
    String value = given.strip().isEmpty() ? DEFAULT_BINARY : given.strip();
    if (value.matches(".*\\s.*")) {
      throw DriverException.invalidArgument(
          BINARY, "--%s \"%s\" is not a program name or path", BINARY, given);
    }
    return value;
  }
}
