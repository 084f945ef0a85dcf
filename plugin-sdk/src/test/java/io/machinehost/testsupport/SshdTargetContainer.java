package io.machinehost.testsupport;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.RestartPolicy;
import io.machinehost.sdk.ssh.SshTarget;
import java.nio.file.Path;
import java.time.Duration;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * A {@link TestImages#SSHD_TARGET} container: a machine reachable over SSH on a fixed port of
 * 127.0.0.1 that stays the same when the container is stopped and started again. It runs with
 * {@code --restart on-failure}, so {@code shutdown -r} inside brings it back as a reboot would.
 */
public final class SshdTargetContainer extends GenericContainer<SshdTargetContainer> {
  /** The user with password-less sudo; root is accepted too. */
  public static final String USER = "machine";

  private final int sshPort;

  /**
   * Creates a container accepting one key for root and {@link #USER}.
   *
   * @param authorizedKey an {@code authorized_keys} line
   */
  public SshdTargetContainer(String authorizedKey) {
    this(authorizedKey, Testbed.freePort());
  }

  /**
   * Creates a container accepting one key, published on a given port of 127.0.0.1: a new container
   * on the port of an old one is the same address with new host keys, as a reinstalled machine.
   *
   * @param authorizedKey an {@code authorized_keys} line
   * @param sshPort the port of 127.0.0.1 to publish sshd on
   */
  public SshdTargetContainer(String authorizedKey, int sshPort) {
    super(DockerImageName.parse(TestImages.SSHD_TARGET));
    this.sshPort = sshPort;
    withImagePullPolicy(image -> false);
    withEnv("SSH_AUTHORIZED_KEYS", authorizedKey);
    withCreateContainerCmdModifier(
        cmd -> {
          cmd.withExposedPorts(ExposedPort.tcp(22));
          cmd.getHostConfig()
              .withPortBindings(
                  new PortBinding(
                      Ports.Binding.bindIpAndPort("127.0.0.1", sshPort), ExposedPort.tcp(22)))
              .withRestartPolicy(RestartPolicy.onFailureRestart(5));
        });
    waitingFor(
        Wait.forLogMessage(".*Server listening on.*", 1)
            .withStartupTimeout(Duration.ofSeconds(30)));
  }

  /** Returns the SSH port published on 127.0.0.1. */
  public int sshPort() {
    return sshPort;
  }

  /** Returns a target for a user of this container, with no host key pinned. */
  public SshTarget target(String user, Path privateKey) {
    return SshTarget.of("127.0.0.1", sshPort, user, privateKey);
  }

  /** Stops the container, keeping it (and its host keys) for {@link #startAgain()}. */
  public void stopKeeping() {
    getDockerClient().stopContainerCmd(getContainerId()).withTimeout(5).exec();
  }

  /** Starts a container stopped by {@link #stopKeeping()}. */
  public void startAgain() {
    getDockerClient().startContainerCmd(getContainerId()).exec();
  }

  /** Returns how often Docker restarted the container after it exited with a failure. */
  public int restartCount() {
    Integer count =
        getDockerClient().inspectContainerCmd(getContainerId()).exec().getRestartCount();
    return count == null ? 0 : count;
  }

  /** Returns whether the container runs. */
  public boolean isRunningNow() {
    Boolean running =
        getDockerClient().inspectContainerCmd(getContainerId()).exec().getState().getRunning();
    return Boolean.TRUE.equals(running);
  }
}
