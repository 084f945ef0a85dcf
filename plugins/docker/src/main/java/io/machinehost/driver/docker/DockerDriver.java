package io.machinehost.driver.docker;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Info;
import io.machinehost.sdk.BaseDriver;
import io.machinehost.sdk.Capability;
import io.machinehost.sdk.CreateFlag;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.DriverOptions;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.Operation;
import io.machinehost.sdk.ssh.SshKeys;
import io.machinehost.sdk.ssh.SshTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Machines as containers on a Docker engine, driven through the engine's HTTP API (never the {@code
 * docker} command), as minikube's and kind's docker drivers do.
 *
 * <p>A machine is the container {@code machinehost-<name>}, labelled with the machine's name and
 * store, from an image that runs sshd and accepts the key given in {@code SSH_AUTHORIZED_KEYS}. Its
 * SSH port (22) and Docker port (2376) are published on the publish address at ports the engine
 * chooses; the engine chooses anew at every start, so Start and Restart read them again, and the
 * SSH and URL getters ask the engine while the container runs.
 *
 * <p>States: running → Running, paused → Paused, restarting → Starting, created, exited and dead →
 * Stopped, and no container → NotFound. Stop, Kill, Start and Remove are the container's, and are
 * idempotent; Remove also deletes the container's anonymous volumes ({@code /var/lib/docker}).
 */
public final class DockerDriver extends BaseDriver {
  static final String KEY_FILE = "id_ed25519";
  static final String KNOWN_HOSTS = "known_hosts";

  @JsonProperty("DockerHost")
  private String dockerHost = DockerFlags.DEFAULT_HOST;

  @JsonProperty("TLS")
  private boolean tls;

  @JsonProperty("CertPath")
  private String certPath = "";

  @JsonProperty("Image")
  private String image = MachineImage.DEFAULT;

  @JsonProperty("CPUs")
  private String cpus = "";

  @JsonProperty("NanoCPUs")
  private long nanoCpus;

  @JsonProperty("Memory")
  private long memory;

  @JsonProperty("Network")
  private String network = "";

  @JsonProperty("PublishAddress")
  private String publishAddress = DockerFlags.DEFAULT_PUBLISH_ADDRESS;

  @JsonProperty("Privileged")
  private String privileged = Privileges.Setting.AUTO.value();

  @JsonProperty("PrivilegeMode")
  private String privilegeMode = "";

  @JsonProperty("ContainerID")
  private String containerId = "";

  @JsonProperty("ContainerName")
  private String containerName = "";

  @JsonProperty("EnginePort")
  private int enginePort;

  /** Creates the driver for a machine. */
  public DockerDriver(String machineName, String storePath) {
    super(machineName, storePath);
  }

  @Override
  public String driverName() {
    return "docker";
  }

  @Override
  public String description() {
    return "Machines as containers on a Docker engine";
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
    return DockerFlags.definitions();
  }

  @Override
  public void setConfigFromFlags(DriverOptions options) throws DriverException {
    EngineAddress address =
        EngineAddress.of(
            options.getString(DockerFlags.HOST),
            options.getBool(DockerFlags.TLS_VERIFY),
            options.getString(DockerFlags.CERT_PATH));
    dockerHost = address.host();
    tls = address.tls();
    certPath = address.certPath();
    image = DockerFlags.image(options.getString(DockerFlags.IMAGE));
    cpus = options.getString(DockerFlags.CPUS).trim();
    nanoCpus = DockerFlags.nanoCpus(cpus);
    memory = DockerFlags.memory(options.getString(DockerFlags.MEMORY));
    network = DockerFlags.network(options.getString(DockerFlags.NETWORK));
    publishAddress = DockerFlags.publishAddress(options.getString(DockerFlags.PUBLISH_ADDRESS));
    try {
      privileged = Privileges.Setting.of(options.getString(DockerFlags.PRIVILEGED)).value();
    } catch (IllegalArgumentException e) {
      throw DriverException.invalidArgument(
          DockerFlags.PRIVILEGED,
          "--%s must be auto, true or false, not \"%s\"",
          DockerFlags.PRIVILEGED,
          options.getString(DockerFlags.PRIVILEGED));
    }
    ipAddress = address.reachableAddress(publishAddress);
    sshUser = DEFAULT_SSH_USER;
    containerName = MachineContainer.nameOf(machineName);
  }

  /** Returns the engine this machine lives on. */
  DockerEngine engine() {
    return DockerEngine.at(new EngineAddress(dockerHost, tls, tls ? certPath : ""));
  }

  String containerName() {
    return containerName.isEmpty() ? MachineContainer.nameOf(machineName) : containerName;
  }

  /**
   * Checks the engine answers, the image is there (or can be built), the network exists, the limits
   * fit the engine, and the container name is free.
   */
  @Override
  public void preCreateCheck() throws DriverException {
    DockerEngine engine = engine();
    engine.ping();
    MachineImage.check(engine, image);
    if (!network.isEmpty()) {
      try {
        engine.client().inspectNetworkCmd().withNetworkId(network).exec();
      } catch (NotFoundException e) {
        throw DriverException.invalidArgument(
            DockerFlags.NETWORK,
            "the network \"%s\" (--%s) does not exist on the engine at %s: create it (docker"
                + " network create %s) or leave --%s out",
            network,
            DockerFlags.NETWORK,
            engine.address().host(),
            network,
            DockerFlags.NETWORK);
      } catch (RuntimeException e) {
        throw engine.translate("inspect network " + network, e);
      }
    }
    if (nanoCpus > 0 || memory > 0) {
      checkLimits(engine.call("read the engine's info", () -> engine.client().infoCmd().exec()));
    }
    refuseTakenName(engine);
  }

  private void checkLimits(Info info) throws DriverException {
    Integer engineCpus = info.getNCPU();
    if (nanoCpus > 0 && engineCpus != null && nanoCpus > engineCpus * 1_000_000_000L) {
      throw DriverException.invalidArgument(
          DockerFlags.CPUS,
          "--%s %s is more than the %d CPUs of the engine at %s",
          DockerFlags.CPUS,
          cpus,
          engineCpus,
          dockerHost);
    }
    Long engineMemory = info.getMemTotal();
    if (memory > 0 && engineMemory != null && memory > engineMemory) {
      throw DriverException.invalidArgument(
          DockerFlags.MEMORY,
          "--%s of %d MiB is more than the %d MiB of the engine at %s",
          DockerFlags.MEMORY,
          memory >> 20,
          engineMemory >> 20,
          dockerHost);
    }
  }

  /** Refuses a container name that is taken, saying by whom. */
  private void refuseTakenName(DockerEngine engine) throws DriverException {
    Optional<MachineContainer> taken = MachineContainer.inspect(engine, containerName());
    if (taken.isPresent()) {
      MachineContainer c = taken.get();
      throw DriverException.alreadyExists(
          "the engine at %s already has a container named %s (%s, %s): remove it (docker rm -f"
              + " %s) or pick another machine name",
          engine.address().host(), containerName(), c.describeOwner(), c.status(), containerName());
    }
  }

  @Override
  public void create(Operation operation) throws DriverException {
    DockerEngine engine = engine();
    operation.progress("engine", "Connecting to the Docker engine at " + engine.address(), 0.0);
    engine.ping();
    operation.checkCancelled();
    MachineImage.ensure(engine, image, operation);
    operation.checkCancelled();
    refuseTakenName(engine);
    Path key = resolveStorePath(KEY_FILE);
    operation.progress("ssh-key", "Generating the machine's SSH key " + key);
    String publicKey = SshKeys.generate(key);
    sshKeyPath = key.toString();
    sshUser = DEFAULT_SSH_USER;
    containerName = containerName();
    try {
      new MachineStarter(this, engine, operation).createAndStart(publicKey);
    } catch (DriverException | RuntimeException e) {
      cleanUpAfterCreate(engine, key);
      if (operation.isCancelled()) {
        throw DriverException.cancelled(
            "creating the machine \"%s\" was cancelled; its container was removed", machineName);
      }
      throw e;
    }
  }

  /** Removes what a Create made, whatever state it got to; runs even on a cancelled thread. */
  private void cleanUpAfterCreate(DockerEngine engine, Path key) {
    boolean interrupted = Thread.interrupted();
    try {
      Optional<MachineContainer> made = findContainer(engine);
      if (made.isPresent()) {
        ContainerCommands.remove(engine, made.get().id(), containerName());
      }
    } catch (DriverException e) {
      System.err.println(
          "machine-driver-docker: cannot remove the container "
              + containerName()
              + " of a failed create: "
              + e.getMessage());
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    for (Path file : List.of(key, SshKeys.publicKeyPath(key), resolveStorePath(KNOWN_HOSTS))) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // the host removes the machine directory anyway
      }
    }
    containerId = "";
    sshPort = 0;
    enginePort = 0;
  }

  Optional<MachineContainer> findContainer(DockerEngine engine) throws DriverException {
    return MachineContainer.find(engine, containerId, machineName, storePath);
  }

  /** Returns the machine's container, or NOT_FOUND saying what to do. */
  MachineContainer requireContainer(DockerEngine engine) throws DriverException {
    Optional<MachineContainer> found = findContainer(engine);
    if (found.isEmpty()) {
      throw DriverException.notFound(
          "the container %s of machine \"%s\" no longer exists on the engine at %s; remove the"
              + " machine with \"machine rm %s\"",
          containerName(), machineName, engine.address().host(), machineName);
    }
    return found.get();
  }

  @Override
  public void remove(Operation operation) throws DriverException {
    DockerEngine engine = engine();
    Optional<MachineContainer> found = findContainer(engine);
    if (found.isEmpty()) {
      operation.progress("remove", "The container " + containerName() + " does not exist");
      return;
    }
    operation.progress(
        "remove", "Removing the container " + containerName() + " and its volumes", 0.0);
    ContainerCommands.remove(engine, found.get().id(), containerName());
    operation.progress("removed", "Removed the container " + containerName(), 1.0);
  }

  @Override
  public void start(Operation operation) throws DriverException {
    new MachineStarter(this, engine(), operation).start();
  }

  @Override
  public void restart(Operation operation) throws DriverException {
    new MachineStarter(this, engine(), operation).restart();
  }

  @Override
  public void stop(Operation operation) throws DriverException {
    DockerEngine engine = engine();
    MachineContainer c = requireContainer(engine);
    if (c.isPaused()) {
      ContainerCommands.unpause(engine, c.id(), containerName());
    } else if (!c.isRunning() && !c.status().equals("restarting")) {
      operation.progress("stop", "The container " + containerName() + " is stopped already");
      return;
    }
    operation.progress("stop", "Stopping the container " + containerName(), 0.0);
    ContainerCommands.stop(engine, c.id(), containerName());
    operation.progress("stopped", "Stopped the container " + containerName(), 1.0);
  }

  @Override
  public void kill(Operation operation) throws DriverException {
    DockerEngine engine = engine();
    MachineContainer c = requireContainer(engine);
    if (c.isPaused()) {
      ContainerCommands.unpause(engine, c.id(), containerName());
    } else if (!c.isRunning() && !c.status().equals("restarting")) {
      operation.progress("kill", "The container " + containerName() + " is stopped already");
      return;
    }
    operation.progress("kill", "Killing the container " + containerName(), 0.0);
    ContainerCommands.kill(engine, c.id(), containerName());
    operation.progress("killed", "Killed the container " + containerName(), 1.0);
  }

  @Override
  public MachineState getState() throws DriverException {
    return findContainer(engine()).map(MachineContainer::state).orElse(MachineState.NOT_FOUND);
  }

  /** Returns the published SSH port, asking the engine while the container runs. */
  @Override
  public int getSshPort() throws DriverException {
    if (containerId.isEmpty()) {
      if (sshPort > 0) {
        return sshPort;
      }
      throw DriverException.failedPrecondition(
          "the machine \"%s\" has no container yet; create it first", machineName);
    }
    try {
      findContainer(engine())
          .filter(MachineContainer::isRunning)
          .flatMap(c -> c.publishedPort(MachineContainer.SSH_PORT))
          .ifPresent(port -> sshPort = port);
    } catch (DriverException e) {
      if (sshPort <= 0) {
        throw e;
      }
      // the engine does not answer: the port last seen is the best answer there is
    }
    if (sshPort <= 0) {
      throw DriverException.failedPrecondition(
          "the machine \"%s\" is not running, so its SSH port is not published: start it with"
              + " \"machine start %s\"",
          machineName, machineName);
    }
    return sshPort;
  }

  @Override
  public String getSshUsername() {
    return DEFAULT_SSH_USER;
  }

  @Override
  public String getSshKeyPath() {
    return sshKeyPath == null || sshKeyPath.isEmpty()
        ? resolveStorePath(KEY_FILE).toString()
        : sshKeyPath;
  }

  /** Returns {@code tcp://<address>:<published 2376>} while the machine runs. */
  @Override
  public String getUrl() throws DriverException {
    DockerEngine engine = engine();
    MachineContainer c = requireContainer(engine);
    if (!c.isRunning()) {
      throw DriverException.failedPrecondition(
          "the machine \"%s\" is not running (its container is %s): start it with \"machine"
              + " start %s\"",
          machineName, c.status(), machineName);
    }
    int port =
        c.publishedPort(MachineContainer.ENGINE_PORT)
            .orElseThrow(
                () ->
                    DriverException.failedPrecondition(
                        "the container %s does not publish port %d",
                        containerName(), MachineContainer.ENGINE_PORT));
    String ip = getIp();
    return "tcp://" + (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + port;
  }

  // ---- what MachineStarter reads and records ------------------------------------------------

  ContainerCommands.Spec spec(String authorizedKey) {
    String hostname = machineName.length() <= 63 ? machineName : machineName.substring(0, 63);
    return new ContainerCommands.Spec(
        containerName(),
        hostname,
        image,
        publishAddress,
        network,
        nanoCpus,
        memory,
        authorizedKey,
        MachineContainer.labels(machineName, storePath),
        localEngine() ? freePort(publishAddress) : 0,
        localEngine() ? freePort(publishAddress) : 0);
  }

  // With an engine on this machine, the published ports are chosen here, once, so that they stay
  // the same across stops and starts and DOCKER_HOST from "machine env" keeps working; a remote
  // engine's host ports can't be probed from here, so it chooses them at every start.
  private boolean localEngine() {
    return dockerHost.startsWith("unix://");
  }

  private static int freePort(String address) {
    try (java.net.ServerSocket socket =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(address))) {
      return socket.getLocalPort();
    } catch (java.io.IOException e) {
      return 0;
    }
  }

  Privileges.Setting privilegedSetting() {
    return Privileges.Setting.of(privileged);
  }

  void recordContainer(String id, Privileges.Mode mode) {
    containerId = id;
    privilegeMode = mode == null ? "" : mode.value();
  }

  /** Records the ports the engine published the running container's SSH and Docker ports on. */
  void recordPorts(MachineContainer c) throws DriverException {
    sshPort =
        c.publishedPort(MachineContainer.SSH_PORT)
            .orElseThrow(
                () ->
                    DriverException.failedPrecondition(
                        "the container %s runs but does not publish port %d (status %s)",
                        containerName(), MachineContainer.SSH_PORT, c.status()));
    enginePort = c.publishedPort(MachineContainer.ENGINE_PORT).orElse(0);
  }

  /** Returns how the container got its rights: privileged or capabilities (empty before). */
  String privilegeMode() {
    return privilegeMode;
  }

  /** Returns the host port the engine published the machine's Docker port on at its last start. */
  int enginePort() {
    return enginePort;
  }

  /** Returns where SSH reaches the machine, with its host key pinned in the machine directory. */
  SshTarget sshTarget() throws DriverException {
    return SshTarget.of(getIp(), sshPort, getSshUsername(), Path.of(getSshKeyPath()))
        .withKnownHosts(resolveStorePath(KNOWN_HOSTS));
  }
}
