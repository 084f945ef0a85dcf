package io.machinehost.sdk.ssh;

import io.machinehost.sdk.DriverException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import net.schmizz.sshj.common.DisconnectReason;
import net.schmizz.sshj.transport.TransportException;

/**
 * A machine's pinned host keys: a file in OpenSSH's {@code known_hosts} format, normally {@code
 * known_hosts} in the machine's directory, shared by the native client and the system {@code ssh}
 * (see {@link SystemSsh}). The first key a machine presents is written there; a different key is
 * then refused until its line is removed with {@link #forget} or {@code ssh-keygen -R}.
 */
public final class KnownHosts {
  private KnownHosts() {}

  /**
   * Returns how {@code known_hosts} names a host: {@code host} on port 22, {@code [host]:port}
   * otherwise, in lower case.
   *
   * @param host the host name or IP address
   * @param port the SSH port
   * @return the pattern
   */
  public static String hostPattern(String host, int port) {
    String lower = host.toLowerCase(Locale.ROOT);
    return port == 22 ? lower : "[" + lower + "]:" + port;
  }

  /**
   * Removes the keys pinned for {@code host:port}, so that the next connection pins the key the
   * machine presents then. Other lines are kept as they are.
   *
   * @param knownHosts the {@code known_hosts} file; a missing one has nothing to forget
   * @param host the host name or IP address
   * @param port the SSH port
   * @return how many lines were removed
   * @throws IOException if the file cannot be read or written
   */
  public static int forget(Path knownHosts, String host, int port) throws IOException {
    if (!Files.exists(knownHosts)) {
      return 0;
    }
    String pattern = hostPattern(host, port);
    List<String> kept = new ArrayList<>();
    int removed = 0;
    for (String line : Files.readAllLines(knownHosts, StandardCharsets.UTF_8)) {
      if (namesHost(line, pattern)) {
        removed++;
      } else {
        kept.add(line);
      }
    }
    if (removed > 0) {
      StringBuilder content = new StringBuilder();
      kept.forEach(line -> content.append(line).append('\n'));
      SshKeys.writeOwnerOnly(knownHosts, content.toString().getBytes(StandardCharsets.UTF_8));
    }
    return removed;
  }

  /**
   * Returns whether the file pins a key for {@code host:port}, i.e. whether the next connection
   * checks the key it is shown rather than pinning it.
   *
   * @param knownHosts the known_hosts file
   * @param host the host name or address
   * @param port the SSH port
   * @return whether a key is pinned for it
   * @throws IOException if the file exists but cannot be read
   */
  public static boolean pins(Path knownHosts, String host, int port) throws IOException {
    if (!Files.exists(knownHosts)) {
      return false;
    }
    String pattern = hostPattern(host, port);
    for (String line : Files.readAllLines(knownHosts, StandardCharsets.UTF_8)) {
      if (namesHost(line, pattern)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Returns whether a connection failed because the machine presented a host key other than the one
   * pinned for it, as {@link SshjClient#connect(SshTarget, Duration)} reports it. Callers use it to
   * tell the user how they accept the new key in their own terms.
   *
   * @param e the failure
   * @return whether it is the refusal of a changed host key
   */
  public static boolean isChangedKeyRefusal(DriverException e) {
    if (e.code() != DriverException.Code.FAILED_PRECONDITION) {
      return false;
    }
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (t instanceof TransportException te
          && te.getDisconnectReason() == DisconnectReason.HOST_KEY_NOT_VERIFIABLE) {
        return true;
      }
    }
    return false;
  }

  /** Whether a line lists exactly {@code pattern} among its (plain, comma-separated) hosts. */
  private static boolean namesHost(String line, String pattern) {
    String[] fields = line.trim().split("\\s+");
    if (fields.length < 3 || fields[0].startsWith("#")) {
      return false;
    }
    String hosts = fields[0].startsWith("@") ? fields[1] : fields[0];
    for (String host : hosts.split(",")) {
      if (host.toLowerCase(Locale.ROOT).equals(pattern)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Returns OpenSSH's fingerprint of a public key blob (as in {@code known_hosts}), e.g. {@code
   * SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8}.
   *
   * @param publicKeyBlob the key in SSH wire format
   * @return {@code SHA256:} and the unpadded base64 of the key's SHA-256
   */
  public static String fingerprint(byte[] publicKeyBlob) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(publicKeyBlob);
      return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  /** Returns the command a user runs to forget a host's pinned keys. */
  static String forgetCommand(Path knownHosts, String host, int port) {
    return "ssh-keygen -R '" + hostPattern(host, port) + "' -f '" + knownHosts + "'";
  }
}
