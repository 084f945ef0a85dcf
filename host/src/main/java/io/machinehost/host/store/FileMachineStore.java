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
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
  private static final String LOCK = ".lock";
  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Path root;
  // One per lock file in this JVM, whichever store object locks it: a file lock is held by the
  // process, so two threads of one process (a command server's concurrent commands) must also
  // exclude each other here, and the JVM refuses a second lock on a file it holds.
  private static final Map<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

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

  @Override
  public Path machineDir(String name) {
    return machines().resolve(name);
  }

  @Override
  public boolean exists(String name) {
    return Files.isDirectory(machineDir(name));
  }

  @Override
  public MachineRecord load(String name) throws StoreException {
    Path file = machineDir(name).resolve(CONFIG);
    if (!Files.isDirectory(machineDir(name))) {
      throw StoreException.notFound(name);
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
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
      throw new StoreException(
          StoreException.Kind.CORRUPT,
          String.format(
              "the config of machine \"%s\" (%s) is corrupt: %s; fix or remove it with \"machine rm"
                  + " -f %s\"",
              name, file, e.getMessage().lines().findFirst().orElse(""), name),
          e);
    }
  }

  @Override
  public List<StoreEntry> list() {
    List<StoreEntry> entries = new ArrayList<>();
    if (!Files.isDirectory(machines())) {
      return entries;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(machines(), Files::isDirectory)) {
      for (Path dir : dirs) {
        String name = dir.getFileName().toString();
        try {
          entries.add(StoreEntry.of(load(name)));
        } catch (StoreException e) {
          entries.add(StoreEntry.broken(name, e.getMessage()));
        }
      }
    } catch (IOException e) {
      entries.add(StoreEntry.broken("(store)", "cannot list " + machines() + ": " + e));
    }
    entries.sort(Comparator.comparing(e -> e.name().toLowerCase(java.util.Locale.ROOT)));
    return entries;
  }

  @Override
  public Path reserve(String name) throws StoreException {
    Path dir = machineDir(name);
    try {
      Files.createDirectories(
          machines(),
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Files.createDirectory(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
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
    if (!Files.exists(dir)) {
      return;
    }
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
    if (!Files.isDirectory(dir)) {
      throw StoreException.notFound(name);
    }
    ReentrantLock local =
        LOCKS.computeIfAbsent(
            dir.resolve(LOCK).toAbsolutePath().normalize(), k -> new ReentrantLock());
    local.lock();
    try (FileChannel channel =
        FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
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
      Path temp =
          Files.createTempFile(
              dir,
              ".config-",
              ".tmp",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
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
