package io.machinehost.host.ssh;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** Finds programs such as {@code ssh}, {@code scp} and {@code rsync} on the command's PATH. */
public final class Executables {
  private Executables() {}

  /** Returns the first executable file called {@code name} in the {@code PATH} of {@code env}. */
  public static Optional<Path> find(String name, Map<String, String> env) {
    String path = env.get("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
