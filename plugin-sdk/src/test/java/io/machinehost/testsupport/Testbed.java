package io.machinehost.testsupport;

import com.github.dockerjava.api.exception.NotFoundException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/**
 * Makes integration tests fail, never skip, when the test bench is missing: register it before
 * {@code @Testcontainers} with {@code @ExtendWith(Testbed.class)}.
 */
public final class Testbed implements BeforeAllCallback {
  static final String HOW_TO =
      "start the test bench with `make testbed` and export its settings with"
          + " `eval \"$(make -s testbed-env)\"`, then run the tests again";

  @Override
  public void beforeAll(ExtensionContext context) {
    requireDocker();
    requireImage(TestImages.SSHD_TARGET);
  }

  /**
   * Checks the test bench's Docker engine answers.
   *
   * @throws IllegalStateException saying how to start it
   */
  public static void requireDocker() {
    String dockerHost = System.getenv("DOCKER_HOST");
    if (dockerHost == null || dockerHost.isBlank()) {
      throw new IllegalStateException("DOCKER_HOST is not set: " + HOW_TO);
    }
    if (!DockerClientFactory.instance().isDockerAvailable()) {
      throw new IllegalStateException(
          "the Docker engine at DOCKER_HOST=" + dockerHost + " does not answer: " + HOW_TO);
    }
  }

  /**
   * Checks an image was built locally (nothing can be pulled).
   *
   * @throws IllegalStateException saying how to build it
   */
  public static void requireImage(String image) {
    try {
      DockerClientFactory.lazyClient().inspectImageCmd(image).exec();
    } catch (NotFoundException e) {
      throw new IllegalStateException("the image " + image + " is missing: " + HOW_TO, e);
    }
  }

  /** Returns a port of 127.0.0.1 that was free a moment ago. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port on 127.0.0.1", e);
    }
  }
}
