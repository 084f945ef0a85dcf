package io.machinehost.host.provision;

import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import io.machinehost.testsupport.TestImages;
import io.machinehost.testsupport.Testbed;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * A container that behaves like a Docker host as the generic driver meets one: the capability set
 * that stands in for {@code --privileged} (which this bench's engine refuses), SSH and the engine's
 * port 2376 published on fixed ports of 127.0.0.1. Either the docker driver's {@link
 * TestImages#MACHINE} (no systemd: it runs provisioning's start script at boot), or {@link
 * TestImages#SYSTEMD_TARGET}, booted by systemd and without a Docker engine.
 */
final class DockerHostContainer extends GenericContainer<DockerHostContainer> {
  private final int sshPort = Testbed.freePort();
  private final int enginePort = Testbed.freePort();

  private DockerHostContainer(String image, String authorizedKey, boolean systemd) {
    super(DockerImageName.parse(image));
    withImagePullPolicy(name -> false);
    withEnv("SSH_AUTHORIZED_KEYS", authorizedKey);
    Map<String, String> tmpfs =
        systemd
            ? Map.of("/run", "rw,exec,nosuid,size=64m", "/run/lock", "rw,nosuid,size=8m")
            : Map.of("/run", "rw,exec,nosuid,size=64m");
    if (systemd) {
      withEnv("container", "docker");
    }
    withCreateContainerCmdModifier(
        cmd -> {
          cmd.withExposedPorts(ExposedPort.tcp(22), ExposedPort.tcp(2376));
          cmd.getHostConfig()
              .withPortBindings(
                  new PortBinding(
                      Ports.Binding.bindIpAndPort("127.0.0.1", sshPort), ExposedPort.tcp(22)),
                  new PortBinding(
                      Ports.Binding.bindIpAndPort("127.0.0.1", enginePort), ExposedPort.tcp(2376)))
              .withCapAdd(Capability.ALL)
              .withCapDrop(Capability.SYS_RESOURCE)
              // systempaths=unconfined is left out: docker-java cannot send it, and an engine
              // that runs no containers (these tests run none) does without it.
              .withSecurityOpts(List.of("seccomp=unconfined", "apparmor=unconfined"))
              .withDeviceCgroupRules(List.of("a *:* rwm"))
              .withTmpFs(tmpfs);
        });
    waitingFor(
        systemd
            ? Wait.forSuccessfulCommand("systemctl is-active --quiet ssh.service")
                .withStartupTimeout(Duration.ofSeconds(60))
            : Wait.forLogMessage(".*Server listening on.*", 1)
                .withStartupTimeout(Duration.ofSeconds(60)));
  }

  /** The docker driver's machine image, with docker.io installed and no systemd. */
  static DockerHostContainer machineImage(String authorizedKey) {
    return new DockerHostContainer(TestImages.MACHINE, authorizedKey, false);
  }

  /** A Debian booted by systemd, without a Docker engine. */
  static DockerHostContainer systemd(String authorizedKey) {
    return new DockerHostContainer(TestImages.SYSTEMD_TARGET, authorizedKey, true);
  }

  /** Returns the SSH port published on 127.0.0.1. */
  int sshPort() {
    return sshPort;
  }

  /** Returns the port published on 127.0.0.1 for the engine's 2376. */
  int enginePort() {
    return enginePort;
  }

  /**
   * Runs a shell command in the container as root and returns its standard output.
   *
   * @throws IllegalStateException if it exits non-zero
   */
  String sh(String command) throws IOException, InterruptedException {
    ExecResult result = execInContainer("sh", "-c", command);
    if (result.getExitCode() != 0) {
      throw new IllegalStateException(
          "\"" + command + "\" exited " + result.getExitCode() + ": " + result.getStderr());
    }
    return result.getStdout();
  }
}
