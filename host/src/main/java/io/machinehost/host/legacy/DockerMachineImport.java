package io.machinehost.host.legacy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.machinehost.host.certs.CertificateStore;
import io.machinehost.host.store.MachineRecord;
import io.machinehost.host.store.MachineStore;
import io.machinehost.host.store.StoreException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Reads a docker-machine store ({@code ~/.docker/machine}: {@code machines/<name>/config.json} of
 * ConfigVersion 3, {@code certs/}, each machine's keys and certificates) and writes machinehost
 * records that keep working. It only reads the source. The driver config is kept as the legacy
 * binary wrote it, with the paths that pointed into the source store pointed into this one; none
 * and generic machines keep their driver name and so are served by machinehost's own drivers, which
 * read docker-machine's fields; every other driver by its docker-machine plugin.
 */
public final class DockerMachineImport {
  /** The store format this reads (docker-machine 0.6 and later, rancher-machine). */
  public static final int CONFIG_VERSION = 3;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> CERTS =
      List.of(
          CertificateStore.CA,
          CertificateStore.CA_KEY,
          CertificateStore.CERT,
          CertificateStore.KEY);

  /** What became of one source machine. */
  public record Outcome(
      String source, String target, String driver, boolean imported, String note) {}

  /** How clashes with existing machines are handled. */
  public enum Clash {
    /** Refuse to import a machine whose name is taken. */
    REFUSE,
    /** Import it under a free name ({@code <name>-2}, {@code -3} …). */
    RENAME,
    /** Replace the record of that name (what its driver made is not touched). */
    FORCE
  }

  private final Path from;
  private final Path to;
  private final MachineStore store;
  private final Predicate<String> validName;

  /**
   * Prepares an import.
   *
   * @param from the docker-machine store root
   * @param to this store's root
   * @param store this store
   * @param validName machinehost's rule for machine names
   */
  public DockerMachineImport(Path from, Path to, MachineStore store, Predicate<String> validName) {
    this.from = from.toAbsolutePath().normalize();
    this.to = to.toAbsolutePath().normalize();
    this.store = store;
    this.validName = validName;
  }

  /** Returns the names of the machines in the source store, sorted. */
  public List<String> sourceMachines() throws IOException {
    Set<String> names = new TreeSet<>();
    Path machines = from.resolve("machines");
    if (!Files.isDirectory(machines)) {
      throw new IOException(
          machines + " does not exist: " + from + " is not a docker-machine store");
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(machines)) {
      for (Path dir : dirs) {
        String name = dir.getFileName().toString();
        if (!name.startsWith(".") && Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
          names.add(name);
        }
      }
    }
    return new ArrayList<>(names);
  }

  /**
   * Imports machines; a bad entry is reported in its outcome and the others still import.
   *
   * @param names the machines to import; empty for all
   */
  public List<Outcome> run(List<String> names, Clash clash) throws IOException {
    List<String> wanted = names.isEmpty() ? sourceMachines() : names;
    List<Outcome> outcomes = new ArrayList<>();
    String caNote = importCertificates();
    for (String name : new LinkedHashSet<>(wanted)) {
      Outcome o;
      try {
        o = importOne(name, clash);
      } catch (ImportException | StoreException e) {
        o = new Outcome(name, "", "", false, e.getMessage());
      } catch (IOException e) {
        o = new Outcome(name, "", "", false, "cannot copy its files: " + e.getMessage());
      }
      outcomes.add(o);
    }
    if (!caNote.isEmpty() && !outcomes.isEmpty()) {
      outcomes.add(new Outcome("(certs)", "", "", true, caNote));
    }
    return outcomes;
  }

  /** A reason to skip one machine. */
  private static final class ImportException extends Exception {
    private static final long serialVersionUID = 1L;

    ImportException(String message) {
      super(message);
    }
  }

  // The store's CA and client certificate: taken from the source when this store has none, so
  // that later provisioning issues certificates the imported engines already trust.
  private String importCertificates() throws IOException {
    Path source = from.resolve("certs");
    Path target = to.resolve("certs");
    if (!Files.isRegularFile(source.resolve(CertificateStore.CA))) {
      return "";
    }
    if (Files.isRegularFile(target.resolve(CertificateStore.CA))) {
      if (Files.mismatch(source.resolve(CertificateStore.CA), target.resolve(CertificateStore.CA))
          == -1) {
        return "";
      }
      return "this store has a CA of its own; each imported machine keeps the CA and client"
          + " certificate it was provisioned with (\"machine regenerate-certs NAME\" re-issues"
          + " them from this store's CA)";
    }
    Files.createDirectories(
        target, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    for (String file : CERTS) {
      if (Files.isRegularFile(source.resolve(file))) {
        copy(source.resolve(file), target.resolve(file));
      }
    }
    return "";
  }

  private Outcome importOne(String name, Clash clash)
      throws ImportException, IOException, StoreException {
    Path dir = from.resolve("machines").resolve(name);
    Path configFile = dir.resolve("config.json");
    if (!Files.isRegularFile(configFile)) {
      throw new ImportException("no " + configFile + ": not a docker-machine machine");
    }
    JsonNode config;
    try {
      config = JSON.readTree(configFile.toFile());
    } catch (IOException e) {
      throw new ImportException(configFile + " is not valid JSON: " + firstLine(e.getMessage()));
    }
    int version = config.path("ConfigVersion").asInt(-1);
    if (version != CONFIG_VERSION) {
      throw new ImportException(
          String.format(
              "%s has ConfigVersion %d; machine imports version %d: %s",
              configFile,
              version,
              CONFIG_VERSION,
              version > CONFIG_VERSION
                  ? "it is from a newer docker-machine"
                  : "run \"docker-machine ls\" with docker-machine 0.16 once to migrate it"));
    }
    String driver = config.path("DriverName").asText("");
    if (driver.isEmpty() || !(config.path("Driver") instanceof ObjectNode driverConfig)) {
      throw new ImportException(configFile + " names no driver (DriverName and Driver)");
    }
    if (!config.path("Name").asText(name).equals(name)) {
      throw new ImportException(
          configFile
              + " is of machine \""
              + config.path("Name").asText()
              + "\", not \""
              + name
              + "\"");
    }
    String target = targetName(name, clash);
    if (clash == Clash.FORCE && store.exists(target)) {
      store.remove(target);
    }
    ObjectNode rewritten = rewritePaths(driverConfig.deepCopy(), name, target);
    Path targetDir = store.reserve(target);
    try {
      copyMachineFiles(dir, targetDir);
      store.save(
          record(target, driver, rewritten, config.path("HostOptions"), configFile, targetDir));
    } catch (IOException | StoreException e) {
      store.remove(target);
      throw e;
    }
    String note = target.equals(name) ? "" : "renamed from \"" + name + "\"";
    return new Outcome(name, target, driver, true, note);
  }

  private String targetName(String name, Clash clash) throws ImportException {
    if (!validName.test(name)) {
      throw new ImportException(
          "\"" + name + "\" is not a valid machine name here (letters, digits, '.' and '-')");
    }
    if (!store.exists(name) || clash == Clash.FORCE) {
      return name;
    }
    if (clash == Clash.REFUSE) {
      throw new ImportException(
          String.format(
              "machine \"%s\" exists already; import it with --rename, replace it with --force,"
                  + " or remove it with \"machine rm %s\"",
              name, name));
    }
    for (int i = 2; ; i++) {
      String candidate = name + "-" + i;
      if (!store.exists(candidate)) {
        return candidate;
      }
    }
  }

  // Paths into the source store now point into this one; a renamed machine's directory and
  // MachineName (drivers find their keys at StorePath/machines/MachineName) follow the new name.
  private ObjectNode rewritePaths(ObjectNode config, String name, String target) {
    String oldDir = from.resolve("machines").resolve(name).toString();
    String newDir = to.resolve("machines").resolve(target).toString();
    Map<String, String> changes = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> f : config.properties()) {
      if (f.getValue().isTextual()) {
        String v = f.getValue().asText();
        if (v.equals(oldDir) || v.startsWith(oldDir + "/")) {
          changes.put(f.getKey(), newDir + v.substring(oldDir.length()));
        } else if (v.equals(from.toString()) || v.startsWith(from + "/")) {
          changes.put(f.getKey(), to + v.substring(from.toString().length()));
        }
      }
    }
    changes.forEach((k, v) -> config.set(k, TextNode.valueOf(v)));
    if (!target.equals(name) && config.has("MachineName")) {
      config.put("MachineName", target);
    }
    return config;
  }

  private static void copyMachineFiles(Path source, Path target) throws IOException {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(source)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        if (name.startsWith("config.json")
            || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
          continue;
        }
        copy(file, target.resolve(name));
      }
    }
  }

  // Everything in the store is the user's alone (keys above all); the source's modes are not kept.
  private static void copy(Path source, Path target) throws IOException {
    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-------"));
  }

  private MachineRecord record(
      String name,
      String driver,
      ObjectNode driverConfig,
      JsonNode hostOptions,
      Path configFile,
      Path targetDir)
      throws IOException {
    JsonNode engine = hostOptions.path("EngineOptions");
    JsonNode auth = hostOptions.path("AuthOptions");
    MachineRecord.HostOptions options =
        new MachineRecord.HostOptions(
            strings(engine.path("ArbitraryFlags")),
            strings(engine.path("Labels")),
            strings(engine.path("Env")),
            strings(engine.path("InsecureRegistry")),
            strings(engine.path("RegistryMirror")),
            engine.path("StorageDriver").asText(""),
            strings(auth.path("ServerCertSANs")),
            !"none".equals(driver),
            Map.of(),
            new ArrayList<>(secretKeys(driverConfig)));
    return new MachineRecord(
        name,
        driver,
        driverConfig,
        options,
        Instant.ofEpochMilli(Files.getLastModifiedTime(configFile).toMillis()),
        Files.isRegularFile(targetDir.resolve(CertificateStore.SERVER)) || "none".equals(driver)
            ? ""
            : "imported without TLS certificates; run \"machine provision " + name + "\"");
  }

  /** The top-level keys of a driver config that look like credentials. */
  static Set<String> secretKeys(JsonNode config) {
    Set<String> keys = new LinkedHashSet<>();
    Iterator<String> names = config.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      String dashed = name.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
      if (LegacyFlags.looksSecret(dashed)) {
        keys.add(name);
      }
    }
    return keys;
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    if (array.isArray()) {
      array.forEach(n -> out.add(n.asText()));
    }
    return out;
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.lines().findFirst().orElse("");
  }
}
