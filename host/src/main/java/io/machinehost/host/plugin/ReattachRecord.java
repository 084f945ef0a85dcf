package io.machinehost.host.plugin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a later command needs to reuse a warm plugin: its process (PID and start time), the
 * executable it runs (path, size, modification time), its handshake line and the host identity its
 * channel trusts. Kept as {@code <store>/run/<driver>.json}, mode 0600, in a 0700 directory.
 *
 * @param driver the driver's name
 * @param pid the plugin's process id
 * @param startMillis the plugin's start time, so that a reused PID is never trusted
 * @param executable the executable's path as the host found it
 * @param executableSize its size when the plugin was started
 * @param executableMillis its modification time when the plugin was started
 * @param handshake the plugin's handshake line
 * @param clientCertificate the host certificate the plugin trusts (PEM)
 * @param clientKey its private key (PKCS#8 PEM)
 * @param environment a digest of the environment the plugin was started with
 */
record ReattachRecord(
    String driver,
    long pid,
    long startMillis,
    String executable,
    long executableSize,
    long executableMillis,
    String handshake,
    String clientCertificate,
    String clientKey,
    String environment) {

  private static final int FORMAT = 1;
  private static final Set<PosixFilePermission> PRIVATE_FILE =
      PosixFilePermissions.fromString("rw-------");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Size and modification time of an executable, or empty if it cannot be read. */
  record Stamp(long size, long millis) {
    static Optional<Stamp> of(Path file) {
      try {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        return Optional.of(new Stamp(a.size(), a.lastModifiedTime().toMillis()));
      } catch (IOException e) {
        return Optional.empty();
      }
    }
  }

  /** Returns whether this record is of that executable, unchanged since. */
  boolean sameExecutable(Path file) {
    return executable.equals(file.toString())
        && Stamp.of(file).equals(Optional.of(new Stamp(executableSize, executableMillis)));
  }

  /**
   * A digest of the environment a plugin sees: a driver may read it (credentials, endpoints), so a
   * command in another environment must not be served by a plugin started in this one. Variables
   * that change from one shell prompt to the next are left out.
   */
  static String environmentDigest(Map<String, String> env) {
    java.security.MessageDigest sha;
    try {
      sha = java.security.MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    new java.util.TreeMap<>(env)
        .forEach(
            (k, v) -> {
              if (!VOLATILE_ENV.contains(k) && v != null) {
                sha.update((k + "=" + v + "\0").getBytes(StandardCharsets.UTF_8));
              }
            });
    return java.util.HexFormat.of().formatHex(sha.digest());
  }

  private static final Set<String> VOLATILE_ENV =
      Set.of(
          "PWD",
          "OLDPWD",
          "SHLVL",
          "_",
          "COLUMNS",
          "LINES",
          "TERM_SESSION_ID",
          "WINDOWID",
          // hyperfine sets it to a new random length at every run
          "HYPERFINE_RANDOMIZED_ENVIRONMENT_OFFSET");

  /** Returns the plugin's process if it is alive and is the very process recorded (start time). */
  Optional<ProcessHandle> process() {
    return ProcessHandle.of(pid).filter(p -> p.isAlive() && startMillis(p) == startMillis);
  }

  static long startMillis(ProcessHandle p) {
    return p.info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
  }

  /**
   * Reads a record; empty when there is none or it is unreadable.
   *
   * @throws IOException if the file is not private to this user (it is then never trusted)
   */
  static Optional<ReattachRecord> read(Path file) throws IOException {
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    checkPrivate(file, false);
    try {
      JsonNode n = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
      if (n == null || n.path("format").asInt() != FORMAT) {
        return Optional.empty();
      }
      return Optional.of(
          new ReattachRecord(
              n.path("driver").asText(),
              n.path("pid").asLong(),
              n.path("startMillis").asLong(),
              n.path("executable").asText(),
              n.path("executableSize").asLong(),
              n.path("executableMillis").asLong(),
              n.path("handshake").asText(),
              n.path("clientCertificate").asText(),
              n.path("clientKey").asText(),
              n.path("environment").asText()));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Writes the record atomically, readable by this user only. */
  void write(Path file) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    n.put("format", FORMAT);
    n.put("driver", driver);
    n.put("pid", pid);
    n.put("startMillis", startMillis);
    n.put("executable", executable);
    n.put("executableSize", executableSize);
    n.put("executableMillis", executableMillis);
    n.put("handshake", handshake);
    n.put("clientCertificate", clientCertificate);
    n.put("clientKey", clientKey);
    n.put("environment", environment);
    Path temp =
        Files.createTempFile(
            file.getParent(),
            file.getFileName() + ".",
            ".tmp",
            PosixFilePermissions.asFileAttribute(PRIVATE_FILE));
    try {
      Files.writeString(temp, JSON.writeValueAsString(n), StandardCharsets.UTF_8);
      try {
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /**
   * Checks that a file or directory belongs to this user and no one else may read or write it.
   *
   * @throws IOException naming the path and what is wrong
   */
  static void checkPrivate(Path path, boolean directory) throws IOException {
    String owner = Files.getOwner(path).getName();
    String me = System.getProperty("user.name");
    if (!owner.equals(me)) {
      throw new IOException(path + " belongs to " + owner + ", not to " + me);
    }
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path);
    for (PosixFilePermission p : perms) {
      if (p.name().startsWith("GROUP_") || p.name().startsWith("OTHERS_")) {
        throw new IOException(
            path
                + " is open to others ("
                + PosixFilePermissions.toString(perms)
                + "); it must be "
                + (directory ? "0700" : "0600"));
      }
    }
  }
}
