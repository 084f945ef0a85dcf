package io.machinehost.sdk.ssh;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.common.KeyType;
import net.schmizz.sshj.transport.verification.HostKeyVerifier;
import net.schmizz.sshj.transport.verification.OpenSSHKnownHosts;
import net.schmizz.sshj.transport.verification.OpenSSHKnownHosts.KnownHostEntry;

/**
 * Trust on first use against a {@link KnownHosts} file: a host with no pinned key gets the key it
 * presents pinned; a host with pinned keys must present one of them, whatever its type.
 *
 * <p>Stricter than sshj's and OpenSSH's per-type check on purpose: a machine that suddenly offers
 * only an RSA key where an Ed25519 key was pinned is refused, not pinned again.
 */
final class PinnedHostKeys implements HostKeyVerifier {
  private final Path file;
  private volatile String refusal;

  PinnedHostKeys(Path file) {
    this.file = file;
  }

  /** Returns why the last host key was refused, or {@code null}. */
  String refusal() {
    return refusal;
  }

  @Override
  public boolean verify(String hostname, int port, PublicKey key) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      // The host and a plugin may pin at the same time: decide and append under one lock.
      try (FileChannel channel =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        FileLock lock = channel.lock();
        try {
          return verifyLocked(channel, hostname, port, key);
        } finally {
          lock.release();
        }
      }
    } catch (IOException e) {
      refusal = "cannot read or write the pinned host keys in " + file + ": " + e.getMessage();
      return false;
    }
  }

  private boolean verifyLocked(FileChannel channel, String hostname, int port, PublicKey key)
      throws IOException {
    String pattern = KnownHosts.hostPattern(hostname, port);
    KeyType type = KeyType.fromKey(key);
    byte[] blob = new Buffer.PlainBuffer().putPublicKey(key).getCompactData();
    String content = read(channel);
    List<String> pinned = new ArrayList<>();
    for (KnownHostEntry entry : entries(content)) {
      if (entry.appliesTo(pattern)) {
        if (entry.appliesTo(type, pattern) && entry.verify(key)) {
          return true;
        }
        pinned.add(describe(entry.getLine()));
      }
    }
    if (!pinned.isEmpty()) {
      refusal =
          String.format(
              "the host key of %s has changed: it presented %s %s, but %s pins %s. Someone may"
                  + " be intercepting the connection, or the machine was reinstalled. If you"
                  + " trust the new key, forget the old one with: %s",
              pattern,
              type,
              KnownHosts.fingerprint(blob),
              file,
              String.join(", ", pinned),
              KnownHosts.forgetCommand(file, hostname, port));
      return false;
    }
    String line = pattern + " " + type + " " + Base64.getEncoder().encodeToString(blob) + "\n";
    String prefix = content.isEmpty() || content.endsWith("\n") ? "" : "\n";
    channel.position(channel.size());
    channel.write(ByteBuffer.wrap((prefix + line).getBytes(StandardCharsets.UTF_8)));
    channel.force(true);
    return true;
  }

  @Override
  public List<String> findExistingAlgorithms(String hostname, int port) {
    if (!Files.exists(file)) {
      return List.of();
    }
    String pattern = KnownHosts.hostPattern(hostname, port);
    List<String> types = new ArrayList<>();
    try {
      for (KnownHostEntry entry : entries(Files.readString(file, StandardCharsets.UTF_8))) {
        if (entry.appliesTo(pattern) && !types.contains(entry.getType().toString())) {
          types.add(entry.getType().toString());
        }
      }
    } catch (IOException e) {
      return List.of();
    }
    return types;
  }

  private static List<KnownHostEntry> entries(String content) throws IOException {
    return new OpenSSHKnownHosts(new StringReader(content)).entries();
  }

  private static String read(FileChannel channel) throws IOException {
    return new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8);
  }

  /** Returns "type SHA256:..." for a known_hosts line. */
  private static String describe(String line) {
    String[] fields = line.trim().split("\\s+");
    int first = fields[0].startsWith("@") ? 2 : 1;
    if (fields.length < first + 2) {
      return line;
    }
    try {
      return fields[first]
          + " "
          + KnownHosts.fingerprint(Base64.getDecoder().decode(fields[first + 1]));
    } catch (IllegalArgumentException e) {
      return fields[first];
    }
  }
}
