package io.machinehost.host.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

/**
 * The store on disk. Each write goes to a temporary file in the machine's directory, is forced to
 * disk and renamed over {@code config.json}, so a reader sees the old or the new file, never half
 * of one. Updates hold a lock on the machine's lock file, across processes.
 */
public final class FileMachineStore implements MachineStore {
  /** The format version written in every config.json. */
  public static final int CONFIG_VERSION = 1;

  static final String CONFIG = "config.json";

  /** The largest config.json read: far above any real driver config, far below a heap's worth. */
  static final long MAX_CONFIG_BYTES = 8L << 20;

  private static final String LOCK = ".lock";
  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Path root;
  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();

  /** A store rooted at {@code root} ({@code <root>/machines/…}). */
  public FileMachineStore(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  @Override
  public Path root() {
    return root;
  }

  private Path machines() {
    return root.resolve("machines");
  }

  /**
   * Resolves a name to its directory: the one place a name becomes a path. The name must follow
   * {@link MachineNames}, so the directory is a child of {@code machines/} and nothing else.
   *
   * @throws MachineNames.InvalidNameException if it does not
   */
  @Override
  public Path machineDir(String name) {
    Path dir = machines().resolve(MachineNames.check(name)).normalize();
    if (!machines().equals(dir.getParent())) {
      throw new IllegalStateException(
          "machine name \"" + name + "\" resolves outside " + machines());
    }
    return dir;
  }

  @Override
  public boolean exists(String name) {
    // A link in machines/ is an entry of the store too, a broken one: "rm -f" removes the link.
    Path dir = machineDir(name);
    return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(dir);
  }

  /**
   * Checks that the store can be used: the root, if it exists, is a readable directory and so is
   * its {@code machines/}. A store that does not exist yet is an empty one.
   *
   * @throws StoreException naming the path and the next step
   */
  public void checkUsable() throws StoreException {
    for (Path dir : List.of(root, machines())) {
      if (!Files.exists(dir)) {
        return;
      }
      if (!Files.isDirectory(dir)) {
        throw new StoreException(
            StoreException.Kind.IO,
            dir.equals(root)
                ? String.format(
                    "the store %s is not a directory; give a directory with --storage-path or"
                        + " $MACHINE_STORAGE_PATH",
                    dir)
                : String.format(
                    "%s is not a directory, so the store %s cannot hold machines; move that file"
                        + " away",
                    dir, root),
            null);
      }
      if (!Files.isReadable(dir) || !Files.isExecutable(dir)) {
        throw new StoreException(
            StoreException.Kind.IO,
            String.format(
                "cannot read the store %s: permission denied; run as the user who owns it, or"
                    + " give another --storage-path",
                dir),
            null);
      }
    }
  }

  @Override
  public MachineRecord load(String name) throws StoreException {
    Path dir = machineDir(name);
    Path file = dir.resolve(CONFIG);
    if (Files.isSymbolicLink(dir)) {
      throw new StoreException(
          StoreException.Kind.CORRUPT,
          String.format(
              "machine \"%s\" (%s) is a symbolic link, not a directory of the store; it is not"
                  + " followed: remove the link with \"machine rm -f %s\"",
              name, dir, name),
          null);
    }
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      checkUsable();
      throw StoreException.notFound(name);
    }
    byte[] bytes;
    try {
      bytes = readConfig(name, file);
    } catch (NoSuchFileException e) {
      throw new StoreException(
          StoreException.Kind.CORRUPT,
          String.format(
              "machine \"%s\" has no %s (an interrupted create?); remove it with \"machine rm -f"
                  + " %s\"",
              name, file, name),
          e);
    } catch (IOException e) {
      throw new StoreException(
          StoreException.Kind.IO, "cannot read " + file + ": " + e.getMessage(), e);
    }
    try {
      return fromJson(name, MAPPER.readTree(bytes));
    } catch (IOException | IllegalArgumentException | DateTimeParseException e) {
      throw corrupt(name, file, e.getMessage().lines().findFirst().orElse(""), e);
    }
  }

  private static StoreException corrupt(String name, Path file, String why, Exception cause) {
    return new StoreException(
        StoreException.Kind.CORRUPT,
        String.format(
            "the config of machine \"%s\" (%s) is corrupt: %s; fix or remove it with \"machine rm"
                + " -f %s\"",
            name, file, why, name),
        cause);
  }

  /**
   * Reads a config file without following a symbolic link, refusing one larger than {@link
   * #MAX_CONFIG_BYTES}.
   */
  private static byte[] readConfig(String name, Path file) throws IOException, StoreException {
    try (SeekableByteChannel channel =
        Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      long size = channel.size();
      if (size > MAX_CONFIG_BYTES) {
        throw corrupt(
            name,
            file,
            String.format("it is %d bytes; a machine config is at most %d", size, MAX_CONFIG_BYTES),
            null);
      }
      ByteBuffer buffer = ByteBuffer.allocate((int) size);
      while (buffer.hasRemaining() && channel.read(buffer) > 0) {
        // read to the end
      }
      return java.util.Arrays.copyOf(buffer.array(), buffer.position());
    } catch (IOException e) {
      if (!(e instanceof NoSuchFileException) && Files.isSymbolicLink(file)) {
        throw corrupt(name, file, "it is a symbolic link, which is not followed", e);
      }
      throw e;
    }
  }

  /**
   * {@inheritDoc} A directory entry that is not a machine's is shown as broken (a symbolic link, a
   * name the rule refuses) or, for hidden and plain files, left out.
   *
   * @throws StoreException if the store itself cannot be read
   */
  @Override
  public List<StoreEntry> list() throws StoreException {
    List<StoreEntry> entries = new ArrayList<>();
    checkUsable();
    if (!Files.isDirectory(machines())) {
      return entries;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(machines())) {
      for (Path dir : dirs) {
        String name = dir.getFileName().toString();
        if (name.startsWith(".")
            || !(Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(dir))) {
          continue;
        }
        if (!MachineNames.isValid(name)) {
          entries.add(
              StoreEntry.broken(
                  name,
                  String.format(
                      "%s is not a machine directory (its name breaks the naming rule); move it"
                          + " out of the store",
                      dir)));
          continue;
        }
        try {
          entries.add(StoreEntry.of(load(name)));
        } catch (StoreException e) {
          entries.add(StoreEntry.broken(name, e.getMessage()));
        }
      }
    } catch (IOException e) {
      throw new StoreException(
          StoreException.Kind.IO,
          String.format("cannot list %s: %s; check its permissions", machines(), e.getMessage()),
          e);
    }
    entries.sort(Comparator.comparing(e -> e.name().toLowerCase(java.util.Locale.ROOT)));
    return entries;
  }

  @Override
  public Path reserve(String name) throws StoreException {
    Path dir = machineDir(name);
    checkUsable();
    try {
      PrivateFiles.createDirectories(machines());
      Files.createDirectory(dir, PrivateFiles.DIRECTORY);
      return dir;
    } catch (FileAlreadyExistsException e) {
      throw new StoreException(
          StoreException.Kind.ALREADY_EXISTS,
          String.format(
              "machine \"%s\" already exists; pick another name or remove it with \"machine rm"
                  + " %s\"",
              name, name),
          e);
    } catch (IOException e) {
      throw new StoreException(
          StoreException.Kind.IO, "cannot create " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void save(MachineRecord record) throws StoreException {
    withLock(
        record.name(),
        () -> {
          write(record);
          return record;
        });
  }

  @Override
  public MachineRecord update(String name, UnaryOperator<MachineRecord> change)
      throws StoreException {
    return withLock(
        name,
        () -> {
          MachineRecord changed = change.apply(load(name));
          write(changed);
          return changed;
        });
  }

  @Override
  public void remove(String name) throws StoreException {
    Path dir = machineDir(name);
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    // The walk follows no link: a link in the machine's directory, or the directory itself
    // being one, is removed as a link, and what it points to is left alone.
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new StoreException(
          StoreException.Kind.IO, "cannot remove " + dir + ": " + e.getMessage(), e);
    }
  }

  /** A step run under a machine's lock. */
  @FunctionalInterface
  private interface Locked<T> {
    T run() throws StoreException;
  }

  private <T> T withLock(String name, Locked<T> body) throws StoreException {
    Path dir = machineDir(name);
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw StoreException.notFound(name);
    }
    ReentrantLock local = locks.computeIfAbsent(name, k -> new ReentrantLock());
    local.lock();
    try (FileChannel channel =
        FileChannel.open(
            dir.resolve(LOCK),
            Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
            PrivateFiles.FILE)) {
      FileLock lock = channel.lock();
      try {
        return body.run();
      } finally {
        lock.release();
      }
    } catch (IOException e) {
      throw new StoreException(
          StoreException.Kind.IO, "cannot lock machine \"" + name + "\": " + e.getMessage(), e);
    } finally {
      local.unlock();
    }
  }

  private void write(MachineRecord record) throws StoreException {
    Path dir = machineDir(record.name());
    Path target = dir.resolve(CONFIG);
    try {
      byte[] bytes = MAPPER.writeValueAsBytes(toJson(record));
      Path temp = Files.createTempFile(dir, ".config-", ".tmp", PrivateFiles.FILE);
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      try {
        Files.move(
            temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new StoreException(
          StoreException.Kind.IO, "cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  /** Returns a record as config.json holds it. */
  public static ObjectNode toJson(MachineRecord r) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("ConfigVersion", CONFIG_VERSION);
    node.put("Name", r.name());
    node.put("DriverName", r.driverName());
    node.set("Driver", r.driverConfig());
    MachineRecord.HostOptions o = r.hostOptions();
    ObjectNode host = node.putObject("HostOptions");
    ObjectNode engine = host.putObject("EngineOptions");
    strings(engine.putArray("ArbitraryFlags"), o.engineOptions());
    strings(engine.putArray("Labels"), o.engineLabels());
    strings(engine.putArray("Env"), o.engineEnv());
    strings(engine.putArray("InsecureRegistry"), o.insecureRegistries());
    strings(engine.putArray("RegistryMirror"), o.registryMirrors());
    engine.put("StorageDriver", o.storageDriver());
    ObjectNode auth = host.putObject("AuthOptions");
    strings(auth.putArray("ServerCertSANs"), o.tlsSans());
    host.put("Provision", o.provision());
    ObjectNode labels = host.putObject("Labels");
    o.labels().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> labels.put(e.getKey(), e.getValue()));
    strings(host.putArray("SecretConfigKeys"), o.secretConfigKeys());
    if (r.createdAt() != null) {
      node.put("CreatedAt", r.createdAt().toString());
    }
    node.put("Error", r.error());
    return node;
  }

  private static void strings(ArrayNode array, List<String> values) {
    values.forEach(array::add);
  }

  static MachineRecord fromJson(String dirName, JsonNode node) throws JsonProcessingException {
    if (!node.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    int version = node.path("ConfigVersion").asInt(-1);
    if (version != CONFIG_VERSION) {
      throw new IllegalArgumentException(
          "ConfigVersion " + node.path("ConfigVersion") + ", expected " + CONFIG_VERSION);
    }
    String name = node.path("Name").asText("");
    if (!name.equals(dirName)) {
      throw new IllegalArgumentException(
          "its Name \"" + name + "\" differs from its directory \"" + dirName + "\"");
    }
    String driver = node.path("DriverName").asText("");
    if (driver.isEmpty()) {
      throw new IllegalArgumentException("no DriverName");
    }
    JsonNode config = node.path("Driver");
    if (!config.isObject()) {
      throw new IllegalArgumentException("Driver is not a JSON object");
    }
    JsonNode host = node.path("HostOptions");
    JsonNode engine = host.path("EngineOptions");
    Map<String, String> labels = new LinkedHashMap<>();
    host.path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
    MachineRecord.HostOptions options =
        new MachineRecord.HostOptions(
            list(engine.path("ArbitraryFlags")),
            list(engine.path("Labels")),
            list(engine.path("Env")),
            list(engine.path("InsecureRegistry")),
            list(engine.path("RegistryMirror")),
            engine.path("StorageDriver").asText(""),
            list(host.path("AuthOptions").path("ServerCertSANs")),
            host.path("Provision").asBoolean(false),
            labels,
            list(host.path("SecretConfigKeys")));
    String created = node.path("CreatedAt").asText("");
    return new MachineRecord(
        name,
        driver,
        (ObjectNode) config,
        options,
        created.isEmpty() ? null : Instant.parse(created),
        node.path("Error").asText(""));
  }

  private static List<String> list(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(v -> values.add(v.asText()));
    return values;
  }

  /** Parses a driver's config JSON text into an object node. */
  public static ObjectNode parseConfig(String json) {
    try {
      JsonNode node = MAPPER.readTree(json == null || json.isBlank() ? "{}" : json);
      if (!node.isObject()) {
        throw new IllegalArgumentException("the driver's config is not a JSON object: " + json);
      }
      return (ObjectNode) node;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "the driver's config is not JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** Returns JSON text, indented. */
  public static String pretty(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
