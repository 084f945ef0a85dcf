package io.machinehost.driver.generic;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Docker Machine's generic driver: a host that already exists, reached over SSH. Create copies the
 * given key into the machine's directory and waits until SSH accepts it; Remove only forgets the
 * host. The host key is pinned in the machine's {@code known_hosts} at first contact.
 *
 * <p>State is {@link MachineState#RUNNING} when an SSH server answers at the address (a TCP
 * connection and an {@code SSH-} banner within {@value #STATE_TIMEOUT_SECONDS} s), otherwise {@link
 * MachineState#STOPPED}. Power is controlled over SSH, with {@code sudo -n} unless the user is
 * root:
 *
 * <ul>
 *   <li>Stop: {@code shutdown -h now}, a clean shutdown; then waits until SSH stops answering.
 *   <li>Kill: {@code poweroff -f}, off at once without stopping services (systemd's forced power
 *       off, what "kill" means for a VM); then waits until SSH stops answering.
 *   <li>Restart: {@code shutdown -r now}, as Docker Machine's; then waits until SSH answers from a
 *       new boot (the kernel's boot ID or process 1's start time changed; where /proc lacks both,
 *       until SSH went away and came back).
 *   <li>Start: a host that is off cannot be powered on over SSH, so Start succeeds only when the
 *       host already runs and otherwise says so ({@link Capability#START} is not declared).
 * </ul>
 *
 * The connection usually drops while a power command runs; that counts as success.
 *
 * <p>The machine exists from a finished Create until Remove: before, its state is {@link
 * MachineState#NONE}; after, {@link MachineState#NOT_FOUND}, and power operations answer NOT_FOUND,
 * so that a stale config can never power off a host that was forgotten.
 */
public final class GenericDriver extends BaseDriver {
  static final String IP_FLAG = "generic-ip-address";
  static final String USER_FLAG = "generic-ssh-user";
  static final String KEY_FLAG = "generic-ssh-key";
  static final String PORT_FLAG = "generic-ssh-port";
  static final String ENGINE_PORT_FLAG = "generic-engine-port";
  static final int DEFAULT_ENGINE_PORT = 2376;
  static final int STATE_TIMEOUT_SECONDS = HostPower.STATE_TIMEOUT_SECONDS;

  private static final Duration CREATE_SSH_TIMEOUT = Duration.ofMinutes(1);

  @JsonProperty("EnginePort")
  private int enginePort = DEFAULT_ENGINE_PORT;

  @JsonProperty("SSHKey")
  private String sshKey = "";

  // Configs written before these fields existed are of created, present machines.
  @JsonProperty("Created")
  private boolean created = true;

  @JsonProperty("Removed")
  private boolean removed;

  /** Creates the driver for a machine. */
  public GenericDriver(String machineName, String storePath) {
    super(machineName, storePath);
  }

  @Override
  public String driverName() {
    return "generic";
  }

  @Override
  public String description() {
    return "An existing host reachable over SSH";
  }

  @Override
  public Set<Capability> capabilities() {
    return EnumSet.of(
        Capability.STOP,
        Capability.KILL,
        Capability.RESTART,
        Capability.SSH,
        Capability.PROVISION,
        Capability.CANCEL_CREATE);
  }

  @Override
  public List<CreateFlag> getCreateFlags() {
    return List.of(
        CreateFlag.integer(ENGINE_PORT_FLAG)
            .usage("Docker engine port")
            .envVar("GENERIC_ENGINE_PORT")
            .defaultValue(DEFAULT_ENGINE_PORT)
            .range(1, 65535)
            .build(),
        CreateFlag.string(IP_FLAG)
            .usage("IP Address of machine")
            .envVar("GENERIC_IP_ADDRESS")
            .required()
            .build(),
        CreateFlag.string(USER_FLAG)
            .usage("SSH user")
            .envVar("GENERIC_SSH_USER")
            .defaultValue(DEFAULT_SSH_USER)
            .build(),
        CreateFlag.string(KEY_FLAG)
            .usage("SSH private key path (if not provided, default SSH keys will be used)")
            .envVar("GENERIC_SSH_KEY")
            .build(),
        CreateFlag.integer(PORT_FLAG)
            .usage("SSH port")
            .envVar("GENERIC_SSH_PORT")
            .defaultValue(DEFAULT_SSH_PORT)
            .range(1, 65535)
            .build());
  }

  @Override
  public void setConfigFromFlags(DriverOptions options) throws DriverException {
    ipAddress = options.getString(IP_FLAG).trim();
    if (ipAddress.isEmpty()) {
      throw DriverException.invalidArgument(
          IP_FLAG, "generic driver requires the --%s option", IP_FLAG);
    }
    sshUser =
        options.getString(USER_FLAG).isBlank() ? DEFAULT_SSH_USER : options.getString(USER_FLAG);
    sshKey = expandHome(options.getString(KEY_FLAG).trim());
    sshPort = port(options, PORT_FLAG, DEFAULT_SSH_PORT);
    enginePort = port(options, ENGINE_PORT_FLAG, DEFAULT_ENGINE_PORT);
    created = false;
    removed = false;
  }

  private static int port(DriverOptions options, String flag, int fallback) throws DriverException {
    if (!options.has(flag)) {
      return fallback;
    }
    long port = options.getInt(flag);
    if (port < 1 || port > 65535) {
      throw DriverException.invalidArgument(
          flag, "flag \"--%s\" must be between 1 and 65535, not %d", flag, port);
    }
    return (int) port;
  }

  private static String expandHome(String path) {
    return path.startsWith("~/") ? System.getProperty("user.home") + path.substring(1) : path;
  }

  /** Checks the key given with {@code --generic-ssh-key} is a readable file. */
  @Override
  public void preCreateCheck() throws DriverException {
    if (sshKey.isEmpty()) {
      return;
    }
    Path key = Path.of(sshKey);
    if (!Files.exists(key)) {
      throw DriverException.invalidArgument(
          KEY_FLAG, "SSH key does not exist: \"%s\" (given with --%s)", sshKey, KEY_FLAG);
    }
    if (!Files.isRegularFile(key) || !Files.isReadable(key)) {
      throw DriverException.invalidArgument(
          KEY_FLAG, "SSH key \"%s\" (given with --%s) is not a readable file", sshKey, KEY_FLAG);
    }
  }

  @Override
  public void create(Operation operation) throws DriverException {
    List<Path> made = List.of();
    try {
      if (!sshKey.isEmpty()) {
        operation.progress("copy-key", "Copying the SSH key " + sshKey + " into the machine");
        made = copyKey();
      } else {
        operation.progress("copy-key", "No SSH key given: using the default keys of ~/.ssh");
      }
      operation.checkCancelled();
      SshTarget target = target();
      operation.progress("wait-ssh", "Waiting for SSH on " + target);
      Ssh.waitFor(target, CREATE_SSH_TIMEOUT, operation);
      operation.progress("ssh-ready", "SSH on " + target + " accepts the key", 1.0);
      created = true;
    } catch (DriverException e) {
      forget(made);
      throw e;
    }
  }

  /** Copies the key (and its .pub, if any) owner-only into the machine directory. */
  private List<Path> copyKey() throws DriverException {
    Path from = Path.of(sshKey);
    String name = from.getFileName().toString();
    Path to = resolveStorePath(name.matches("id_[A-Za-z0-9_.-]+") ? name : "ssh_key");
    try {
      SshKeys.copyOwnerOnly(from, to);
    } catch (IOException e) {
      throw DriverException.invalidArgument(
              KEY_FLAG, "cannot copy the SSH key \"%s\": %s", sshKey, e.getMessage())
          .withCause(e);
    }
    sshKeyPath = to.toString();
    Path publicKey = SshKeys.publicKeyPath(from);
    Path publicCopy = SshKeys.publicKeyPath(to);
    try {
      if (Files.isRegularFile(publicKey)) {
        SshKeys.copyOwnerOnly(publicKey, publicCopy);
        return List.of(to, publicCopy);
      }
    } catch (IOException e) {
      // best effort, as Docker Machine: the public key is only for the user's convenience
    }
    return List.of(to);
  }

  /** Removes what a failed create made; the host itself was never touched. */
  private void forget(List<Path> made) {
    for (Path file : made) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // the host removes the machine directory anyway
      }
    }
    if (!made.isEmpty()) {
      sshKeyPath = "";
    }
  }

  /** Forgets the host: nothing on it is touched. */
  @Override
  public void remove(Operation operation) {
    operation.progress("forget", "Forgetting " + ipAddress + "; nothing on the host is touched");
    removed = true;
  }

  /** Refuses to act on a machine that was removed or never created. */
  private void requireExisting() throws DriverException {
    if (removed || !created) {
      throw DriverException.notFound(
          "machine \"%s\" %s: the generic driver no longer acts on the host at %s",
          machineName, removed ? "was removed" : "was never created", ipAddress);
    }
  }

  @Override
  public void start(Operation operation) throws DriverException {
    requireExisting();
    if (!answers()) {
      throw DriverException.notSupported(
          "the generic driver cannot power on the host at %s: start it yourself", ipAddress);
    }
    operation.progress("start", "The host at " + ipAddress + " is running already");
  }

  @Override
  public void stop(Operation operation) throws DriverException {
    requireExisting();
    new HostPower(target(), operation).powerOff("stop", "shutdown -h now");
  }

  @Override
  public void kill(Operation operation) throws DriverException {
    requireExisting();
    new HostPower(target(), operation).powerOff("kill", "poweroff -f");
  }

  @Override
  public void restart(Operation operation) throws DriverException {
    requireExisting();
    if (!answers()) {
      throw DriverException.notSupported(
          "the host at %s does not answer SSH and the generic driver cannot power it on:"
              + " start it yourself",
          ipAddress);
    }
    new HostPower(target(), operation).reboot("shutdown -r now");
  }

  private boolean answers() throws DriverException {
    return HostPower.answers(getIp(), getSshPort());
  }

  @Override
  public MachineState getState() throws DriverException {
    if (removed) {
      return MachineState.NOT_FOUND;
    }
    if (!created) {
      return MachineState.NONE;
    }
    return answers() ? MachineState.RUNNING : MachineState.STOPPED;
  }

  /** Returns {@code tcp://<ip>:<engine port>} once the host runs. */
  @Override
  public String getUrl() throws DriverException {
    if (!answers()) {
      throw DriverException.failedPrecondition(
          "the host at %s is not running: SSH on port %d does not answer", ipAddress, sshPort);
    }
    String host = ipAddress.indexOf(':') >= 0 ? "[" + ipAddress + "]" : ipAddress;
    return "tcp://" + host + ":" + enginePort;
  }

  /** Returns the machine's copy of the key, or an empty string when the default keys are used. */
  @Override
  public String getSshKeyPath() {
    return sshKeyPath == null ? "" : sshKeyPath;
  }

  /** Returns where SSH reaches this host, with its host key pinned in the machine directory. */
  SshTarget target() throws DriverException {
    String key = getSshKeyPath();
    return SshTarget.of(
            getIp(), getSshPort(), getSshUsername(), key.isEmpty() ? null : Path.of(key))
        .withKnownHosts(resolveStorePath("known_hosts"));
  }
}
