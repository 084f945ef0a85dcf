package io.machinehost.sdk.ssh;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One end of an {@link Scp#copy} : a local path, or a path on a machine.
 *
 * @param target the machine, or {@code null} for a local path
 * @param path the path; on a machine, relative paths (and {@code ~/…}) are in the user's home
 */
public record ScpLocation(SshTarget target, String path) {

  /**
   * Checks the path is given.
   *
   * @param target the machine, or {@code null} for a local path
   * @param path the path
   * @throws NullPointerException if the path is {@code null}
   */
  public ScpLocation {
    Objects.requireNonNull(path, "path");
  }

  /**
   * Returns a local location.
   *
   * @param path the local path
   * @return the location
   */
  public static ScpLocation local(Path path) {
    return new ScpLocation(null, path.toString());
  }

  /**
   * Returns a location on a machine.
   *
   * @param target the machine
   * @param path the path there; relative paths are in the user's home
   * @return the location
   * @throws NullPointerException if the target or path is {@code null}
   */
  public static ScpLocation remote(SshTarget target, String path) {
    return new ScpLocation(Objects.requireNonNull(target, "target"), path);
  }

  /**
   * Returns whether this is on a machine.
   *
   * @return whether it has a target
   */
  public boolean isRemote() {
    return target != null;
  }

  @Override
  public String toString() {
    return isRemote() ? target + ":" + path : path;
  }
}
