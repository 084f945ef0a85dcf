package io.machinehost.host.plugin;

import java.io.File;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Finds driver executables {@code machine-driver-<name>}: in {@code MACHINE_PLUGIN_PATH}, then
 * {@code <storage>/plugins}, then the directory of the {@code machine} launcher, then {@code PATH}.
 * The first match wins.
 */
public final class PluginLocator {
  /** The executable name prefix. */
  public static final String PREFIX = "machine-driver-";

  private final List<Path> directories;

  /** Searches the given directories, in order. */
  public PluginLocator(List<Path> directories) {
    this.directories = List.copyOf(directories);
  }

  /**
   * The standard search path.
   *
   * @param env the environment ({@code MACHINE_PLUGIN_PATH}, {@code PATH})
   * @param storePath the store root
   * @param launcherDir the directory of the {@code machine} executable, or {@code null}
   */
  public static PluginLocator standard(Map<String, String> env, Path storePath, Path launcherDir) {
    Set<Path> dirs = new LinkedHashSet<>();
    split(env.get("MACHINE_PLUGIN_PATH")).forEach(dirs::add);
    if (storePath != null) {
      dirs.add(storePath.resolve("plugins"));
    }
    if (launcherDir != null) {
      dirs.add(launcherDir);
    }
    split(env.get("PATH")).forEach(dirs::add);
    return new PluginLocator(new ArrayList<>(dirs));
  }

  private static List<Path> split(String pathList) {
    List<Path> paths = new ArrayList<>();
    if (pathList != null) {
      for (String part : pathList.split(File.pathSeparator, -1)) {
        if (!part.isBlank()) {
          paths.add(Path.of(part).toAbsolutePath().normalize());
        }
      }
    }
    return paths;
  }

  /** Returns the directories searched, in order. */
  public List<Path> directories() {
    return directories;
  }

  /** Returns the executable of a driver, if found. */
  public Optional<Path> find(String driver) {
    for (Path dir : directories) {
      Path candidate = dir.resolve(PREFIX + driver);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * A driver executable found on the search path.
   *
   * @param driver the driver name
   * @param path the executable
   * @param shadowed whether an earlier directory has the same driver (this one is not used)
   */
  public record Found(String driver, Path path, boolean shadowed) {}

  /** Returns every driver executable on the search path, by driver name then search order. */
  public List<Found> all() {
    Map<String, List<Path>> byName = new TreeMap<>();
    for (Path dir : directories) {
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, PREFIX + "*")) {
        for (Path entry : entries) {
          if (Files.isRegularFile(entry) && Files.isExecutable(entry)) {
            String name = entry.getFileName().toString().substring(PREFIX.length());
            if (!name.isEmpty()) {
              byName.computeIfAbsent(name, k -> new ArrayList<>()).add(entry);
            }
          }
        }
      } catch (IOException e) {
        // an unreadable directory holds no plugins for us
      }
    }
    List<Found> found = new ArrayList<>();
    byName.forEach(
        (name, paths) -> {
          for (int i = 0; i < paths.size(); i++) {
            found.add(new Found(name, paths.get(i), i > 0));
          }
        });
    return found;
  }
}
