package io.machinehost.host.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** What the store creates is its user's alone: directories 0700, files 0600. */
public final class PrivateFiles {
  /** The attribute of a new private directory (0700). */
  public static final FileAttribute<Set<PosixFilePermission>> DIRECTORY =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

  /** The attribute of a new private file (0600). */
  public static final FileAttribute<Set<PosixFilePermission>> FILE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

  private PrivateFiles() {}

  /**
   * Creates a directory and any missing parents, each 0700; existing ones are left as they are.
   *
   * @throws IOException if one cannot be created
   */
  public static Path createDirectories(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, DIRECTORY);
    }
    return dir;
  }
}
