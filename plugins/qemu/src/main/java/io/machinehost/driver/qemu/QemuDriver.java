package io.machinehost.driver.qemu;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.machinehost.sdk.BaseDriver;
import io.machinehost.sdk.Capability;
import io.machinehost.sdk.CreateFlag;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.DriverOptions;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.Operation;
import io.machinehost.sdk.ssh.Ssh;
import io.machinehost.sdk.ssh.SshKeys;
import io.machinehost.sdk.ssh.SshTarget;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Machines as QEMU virtual machines on this host, as docker-machine's kvm and qemu drivers made
 * them: a qcow2 overlay on a base image (the Debian image the driver builds, by default), a seed
 * with the machine's host name, user and key, user-mode networking with SSH and the Docker port
 * forwarded from 127.0.0.1, KVM when it works and TCG otherwise.
 *
 * <p>QEMU runs daemonized with its pidfile, QMP socket and console log in the machine directory, so
 * a VM outlives the plugin process and any plugin process can drive it. States come from the
 * process and QMP {@code query-status}: no process → Stopped, running → Running, paused → Paused,
 * shutting down → Stopping, a process whose QMP does not answer or a guest that failed → Error, no
 * disk → NotFound.
 */
public final class QemuDriver extends BaseDriver {
  static final String KEY_FILE = "id_ed25519";
  static final String KNOWN_HOSTS = "known_hosts";
  static final String HOST = LoopbackPorts.HOST;

  /** How long an ACPI power-off may take before the VM is ended. */
  static final Duration STOP_GRACE = Duration.ofSeconds(90);

  /** Unix sockets have room for 107 bytes of path. */
  private static final int MAX_SOCKET_PATH = 107;

  @JsonProperty("Memory")
  private long memory = QemuFlags.DEFAULT_MEMORY_MB;

  @JsonProperty("CPUs")
  private long cpus = QemuFlags.DEFAULT_CPUS;

  @JsonProperty("DiskSize")
  private long diskSize = QemuFlags.DEFAULT_DISK_MB;

  @JsonProperty("Image")
  private String image = "";

  @JsonProperty("Accel")
  private String accel = Accelerator.Setting.AUTO.value();

  @JsonProperty("Binary")
  private String binary = QemuFlags.DEFAULT_BINARY;

  @JsonProperty("PortForwards")
  private List<String> portForwards = new ArrayList<>();

  @JsonProperty("BootTimeout")
  private long bootTimeout = QemuFlags.DEFAULT_BOOT_TIMEOUT_S;

  @JsonProperty("EnginePort")
  private int enginePort;

  // Shown by "machine inspect": the accelerator the VM last booted with.
  @SuppressWarnings("UnusedVariable")
  @JsonProperty("LastAccel")
  private String lastAccel = "";

  /** Creates the driver for a machine. */
  public QemuDriver(String machineName, String storePath) {
    super(machineName, storePath);
  }

  @Override
  public String driverName() {
    return "qemu";
  }

  @Override
  public String description() {
    return "Machines as QEMU virtual machines (KVM or TCG) from a Debian image built here";
  }

  @Override
  public Set<Capability> capabilities() {
    return EnumSet.of(
        Capability.START,
        Capability.STOP,
        Capability.KILL,
        Capability.RESTART,
        Capability.SSH,
        Capability.PROVISION,
        Capability.CANCEL_CREATE);
  }

  @Override
  public List<CreateFlag> getCreateFlags() {
    return QemuFlags.definitions();
  }

  @Override
  public void setConfigFromFlags(DriverOptions options) throws DriverException {
    memory = options.getInt(QemuFlags.MEMORY);
    cpus = options.getInt(QemuFlags.CPUS);
    diskSize = options.getInt(QemuFlags.DISK_SIZE);
    accel = Accelerator.Setting.of(options.getString(QemuFlags.ACCEL)).value();
    sshUser = QemuFlags.sshUser(options.getString(QemuFlags.SSH_USER));
    binary = QemuFlags.binary(options.getString(QemuFlags.BINARY));
    portForwards =
        QemuFlags.forwards(options.getStringList(QemuFlags.PORT_FORWARD)).stream()
            .map(QemuFlags.Forward::spec)
            .toList();
    bootTimeout = options.getInt(QemuFlags.BOOT_TIMEOUT);
    String given = options.getString(QemuFlags.IMAGE).strip();
    image = given.isEmpty() ? "" : MachineImage.checkGiven(given).toString();
    ipAddress = HOST;
  }

  private Path machineDir() {
    return resolveStorePath("");
  }

  private VmProcess process() {
    return new VmProcess(machineDir());
  }

  /**
   * Checks QEMU and qemu-img are installed, the image (when given) is a disk that fits the disk
   * size, KVM works when {@code --qemu-accel kvm} asks for it, the extra forwarded ports are free
   * and the machine directory's path leaves room for the QMP socket.
   */
  @Override
  public void preCreateCheck() throws DriverException {
    Path qemu = Programs.qemu(binary);
    Path qemuImg = Programs.qemuImg(qemu);
    Optional<Path> kernel = Optional.empty();
    if (!image.isEmpty()) {
      MachineImage base = MachineImage.read(MachineImage.checkGiven(image), qemuImg);
      checkFits(base);
      kernel = base.kernel();
    } else if (MachineImage.isBuilt(MachineImage.defaultDir(storePath))) {
      kernel = Optional.of(MachineImage.defaultDir(storePath).resolve(MachineImage.KERNEL));
    }
    Accelerator.choose(Accelerator.Setting.of(accel), qemu, kernel);
    for (QemuFlags.Forward f : forwards()) {
      if (f.protocol().equals("tcp") && !LoopbackPorts.isFree(f.hostPort())) {
        throw DriverException.invalidArgument(
            QemuFlags.PORT_FORWARD,
            "--%s %s: port %d on %s is taken by another program; pick another host port",
            QemuFlags.PORT_FORWARD,
            f.spec(),
            f.hostPort(),
            HOST);
      }
    }
    Path socket = machineDir().resolve(VmCommand.QMP);
    if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
      throw DriverException.failedPrecondition(
          "the machine directory's path is too long for QEMU's control socket (%s, more than %d"
              + " bytes): use a shorter --storage-path or machine name",
          socket, MAX_SOCKET_PATH);
    }
  }

  private void checkFits(MachineImage base) throws DriverException {
    if (base.virtualSize() > diskSize << 20) {
      throw DriverException.invalidArgument(
          QemuFlags.DISK_SIZE,
          "--%s %d MB is smaller than the image %s (%d MB): give at least %d",
          QemuFlags.DISK_SIZE,
          diskSize,
          base.disk(),
          base.virtualSize() >> 20,
          (base.virtualSize() + (1 << 20) - 1) >> 20);
    }
  }

  private List<QemuFlags.Forward> forwards() throws DriverException {
    return QemuFlags.forwards(portForwards);
  }

  @Override
  public void create(Operation operation) throws DriverException {
    Path qemu = Programs.qemu(binary);
    Path qemuImg = Programs.qemuImg(qemu);
    try {
      MachineImage base = baseImage(qemuImg, operation);
      checkFits(base);
      operation.checkCancelled();
      Path key = resolveStorePath(KEY_FILE);
      operation.progress("ssh-key", "Generating the machine's SSH key " + key);
      String publicKey = SshKeys.generate(key);
      sshKeyPath = key.toString();
      Seed.write(
          machineDir().resolve(Seed.DIR),
          UUID.randomUUID().toString(),
          hostname(),
          sshUser,
          publicKey);
      operation.progress(
          "disk", "Creating the " + diskSize + " MB disk, an overlay on " + base.disk());
      Programs.Result made =
          Programs.run(
              List.of(
                  qemuImg.toString(),
                  "create",
                  "-q",
                  "-f",
                  "qcow2",
                  "-b",
                  base.disk().toString(),
                  "-F",
                  base.format(),
                  machineDir().resolve(VmCommand.DISK).toString(),
                  diskSize + "M"),
              Duration.ofSeconds(60));
      if (made.exitCode() != 0) {
        throw DriverException.unavailable("qemu-img cannot create the disk: %s", made.tail());
      }
      sshPort = LoopbackPorts.free();
      enginePort = LoopbackPorts.free();
      operation.checkCancelled();
      boot(qemu, base, operation);
    } catch (DriverException | RuntimeException e) {
      cleanUpAfterCreate();
      if (operation.isCancelled() || Thread.currentThread().isInterrupted()) {
        throw DriverException.cancelled(
            "creating the machine \"%s\" was cancelled; its VM and disk were removed", machineName);
      }
      throw e;
    }
  }

  /** Returns the base image, building the default one first when the store has none. */
  private MachineImage baseImage(Path qemuImg, Operation operation) throws DriverException {
    if (!image.isEmpty()) {
      operation.progress("image", "Using the image " + image);
      return MachineImage.read(MachineImage.checkGiven(image), qemuImg);
    }
    Path dir = MachineImage.defaultDir(storePath);
    if (MachineImage.isBuilt(dir)) {
      operation.progress("image", "Using the machine image " + dir);
    } else {
      dir = MachineImage.build(storePath, operation);
    }
    // the overlay names its backing file: it stays this image even when the recipe changes
    image = dir.toString();
    return MachineImage.read(dir, qemuImg);
  }

  /** Launches the VM and waits for SSH; the ports were chosen at create and never change. */
  private void boot(Path qemu, MachineImage base, Operation operation) throws DriverException {
    String chosen = Accelerator.choose(Accelerator.Setting.of(accel), qemu, base.kernel());
    if (chosen.equals("tcg") && !accel.equals("tcg")) {
      operation.progress(
          "accel",
          "KVM is unusable here ("
              + Accelerator.probe(qemu, base.kernel()).why()
              + "): emulating the CPU with TCG, which is slower");
    }
    lastAccel = chosen;
    VmCommand command =
        new VmCommand(
            qemu, chosen, memory, cpus, machineDir(), base, sshPort, enginePort, forwards());
    operation.progress(
        "boot",
        String.format(
            "Booting the VM (%s, %d MB, %d CPU%s; SSH on %s:%d, Docker on %s:%d)",
            chosen.toUpperCase(java.util.Locale.ROOT),
            memory,
            cpus,
            cpus == 1 ? "" : "s",
            HOST,
            sshPort,
            HOST,
            enginePort));
    VmProcess process = process();
    // Cancelling ends the VM at once: the SSH wait below then ends too.
    operation.onCancel(
        () -> {
          try {
            process.quit();
          } catch (DriverException e) {
            // the cleanup after the cancelled create tries again
          }
        });
    process.launch(command.arguments(machineName));
    operation.progress("wait-ssh", "Waiting for SSH on " + HOST + ":" + sshPort);
    Ssh.waitFor(sshTarget(), Duration.ofSeconds(bootTimeout), operation);
    operation.progress("ready", "The VM answers SSH", 1.0);
  }

  /** Removes what a Create made, whatever state it got to; runs even on a cancelled thread. */
  private void cleanUpAfterCreate() {
    boolean interrupted = Thread.interrupted();
    try {
      process().quit();
    } catch (DriverException e) {
      System.err.println(
          "machine-driver-qemu: cannot end the VM of a failed create: " + e.getMessage());
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    Path key = resolveStorePath(KEY_FILE);
    deleteMachineFiles(List.of(key, SshKeys.publicKeyPath(key), resolveStorePath(KNOWN_HOSTS)));
    sshPort = 0;
    enginePort = 0;
  }

  private void deleteMachineFiles(List<Path> extra) {
    List<Path> files = new ArrayList<>(extra);
    for (String name :
        List.of(VmCommand.DISK, VmCommand.PIDFILE, VmCommand.QMP, VmCommand.CONSOLE)) {
      files.add(resolveStorePath(name));
    }
    for (Path file : files) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // the host removes the machine directory anyway
      }
    }
    deleteTree(machineDir().resolve(Seed.DIR));
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // the host removes the machine directory anyway
    }
  }

  @Override
  public void remove(Operation operation) throws DriverException {
    VmProcess process = process();
    if (process.find().isPresent()) {
      operation.progress("remove", "Ending the VM", 0.0);
      process.quit();
    }
    operation.progress("remove", "Deleting the VM's disk, seed and sockets");
    deleteMachineFiles(List.of());
    operation.progress("removed", "Removed the VM of \"" + machineName + "\"", 1.0);
  }

  @Override
  public void start(Operation operation) throws DriverException {
    VmProcess process = process();
    if (process.find().isPresent()) {
      operation.progress("start", "The VM runs already");
      return;
    }
    requireDisk();
    Path qemu = Programs.qemu(binary);
    MachineImage base = MachineImage.read(Path.of(image), Programs.qemuImg(qemu));
    for (int port : List.of(sshPort, enginePort)) {
      if (!LoopbackPorts.isFree(port)) {
        throw DriverException.unavailable(
            "port %d on %s, which the machine \"%s\" forwards, is taken by another program;"
                + " free it, or remove and recreate the machine",
            port, HOST, machineName);
      }
    }
    boot(qemu, base, operation);
  }

  @Override
  public void stop(Operation operation) throws DriverException {
    VmProcess process = process();
    if (process.find().isEmpty()) {
      requireDisk();
    }
    if (process.find().isEmpty()) {
      process.removeStaleFiles();
      operation.progress("stop", "The VM is stopped already");
      return;
    }
    operation.progress("stop", "Powering the VM off (ACPI)", 0.0);
    process.powerdown();
    if (!process.awaitExit(STOP_GRACE)) {
      operation.progress(
          "stop", "The VM did not power off within " + STOP_GRACE.toSeconds() + " s: ending it");
      process.quit();
    }
    operation.progress("stopped", "The VM is stopped", 1.0);
  }

  @Override
  public void kill(Operation operation) throws DriverException {
    VmProcess process = process();
    if (process.find().isEmpty()) {
      requireDisk();
    }
    if (process.find().isEmpty()) {
      process.removeStaleFiles();
      operation.progress("kill", "The VM is stopped already");
      return;
    }
    operation.progress("kill", "Ending the VM now (QMP quit)", 0.0);
    process.quit();
    operation.progress("killed", "The VM was ended", 1.0);
  }

  /** Powers the VM off and boots it again, so the disk is clean (a reset would not sync it). */
  @Override
  public void restart(Operation operation) throws DriverException {
    stop(operation);
    start(operation);
  }

  @Override
  public MachineState getState() {
    if (!Files.exists(resolveStorePath(VmCommand.DISK))) {
      return MachineState.NOT_FOUND;
    }
    return process().state();
  }

  private void requireDisk() throws DriverException {
    if (!Files.exists(resolveStorePath(VmCommand.DISK))) {
      throw DriverException.notFound(
          "the disk %s of machine \"%s\" no longer exists; remove the machine with \"machine rm"
              + " %s\"",
          resolveStorePath(VmCommand.DISK), machineName, machineName);
    }
  }

  @Override
  public String getIp() {
    return HOST;
  }

  @Override
  public int getSshPort() throws DriverException {
    if (sshPort <= 0) {
      throw DriverException.failedPrecondition(
          "the machine \"%s\" has no VM yet; create it first", machineName);
    }
    return sshPort;
  }

  @Override
  public String getSshUsername() {
    return sshUser == null || sshUser.isEmpty() ? QemuFlags.DEFAULT_SSH_USER : sshUser;
  }

  @Override
  public String getSshKeyPath() {
    return sshKeyPath == null || sshKeyPath.isEmpty()
        ? resolveStorePath(KEY_FILE).toString()
        : sshKeyPath;
  }

  /** Returns {@code tcp://127.0.0.1:<forwarded 2376>} while the VM runs. */
  @Override
  public String getUrl() throws DriverException {
    MachineState state = getState();
    if (state != MachineState.RUNNING) {
      throw DriverException.failedPrecondition(
          "the machine \"%s\" is not running (it is %s): start it with \"machine start %s\"",
          machineName, state.displayName(), machineName);
    }
    return "tcp://" + HOST + ":" + enginePort;
  }

  private String hostname() {
    return machineName.length() <= 63 ? machineName : machineName.substring(0, 63);
  }

  /** Returns where SSH reaches the machine, with its host key pinned in the machine directory. */
  SshTarget sshTarget() {
    return SshTarget.of(HOST, sshPort, getSshUsername(), Path.of(getSshKeyPath()))
        .withKnownHosts(resolveStorePath(KNOWN_HOSTS));
  }
}
