package io.machinehost.driver.docker;

import io.machinehost.sdk.DriverException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Where a Docker engine is and how to talk to it.
 *
 * @param host {@code unix:///path} or {@code tcp://host:port}
 * @param tls whether to talk TLS (verifying the engine with {@code ca.pem}, presenting {@code
 *     cert.pem})
 * @param certPath the directory holding {@code ca.pem}, {@code cert.pem} and {@code key.pem}, or
 *     empty without TLS
 */
record EngineAddress(String host, boolean tls, String certPath) {
  static final List<String> CERT_FILES = List.of("ca.pem", "cert.pem", "key.pem");

  /**
   * Decides the engine settings from the flags: TLS when asked for, or when a certificate directory
   * is given for a {@code tcp://} engine (as {@code machine env} leaves it).
   *
   * @throws DriverException INVALID_ARGUMENT naming the flag at fault
   */
  static EngineAddress of(String host, boolean tlsVerify, String certPath) throws DriverException {
    String checked = DockerFlags.host(host);
    boolean tcp = checked.toLowerCase(Locale.ROOT).startsWith("tcp://");
    String certs = certPath == null ? "" : certPath.trim();
    if (tlsVerify && !tcp) {
      throw DriverException.invalidArgument(
          DockerFlags.TLS_VERIFY,
          "--%s needs a tcp:// engine, not %s; leave it out for a local socket",
          DockerFlags.TLS_VERIFY,
          checked);
    }
    boolean tls = tcp && (tlsVerify || !certs.isEmpty());
    if (!tls) {
      return new EngineAddress(checked, false, "");
    }
    Path dir =
        certs.isEmpty()
            ? Path.of(System.getProperty("user.home"), ".docker")
            : Path.of(
                certs.startsWith("~/")
                    ? System.getProperty("user.home") + certs.substring(1)
                    : certs);
    for (String file : CERT_FILES) {
      if (!Files.isReadable(dir.resolve(file))) {
        throw DriverException.invalidArgument(
            DockerFlags.CERT_PATH,
            "TLS to %s needs %s in %s, which has no readable %s: give the directory with" + " --%s",
            checked,
            String.join(", ", CERT_FILES),
            dir,
            file,
            DockerFlags.CERT_PATH);
      }
    }
    return new EngineAddress(checked, true, dir.toAbsolutePath().toString());
  }

  /**
   * Returns the address the machine's published ports are reached at from here: the publish
   * address, unless it is a wildcard; then the engine's host (a local socket's is this host).
   */
  String reachableAddress(String publishAddress) {
    boolean wildcard =
        publishAddress.equals("0.0.0.0") || publishAddress.matches("[:0]*::[:0]*|[:0]+");
    if (!wildcard) {
      return publishAddress;
    }
    if (host.toLowerCase(Locale.ROOT).startsWith("tcp://")) {
      String engineHost = URI.create(host).getHost();
      if (engineHost != null && !engineHost.isEmpty()) {
        return engineHost.startsWith("[")
            ? engineHost.substring(1, engineHost.length() - 1)
            : engineHost;
      }
    }
    return "127.0.0.1";
  }

  @Override
  public String toString() {
    return host + (tls ? " (TLS, certificates in " + certPath + ")" : "");
  }
}
