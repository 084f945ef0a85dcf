package io.machinehost.sdk.ssh;

import io.machinehost.sdk.DriverException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code machine scp}: copies between the local host and a machine, or between two machines through
 * the local host (as {@code scp -3} does), with the native client.
 */
public final class Scp {
  private Scp() {}

  /**
   * Copies a file, or with {@code recursive} a directory, from one location to another.
   *
   * @param from the source, local or on a machine
   * @param to the destination; at least one end is on a machine
   * @param recursive whether to copy a directory and what is in it
   * @throws DriverException {@link DriverException.Code#INVALID_ARGUMENT} if both ends are local or
   *     the local source is missing or a directory without {@code recursive}; otherwise as {@link
   *     SshjClient#connect(SshTarget)}, {@link SshClient#upload} and {@link SshClient#download}
   */
  public static void copy(ScpLocation from, ScpLocation to, boolean recursive)
      throws DriverException {
    if (!from.isRemote() && !to.isRemote()) {
      throw DriverException.invalidArgument(
          null, "neither %s nor %s is on a machine; use cp", from, to);
    }
    if (!from.isRemote()) {
      try (SshClient client = SshjClient.connect(to.target())) {
        client.upload(Path.of(from.path()), to.path(), recursive);
      }
    } else if (!to.isRemote()) {
      try (SshClient client = SshjClient.connect(from.target())) {
        client.download(from.path(), Path.of(to.path()), recursive);
      }
    } else {
      copyBetweenMachines(from, to, recursive);
    }
  }

  private static void copyBetweenMachines(ScpLocation from, ScpLocation to, boolean recursive)
      throws DriverException {
    Path staging;
    try {
      staging = Files.createTempDirectory("machinehost-scp-");
    } catch (IOException e) {
      throw DriverException.internal("cannot make a temporary directory: %s", e.getMessage())
          .withCause(e);
    }
    try {
      try (SshClient source = SshjClient.connect(from.target())) {
        source.download(from.path(), staging, recursive);
      }
      List<Path> copied;
      try (Stream<Path> files = Files.list(staging)) {
        copied = files.toList();
      }
      if (copied.size() != 1) {
        throw DriverException.internal("expected one file from %s, got %d", from, copied.size());
      }
      try (SshClient destination = SshjClient.connect(to.target())) {
        destination.upload(copied.get(0), to.path(), recursive);
      }
    } catch (IOException e) {
      throw DriverException.internal("cannot read %s: %s", staging, e.getMessage()).withCause(e);
    } finally {
      deleteRecursively(staging);
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // a temporary directory: left for the OS to clean
    }
  }
}
