package io.machinehost.driver.docker;

import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.Operation;
import io.machinehost.sdk.ssh.Ssh;
import io.machinehost.sdk.ssh.SshTarget;
import java.time.Duration;
import java.util.List;

/**
 * Brings a machine's container up: made and started by Create (with the privilege fallback), or
 * started and restarted later; each time the published ports are read again and SSH is waited for
 * while the container is watched, so a container that dies says why at once.
 */
final class MachineStarter {
  static final Duration SSH_TIMEOUT = Duration.ofSeconds(90);

  /** How often the wait for SSH looks whether the container still runs. */
  private static final Duration SSH_ATTEMPT = Duration.ofSeconds(5);

  private static final Duration MIN_ATTEMPT = Duration.ofSeconds(1);
  private static final int LOG_LINES = 15;

  private final DockerDriver driver;
  private final DockerEngine engine;
  private final Operation operation;

  MachineStarter(DockerDriver driver, DockerEngine engine, Operation operation) {
    this.driver = driver;
    this.engine = engine;
    this.operation = operation;
  }

  /** Creates and starts a new machine's container, then waits for SSH. */
  void createAndStart(String authorizedKey) throws DriverException {
    ContainerCommands.Spec spec = driver.spec(authorizedKey);
    Privileges.Setting setting = driver.privilegedSetting();
    Privileges.Mode mode = Privileges.first(setting, engine.address());
    for (int attempt = 0; ; attempt++) {
      operation.progress(
          "create-container",
          "Creating the container " + spec.name() + " from " + spec.image() + describe(mode),
          0.3 + 0.1 * attempt);
      String id = ContainerCommands.create(engine, spec, mode);
      driver.recordContainer(id, mode);
      operation.checkCancelled();
      operation.progress(
          "start-container", "Starting the container " + spec.name(), 0.35 + 0.1 * attempt);
      try {
        ContainerCommands.start(engine, id, spec.name());
        break;
      } catch (DriverException e) {
        if (operation.isCancelled()) {
          throw e;
        }
        if (setting == Privileges.Setting.TRUE) {
          throw DriverException.failedPrecondition(
                  "%s; if the engine at %s cannot run privileged containers, use --%s auto",
                  e.getMessage(), engine.address().host(), DockerFlags.PRIVILEGED)
              .withCause(e);
        }
        if (!Privileges.mayFallBack(setting, mode)) {
          throw e;
        }
        operation.progress(
            "start-container",
            "The engine refused a privileged container ("
                + e.getMessage()
                + "); giving it the capabilities of a Docker host instead");
        ContainerCommands.remove(engine, id, spec.name());
        driver.recordContainer("", null);
        mode = Privileges.Mode.CAPABILITIES;
      }
    }
    if (setting == Privileges.Setting.AUTO) {
      Privileges.learn(engine.address(), mode);
    }
    afterStart(0.5);
  }

  private static String describe(Privileges.Mode mode) {
    return mode == Privileges.Mode.PRIVILEGED
        ? " (privileged)"
        : " (with the capabilities of a Docker host)";
  }

  /** Starts the machine (unpauses a paused one; a running one stays), then waits for SSH. */
  void start() throws DriverException {
    MachineContainer c = driver.requireContainer(engine);
    String name = c.name();
    if (c.isPaused()) {
      operation.progress("start", "Unpausing the container " + name, 0.0);
      ContainerCommands.unpause(engine, c.id(), name);
    } else if (c.isRunning()) {
      operation.progress("start", "The container " + name + " is running already", 0.0);
    } else {
      operation.progress("start", "Starting the container " + name, 0.0);
      ContainerCommands.start(engine, c.id(), name);
    }
    afterStart(0.3);
  }

  /** Restarts the machine (starts a stopped one), then waits for SSH. */
  void restart() throws DriverException {
    MachineContainer c = driver.requireContainer(engine);
    String name = c.name();
    if (c.isPaused()) {
      ContainerCommands.unpause(engine, c.id(), name);
    }
    operation.progress("restart", "Restarting the container " + name, 0.0);
    ContainerCommands.restart(engine, c.id(), name);
    afterStart(0.3);
  }

  /** Reads the ports the engine chose for this start and waits until SSH accepts the key. */
  private void afterStart(double fraction) throws DriverException {
    MachineContainer c = driver.requireContainer(engine);
    if (!c.isRunning()) {
      throw died(c);
    }
    driver.recordPorts(c);
    SshTarget target = driver.sshTarget();
    operation.progress("wait-ssh", "Waiting for SSH on " + target, fraction);
    long deadline = System.nanoTime() + SSH_TIMEOUT.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      try {
        Ssh.waitFor(
            target,
            Duration.ofNanos(
                Math.max(MIN_ATTEMPT.toNanos(), Math.min(left, SSH_ATTEMPT.toNanos()))),
            operation);
        break;
      } catch (DriverException e) {
        if (e.code() != DriverException.Code.TIMEOUT) {
          throw e;
        }
        MachineContainer now = driver.requireContainer(engine);
        if (!now.isRunning()) {
          throw died(now);
        }
        if (System.nanoTime() >= deadline) {
          throw DriverException.timeout(
                  "the machine \"%s\" runs, but SSH at %s did not answer within %d s: %s%s",
                  c.name(), target, SSH_TIMEOUT.toSeconds(), e.getMessage(), logs(now))
              .withCause(e);
        }
      }
    }
    operation.progress("ready", "The machine runs; SSH answers on " + target, 1.0);
  }

  /** Says that the container stopped when it should run, with its last output. */
  private DriverException died(MachineContainer c) {
    return DriverException.failedPrecondition(
        "the container %s stopped (status %s%s) instead of running sshd; does the image %s"
            + " run sshd in the foreground?%s",
        c.name(),
        c.status(),
        c.exitCode().map(code -> ", exit code " + code).orElse(""),
        driver.spec("").image(),
        logs(c));
  }

  private String logs(MachineContainer c) {
    List<String> lines = ContainerCommands.logTail(engine, c.id(), LOG_LINES);
    return lines.isEmpty() ? "" : "; its last output:\n  " + String.join("\n  ", lines);
  }
}
