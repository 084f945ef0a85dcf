package io.machinehost.driver.docker;

import com.github.dockerjava.api.command.BuildImageResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.BuildResponseItem;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.Operation;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The machine image: found on the engine, or built there from the build context packaged in this
 * driver (plugins/docker/src/main/docker/machine) when it is the default image and missing.
 */
final class MachineImage {
  /** The project's machine image, built by {@code make testbed} or by the driver itself. */
  static final String DEFAULT = "machinehost/machine:latest";

  /** What {@link #DEFAULT} is built from; it comes from debootstrap, never from a registry. */
  static final String BASE = "machinehost/debian:bookworm";

  /** Marks images this driver built. */
  static final String BUILT_BY_LABEL = "io.machinehost.built-by";

  static final String CONTEXT_RESOURCE = "machine-context.tar";

  private static final Pattern STEP = Pattern.compile("Step (\\d+)/(\\d+) : .*");

  /** One build at a time per plugin: a second create waits and then finds the image. */
  private static final ReentrantLock BUILDING = new ReentrantLock();

  private MachineImage() {}

  /** Returns whether the engine has the image. */
  static boolean exists(DockerEngine engine, String image) throws DriverException {
    try {
      engine.client().inspectImageCmd(image).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    } catch (RuntimeException e) {
      throw engine.translate("inspect image " + image, e);
    }
  }

  /**
   * Checks the image is there or can be built.
   *
   * @throws DriverException INVALID_ARGUMENT naming --docker-image for a missing image of the
   *     user's; FAILED_PRECONDITION saying to run make testbed when the default image and its base
   *     are both missing
   */
  static void check(DockerEngine engine, String image) throws DriverException {
    check(engine, image, DEFAULT, BASE);
  }

  /** As {@link #check(DockerEngine, String)}, with the default image and its base named. */
  static void check(DockerEngine engine, String image, String defaultImage, String base)
      throws DriverException {
    if (exists(engine, image)) {
      return;
    }
    if (!image.equals(defaultImage)) {
      throw DriverException.invalidArgument(
          DockerFlags.IMAGE,
          "the image %s (--%s) is not on the Docker engine at %s: build or load it there first"
              + " (docker build -t %s …), or leave --%s out to use %s",
          image,
          DockerFlags.IMAGE,
          engine.address().host(),
          image,
          DockerFlags.IMAGE,
          defaultImage);
    }
    if (!exists(engine, base)) {
      throw DriverException.failedPrecondition(
          "the image %s is not on the Docker engine at %s, and neither is %s it is built from:"
              + " run make testbed (it makes both), or pass --%s with an image of your own",
          defaultImage, engine.address().host(), base, DockerFlags.IMAGE);
    }
  }

  /** Makes sure the image is there, building the default one if it is missing. */
  static void ensure(DockerEngine engine, String image, Operation operation)
      throws DriverException {
    if (exists(engine, image)) {
      operation.progress("image", "Using the image " + image);
      return;
    }
    check(engine, image);
    try {
      BUILDING.lockInterruptibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw DriverException.cancelled("waiting for the build of %s was cancelled", image);
    }
    try {
      if (exists(engine, image)) {
        operation.progress("image", "Using the image " + image + ", built meanwhile");
        return;
      }
      build(engine, image, operation);
    } finally {
      BUILDING.unlock();
    }
  }

  /**
   * Builds the packaged context as {@code tag}, streaming the build's output as progress.
   *
   * @throws DriverException CANCELLED if the operation is cancelled (the build is abandoned), or
   *     the build's failure
   */
  static String build(DockerEngine engine, String tag, Operation operation) throws DriverException {
    operation.progress("build-image", "Building the image " + tag + " from " + BASE, 0.0);
    InputStream context = MachineImage.class.getResourceAsStream(CONTEXT_RESOURCE);
    if (context == null) {
      throw DriverException.internal(
          "the machine image's build context %s is missing from the driver", CONTEXT_RESOURCE);
    }
    Callback callback = new Callback(operation);
    operation.onCancel(callback::abandon);
    try (context) {
      operation.checkCancelled();
      engine
          .buildClient()
          .buildImageCmd(context)
          .withTags(Set.of(tag))
          .withLabels(Map.of(BUILT_BY_LABEL, "machine-driver-docker"))
          .withPull(false)
          .withForcerm(true)
          .exec(callback);
      String id = callback.awaitImageId();
      // A build that finished as the cancel came is kept: it is a complete image.
      operation.checkCancelled();
      operation.progress("build-image", "Built the image " + tag, 1.0);
      return id;
    } catch (IOException e) {
      throw DriverException.internal("cannot read the build context: %s", e.getMessage())
          .withCause(e);
    } catch (RuntimeException e) {
      if (operation.isCancelled()) {
        throw DriverException.cancelled("building the image %s was cancelled", tag);
      }
      throw engine.translate("build the image " + tag, e);
    }
  }

  /** Streams build output lines as progress; {@code Step n/m} lines give the fraction. */
  private static final class Callback extends BuildImageResultCallback {
    private final Operation operation;

    Callback(Operation operation) {
      this.operation = operation;
    }

    @Override
    public void onNext(BuildResponseItem item) {
      super.onNext(item);
      String line = item.getStream() == null ? "" : item.getStream().strip();
      if (line.isEmpty()) {
        return;
      }
      Matcher step = STEP.matcher(line);
      if (step.matches()) {
        double fraction =
            (Integer.parseInt(step.group(1)) - 1) / (double) Integer.parseInt(step.group(2));
        operation.progress("build-image", line, fraction);
      } else {
        operation.progress("build-image", line);
      }
    }

    /** Closes the stream: the engine stops the build when its client goes. */
    void abandon() {
      try {
        close();
      } catch (IOException e) {
        // cancelling: the build fails either way
      }
    }
  }
}
