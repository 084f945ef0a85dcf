package io.machinehost.sdk.ssh;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where and how to reach a machine over SSH.
 *
 * <pre>{@code
 * SshTarget target =
 *     SshTarget.of("192.0.2.10", 22, "root", resolveStorePath("id_ed25519"))
 *         .withKnownHosts(resolveStorePath("known_hosts"));
 * }</pre>
 *
 * @param host the host name or IP address
 * @param port the SSH port, 1 to 65535
 * @param user the user to log in as
 * @param privateKey the private key to authenticate with, or {@code null} for the current user's
 *     default keys ({@code ~/.ssh/id_ed25519}, {@code id_ecdsa}, {@code id_rsa})
 * @param knownHosts the file pinning the machine's host key (OpenSSH {@code known_hosts} format):
 *     the first key seen is written there and any other key is refused. {@code null} accepts any
 *     host key, as Docker Machine did: use it only where no pin can exist yet and nothing secret is
 *     sent.
 */
public record SshTarget(String host, int port, String user, Path privateKey, Path knownHosts) {

  /**
   * Checks the target is well formed.
   *
   * @param host the host name or IP address
   * @param port the SSH port
   * @param user the user to log in as
   * @param privateKey the private key, or {@code null} for the user's default keys
   * @param knownHosts the file pinning the host key, or {@code null} to accept any
   * @throws NullPointerException if the host or user is {@code null}
   * @throws IllegalArgumentException if the host or user is blank or the port out of range
   */
  public SshTarget {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(user, "user");
    if (host.isBlank()) {
      throw new IllegalArgumentException("SSH host is empty");
    }
    if (user.isBlank()) {
      throw new IllegalArgumentException("SSH user is empty");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("SSH port must be between 1 and 65535, not " + port);
    }
  }

  /**
   * Returns a target whose host key is not checked; add a pin with {@link #withKnownHosts(Path)}.
   *
   * @param host the host name or IP address
   * @param port the SSH port
   * @param user the user to log in as
   * @param privateKey the private key, or {@code null} for the user's default keys
   * @return the target
   * @throws IllegalArgumentException if the host or user is blank or the port out of range
   */
  public static SshTarget of(String host, int port, String user, Path privateKey) {
    return new SshTarget(host, port, user, privateKey, null);
  }

  /**
   * Returns this target with its host key pinned in a {@code known_hosts} file.
   *
   * @param knownHosts the file; the first key seen is written there, any other refused
   * @return a new target
   */
  public SshTarget withKnownHosts(Path knownHosts) {
    return new SshTarget(host, port, user, privateKey, knownHosts);
  }

  /**
   * Returns the private key, if one is given.
   *
   * @return the key's path, or empty for the user's default keys
   */
  public Optional<Path> privateKeyIfAny() {
    return Optional.ofNullable(privateKey);
  }

  /**
   * Returns the known_hosts file, if the host key is pinned.
   *
   * @return the file, or empty when any host key is accepted
   */
  public Optional<Path> knownHostsIfAny() {
    return Optional.ofNullable(knownHosts);
  }

  /**
   * Returns where to connect.
   *
   * @return {@code host:port}, with an IPv6 address in brackets
   */
  public String address() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  /** Returns {@code user@host:port}. */
  @Override
  public String toString() {
    return user + "@" + address();
  }
}
