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
 * The first match wins. Where no native driver of a name exists, docker-machine's legacy plugins
 * are found on the same path ({@code docker-machine-driver-<name>}), and then the core drivers
 * compiled into the {@code docker-machine} or {@code rancher-machine} binary that {@code
 * MACHINE_LEGACY_BINARY} names.
 */
public final class PluginLocator {
  /** The executable name prefix. */
  public static final String PREFIX = "machine-driver-";

  /** The name prefix of docker-machine's plugin binaries. */
  public static final String LEGACY_PREFIX = "docker-machine-driver-";

  /** The variable naming a docker-machine or rancher-machine binary for its core drivers. */
  public static final String LEGACY_BINARY = "MACHINE_LEGACY_BINARY";

  /** The drivers compiled into docker-machine (localbinary.CoreDrivers) and rancher-machine. */
  public static final List<String> CORE_DRIVERS =
      List.of(
          "amazonec2",
          "azure",
          "digitalocean",
          "exoscale",
          "generic",
          "google",
          "hyperv",
          "none",
          "openstack",
          "rackspace",
          "softlayer",
          "virtualbox",
          "vmwarefusion",
          "vmwarevcloudair",
          "vmwarevsphere",
          "pod",
          "noop");

  /** How a found driver is spoken to. */
  public enum Protocol {
    /** The gRPC protocol of proto/. */
    GRPC,
    /** docker-machine's net/rpc plugin protocol (unauthenticated, loopback TCP). */
    LEGACY_RPC
  }

  private final List<Path> directories;
  private final Path legacyBinary;

  /** Searches the given directories, in order. */
  public PluginLocator(List<Path> directories) {
    this(directories, null);
  }

  /**
   * Searches the given directories, in order, then a legacy binary's core drivers.
   *
   * @param legacyBinary a docker-machine or rancher-machine binary, or {@code null}
   */
  public PluginLocator(List<Path> directories, Path legacyBinary) {
    this.directories = List.copyOf(directories);
    this.legacyBinary = legacyBinary;
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
    List<Path> searched = new ArrayList<>(dirs);
    return new PluginLocator(searched, legacyBinary(env.get(LEGACY_BINARY), searched));
  }

  // A path, or a bare name looked up like the plugins (exec.LookPath's rule).
  private static Path legacyBinary(String value, List<Path> dirs) {
    if (value == null || value.isBlank()) {
      return null;
    }
    if (value.contains(File.separator)) {
      return Path.of(value).toAbsolutePath().normalize();
    }
    for (Path dir : dirs) {
      Path candidate = dir.resolve(value);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return Path.of(value);
  }

  /** Returns the binary {@code MACHINE_LEGACY_BINARY} named, if any. */
  public Optional<Path> legacyBinary() {
    return Optional.ofNullable(legacyBinary);
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

  /** Returns the executable of a native driver, if found. */
  public Optional<Path> find(String driver) {
    return findOnPath(PREFIX + driver);
  }

  private Optional<Path> findOnPath(String file) {
    for (Path dir : directories) {
      Path candidate = dir.resolve(file);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * Returns the legacy binary that serves a driver with no native executable: {@code
   * docker-machine-driver-<name>} on the search path, else {@code MACHINE_LEGACY_BINARY} for a core
   * driver.
   */
  public Optional<Path> findLegacy(String driver) {
    if (driver.isEmpty() || driver.contains(File.separator)) {
      return Optional.empty();
    }
    Optional<Path> plugin = findOnPath(LEGACY_PREFIX + driver);
    if (plugin.isPresent() || legacyBinary == null || !CORE_DRIVERS.contains(driver)) {
      return plugin;
    }
    return Optional.of(legacyBinary);
  }

  /**
   * A driver executable found on the search path.
   *
   * @param driver the driver name
   * @param path the executable
   * @param shadowed whether an earlier directory or a native driver has the same name (this one is
   *     not used)
   * @param protocol how the host speaks to it
   */
  public record Found(String driver, Path path, boolean shadowed, Protocol protocol) {
    /** A native driver. */
    public Found(String driver, Path path, boolean shadowed) {
      this(driver, path, shadowed, Protocol.GRPC);
    }
  }

  /**
   * Returns every driver on the search path, by driver name, native ones first, then in search
   * order: native executables, legacy plugins, then the legacy binary's core drivers.
   */
  public List<Found> all() {
    Map<String, List<Found>> byName = new TreeMap<>();
    scan(PREFIX, Protocol.GRPC, byName);
    scan(LEGACY_PREFIX, Protocol.LEGACY_RPC, byName);
    if (legacyBinary != null) {
      for (String core : CORE_DRIVERS) {
        byName
            .computeIfAbsent(core, k -> new ArrayList<>())
            .add(new Found(core, legacyBinary, false, Protocol.LEGACY_RPC));
      }
    }
    List<Found> found = new ArrayList<>();
    byName.forEach(
        (name, entries) -> {
          for (int i = 0; i < entries.size(); i++) {
            Found f = entries.get(i);
            found.add(new Found(name, f.path(), i > 0, f.protocol()));
          }
        });
    return found;
  }

  private void scan(String prefix, Protocol protocol, Map<String, List<Found>> byName) {
    for (Path dir : directories) {
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, prefix + "*")) {
        for (Path entry : entries) {
          if (Files.isRegularFile(entry) && Files.isExecutable(entry)) {
            String name = entry.getFileName().toString().substring(prefix.length());
            if (!name.isEmpty()) {
              byName
                  .computeIfAbsent(name, k -> new ArrayList<>())
                  .add(new Found(name, entry, false, protocol));
            }
          }
        }
      } catch (IOException e) {
        // an unreadable directory holds no plugins for us
      }
    }
  }
}
