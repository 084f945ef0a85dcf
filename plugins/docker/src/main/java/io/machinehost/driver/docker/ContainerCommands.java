package io.machinehost.driver.docker;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import io.machinehost.sdk.DriverException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The container calls the driver makes, each idempotent where the protocol wants it to be. */
final class ContainerCommands {
  /** How long a stopping container gets before it is killed, as {@code docker stop}'s default. */
  static final int STOP_TIMEOUT_SECONDS = 10;

  private ContainerCommands() {}

  /** What a new machine's container is made of. */
  record Spec(
      String name,
      String hostname,
      String image,
      String publishAddress,
      String network,
      long nanoCpus,
      long memory,
      String authorizedKey,
      java.util.Map<String, String> labels,
      int sshHostPort,
      int engineHostPort) {}

  /** Builds the host part of a container: published ports, limits, network and rights. */
  static HostConfig hostConfig(Spec spec, Privileges.Mode mode) {
    UnconfinedHostConfig host = new UnconfinedHostConfig();
    host.withPortBindings(
        new PortBinding(
            binding(spec.publishAddress(), spec.sshHostPort()),
            ExposedPort.tcp(MachineContainer.SSH_PORT)),
        new PortBinding(
            binding(spec.publishAddress(), spec.engineHostPort()),
            ExposedPort.tcp(MachineContainer.ENGINE_PORT)));
    if (spec.nanoCpus() > 0) {
      host.withNanoCPUs(spec.nanoCpus());
    }
    if (spec.memory() > 0) {
      host.withMemory(spec.memory());
    }
    if (!spec.network().isEmpty()) {
      host.withNetworkMode(spec.network());
    }
    return Privileges.apply(host, mode);
  }

  // A fixed host port keeps the machine's address across restarts; 0 lets the engine choose one
  // at every start.
  private static Ports.Binding binding(String address, int port) {
    return port > 0 ? Ports.Binding.bindIpAndPort(address, port) : Ports.Binding.bindIp(address);
  }

  /**
   * Creates (does not start) a machine's container.
   *
   * @return its ID
   * @throws DriverException ALREADY_EXISTS if the name was taken meanwhile
   */
  static String create(DockerEngine engine, Spec spec, Privileges.Mode mode)
      throws DriverException {
    try {
      CreateContainerResponse created =
          engine
              .client()
              .createContainerCmd(spec.image())
              .withName(spec.name())
              .withHostName(spec.hostname())
              .withLabels(spec.labels())
              .withEnv("SSH_AUTHORIZED_KEYS=" + spec.authorizedKey())
              .withExposedPorts(
                  ExposedPort.tcp(MachineContainer.SSH_PORT),
                  ExposedPort.tcp(MachineContainer.ENGINE_PORT))
              .withHostConfig(hostConfig(spec, mode))
              .exec();
      return created.getId();
    } catch (ConflictException e) {
      throw DriverException.alreadyExists(
              "a container named %s already exists on the engine at %s: %s",
              spec.name(), engine.address().host(), DockerEngine.engineMessage(e))
          .withCause(e);
    } catch (RuntimeException e) {
      throw engine.translate("create container " + spec.name(), e);
    }
  }

  /** Starts a container; one that runs already is left as it is. */
  static void start(DockerEngine engine, String id, String name) throws DriverException {
    engine.run(
        "start container " + name,
        () -> {
          try {
            engine.client().startContainerCmd(id).exec();
          } catch (NotModifiedException running) {
            // started already
          }
        });
  }

  /** Stops a container, killing it after {@value #STOP_TIMEOUT_SECONDS} s. */
  static void stop(DockerEngine engine, String id, String name) throws DriverException {
    engine.run(
        "stop container " + name,
        () -> {
          try {
            engine.client().stopContainerCmd(id).withTimeout(STOP_TIMEOUT_SECONDS).exec();
          } catch (NotModifiedException stopped) {
            // stopped already
          }
        });
  }

  /** Kills a container with SIGKILL; one that is not running is left as it is. */
  static void kill(DockerEngine engine, String id, String name) throws DriverException {
    engine.run(
        "kill container " + name,
        () -> {
          try {
            engine.client().killContainerCmd(id).exec();
          } catch (ConflictException notRunning) {
            // it stopped meanwhile
          }
        });
  }

  /** Restarts a container (starts a stopped one). */
  static void restart(DockerEngine engine, String id, String name) throws DriverException {
    engine.run(
        "restart container " + name,
        () -> engine.client().restartContainerCmd(id).withTimeout(STOP_TIMEOUT_SECONDS).exec());
  }

  /** Unpauses a paused container. */
  static void unpause(DockerEngine engine, String id, String name) throws DriverException {
    engine.run(
        "unpause container " + name,
        () -> {
          try {
            engine.client().unpauseContainerCmd(id).exec();
          } catch (ConflictException notPaused) {
            // unpaused meanwhile
          }
        });
  }

  /** Removes a container, running or not, and its anonymous volumes; a missing one is fine. */
  static void remove(DockerEngine engine, String id, String name) throws DriverException {
    engine.run(
        "remove container " + name,
        () -> {
          try {
            engine.client().removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
          } catch (NotFoundException gone) {
            // removed already
          }
        });
  }

  /** Returns the last lines a container printed, for messages about a machine that died. */
  static List<String> logTail(DockerEngine engine, String id, int lines) {
    List<String> out = new ArrayList<>();
    ResultCallback.Adapter<Frame> callback =
        new ResultCallback.Adapter<>() {
          @Override
          public void onNext(Frame frame) {
            for (String line : new String(frame.getPayload(), StandardCharsets.UTF_8).split("\n")) {
              if (!line.isBlank()) {
                synchronized (out) {
                  out.add(line.strip());
                }
              }
            }
          }
        };
    try {
      engine
          .client()
          .logContainerCmd(id)
          .withStdOut(true)
          .withStdErr(true)
          .withTail(lines)
          .exec(callback)
          .awaitCompletion(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      // the logs only explain a failure reported anyway
    }
    synchronized (out) {
      return List.copyOf(out);
    }
  }
}
