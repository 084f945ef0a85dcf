package io.machinehost.driver.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import io.machinehost.testsupport.Testbed;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.testcontainers.DockerClientFactory;

/**
 * The test bench's engine as the tests see it, through a client of their own (Testcontainers'), to
 * check what the driver did and to remove what a test made.
 */
final class Bench {
  private Bench() {}

  static DockerClient docker() {
    return DockerClientFactory.lazyClient();
  }

  static String dockerHost() {
    Testbed.requireDocker();
    return System.getenv("DOCKER_HOST");
  }

  /** Fails, saying to run {@code make testbed}, unless the machine image and its base exist. */
  static void requireMachineImage() {
    Testbed.requireDocker();
    Testbed.requireImage(MachineImage.BASE);
    Testbed.requireImage(MachineImage.DEFAULT);
  }

  /** Returns a machine name no other test on this bench uses. */
  static String uniqueName(String what) {
    return "dit-" + what + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 24);
  }

  /** Returns the containers the driver made for machines of a store, running or not. */
  static List<Container> containersOf(Path store) {
    return docker()
        .listContainersCmd()
        .withShowAll(true)
        .withLabelFilter(Map.of(MachineContainer.STORE_LABEL, store.toString()))
        .exec();
  }

  static Optional<InspectContainerResponse> inspect(String name) {
    try {
      return Optional.of(docker().inspectContainerCmd(name).exec());
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  /** Returns the names of the volumes mounted in a container. */
  static List<String> volumesOf(String container) {
    return inspect(container)
        .map(c -> c.getMounts() == null ? List.<String>of() : volumeNames(c))
        .orElse(List.of());
  }

  private static List<String> volumeNames(InspectContainerResponse c) {
    return c.getMounts().stream()
        .map(InspectContainerResponse.Mount::getName)
        .filter(name -> name != null && !name.isEmpty())
        .toList();
  }

  static boolean volumeExists(String name) {
    try {
      docker().inspectVolumeCmd(name).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    }
  }

  /** Removes every container (and its volumes) made for a store: the tests' clean-up. */
  static void removeContainersOf(Path store) {
    for (Container c : containersOf(store)) {
      removeContainer(c.getId());
    }
  }

  static void removeContainer(String idOrName) {
    try {
      docker().removeContainerCmd(idOrName).withForce(true).withRemoveVolumes(true).exec();
    } catch (NotFoundException e) {
      // gone already
    }
  }
}
