package io.machinehost.driver.docker;

import io.machinehost.sdk.CreateFlag;
import io.machinehost.sdk.DriverException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The docker driver's create flags and the checks on their values. */
final class DockerFlags {
  static final String HOST = "docker-host";
  static final String TLS_VERIFY = "docker-tls-verify";
  static final String CERT_PATH = "docker-cert-path";
  static final String IMAGE = "docker-image";
  static final String CPUS = "docker-cpus";
  static final String MEMORY = "docker-memory";
  static final String NETWORK = "docker-network";
  static final String PUBLISH_ADDRESS = "docker-publish-address";
  static final String PRIVILEGED = "docker-privileged";

  static final String DEFAULT_HOST = "unix:///var/run/docker.sock";
  static final String DEFAULT_PUBLISH_ADDRESS = "127.0.0.1";

  /** Docker refuses memory limits below 6 MiB. */
  static final long MIN_MEMORY = 6L << 20;

  private static final Pattern MEMORY_PATTERN =
      Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([bkmgt]?)b?", Pattern.CASE_INSENSITIVE);
  private static final Pattern IPV4 =
      Pattern.compile(
          "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
  private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

  private DockerFlags() {}

  static List<CreateFlag> definitions() {
    return List.of(
        CreateFlag.string(HOST)
            .usage("Docker engine to run the machine's container on (unix:// or tcp://)")
            .envVar("DOCKER_HOST")
            .defaultValue(DEFAULT_HOST)
            .build(),
        CreateFlag.bool(TLS_VERIFY)
            .usage(
                "Talk TLS to a tcp:// engine, verifying it with ca.pem and presenting cert.pem"
                    + " (implied by --"
                    + CERT_PATH
                    + " with a tcp:// engine)")
            .envVar("DOCKER_DRIVER_TLS_VERIFY")
            .defaultValue(false)
            .build(),
        CreateFlag.string(CERT_PATH)
            .usage(
                "Directory with ca.pem, cert.pem and key.pem for a TLS engine (default ~/.docker)")
            .envVar("DOCKER_CERT_PATH")
            .build(),
        CreateFlag.string(IMAGE)
            .usage("Image of the machine: sshd, SSH_AUTHORIZED_KEYS honoured (built if missing)")
            .envVar("DOCKER_DRIVER_IMAGE")
            .defaultValue(MachineImage.DEFAULT)
            .build(),
        CreateFlag.string(CPUS)
            .usage("CPUs the machine may use, e.g. 2 or 1.5 (default: no limit)")
            .envVar("DOCKER_DRIVER_CPUS")
            .build(),
        CreateFlag.string(MEMORY)
            .usage("Memory limit of the machine, e.g. 512m or 2g (default: no limit)")
            .envVar("DOCKER_DRIVER_MEMORY")
            .build(),
        CreateFlag.string(NETWORK)
            .usage("Docker network to attach the machine to (default: the engine's bridge)")
            .envVar("DOCKER_DRIVER_NETWORK")
            .build(),
        CreateFlag.string(PUBLISH_ADDRESS)
            .usage("Address of the engine's host to publish the machine's SSH and Docker ports on")
            .envVar("DOCKER_DRIVER_PUBLISH_ADDRESS")
            .defaultValue(DEFAULT_PUBLISH_ADDRESS)
            .build(),
        CreateFlag.string(PRIVILEGED)
            .usage(
                "Run the container --privileged: auto uses it where the engine allows it and"
                    + " otherwise the capabilities a Docker engine inside needs")
            .envVar("DOCKER_DRIVER_PRIVILEGED")
            .defaultValue(Privileges.Setting.AUTO.value())
            .choices("auto", "true", "false")
            .build());
  }

  /**
   * Checks an engine address: {@code unix:///path} or {@code tcp://host:port}.
   *
   * @return the address, trimmed
   */
  static String host(String given) throws DriverException {
    String host = given.trim().isEmpty() ? DEFAULT_HOST : given.trim();
    URI uri;
    try {
      uri = new URI(host);
    } catch (URISyntaxException e) {
      throw invalidHost(host, "it is not a URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    switch (scheme) {
      case "unix" -> {
        if (uri.getPath() == null || uri.getPath().isEmpty()) {
          throw invalidHost(host, "a unix:// address needs the socket's path");
        }
      }
      case "tcp" -> {
        if (uri.getHost() == null || uri.getPort() < 0) {
          throw invalidHost(host, "a tcp:// address needs a host and a port");
        }
      }
      default -> throw invalidHost(host, "only unix:// and tcp:// engines are supported");
    }
    return host;
  }

  private static DriverException invalidHost(String host, String why) {
    return DriverException.invalidArgument(
        HOST,
        "--%s \"%s\" is not a Docker engine address: %s; give unix:///var/run/docker.sock or"
            + " tcp://HOST:2376",
        HOST,
        host,
        why);
  }

  /**
   * Parses a memory size as Docker does: a number with an optional unit b, k, m, g or t (powers of
   * 1024, case ignored, a trailing b allowed), e.g. {@code 512m}, {@code 2g}, {@code 1.5GB}.
   *
   * @return bytes, or 0 for an empty value (no limit)
   */
  static long memory(String given) throws DriverException {
    String value = given.trim();
    if (value.isEmpty()) {
      return 0;
    }
    Matcher m = MEMORY_PATTERN.matcher(value);
    if (!m.matches()) {
      throw DriverException.invalidArgument(
          MEMORY,
          "--%s \"%s\" is not a memory size: give a number and a unit, e.g. 512m or 2g",
          MEMORY,
          given);
    }
    int shift =
        switch (m.group(2).toLowerCase(Locale.ROOT)) {
          case "k" -> 10;
          case "m" -> 20;
          case "g" -> 30;
          case "t" -> 40;
          default -> 0;
        };
    BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(1L << shift));
    if (bytes.compareTo(BigDecimal.valueOf(MIN_MEMORY)) < 0) {
      throw DriverException.invalidArgument(
          MEMORY, "--%s \"%s\" is too small: Docker needs at least 6m", MEMORY, given);
    }
    if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw DriverException.invalidArgument(MEMORY, "--%s \"%s\" is too large", MEMORY, given);
    }
    return bytes.longValue();
  }

  /**
   * Parses a CPU count, whole or decimal ({@code 2}, {@code 1.5}), as Docker's {@code --cpus}.
   *
   * @return billionths of a CPU, or 0 for an empty value (no limit)
   */
  static long nanoCpus(String given) throws DriverException {
    String value = given.trim();
    if (value.isEmpty()) {
      return 0;
    }
    BigDecimal cpus;
    try {
      cpus = new BigDecimal(value);
    } catch (NumberFormatException e) {
      throw DriverException.invalidArgument(
          CPUS, "--%s \"%s\" is not a number of CPUs, e.g. 2 or 1.5", CPUS, given);
    }
    if (cpus.compareTo(new BigDecimal("0.01")) < 0) {
      throw DriverException.invalidArgument(
          CPUS, "--%s \"%s\" is too small: give at least 0.01", CPUS, given);
    }
    if (cpus.compareTo(BigDecimal.valueOf(1_000_000)) > 0) {
      throw DriverException.invalidArgument(CPUS, "--%s \"%s\" is too large", CPUS, given);
    }
    return cpus.movePointRight(9).longValue();
  }

  /**
   * Checks the publish address is an IP address (the engine binds ports to addresses, not names).
   *
   * @return the address, trimmed
   */
  static String publishAddress(String given) throws DriverException {
    String value = given.trim().isEmpty() ? DEFAULT_PUBLISH_ADDRESS : given.trim();
    if (!IPV4.matcher(value).matches() && !IPV6.matcher(value).matches()) {
      throw DriverException.invalidArgument(
          PUBLISH_ADDRESS,
          "--%s \"%s\" is not an IP address: give one of the engine host's addresses, e.g."
              + " 127.0.0.1, or 0.0.0.0 for all",
          PUBLISH_ADDRESS,
          given);
    }
    return value;
  }

  /** Checks a network name as Docker names them. */
  static String network(String given) throws DriverException {
    String value = given.trim();
    if (!value.isEmpty() && !value.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]*")) {
      throw DriverException.invalidArgument(
          NETWORK, "--%s \"%s\" is not a Docker network name", NETWORK, given);
    }
    return value;
  }

  /** Checks an image reference is not empty and has no spaces. */
  static String image(String given) throws DriverException {
    String value = given.trim().isEmpty() ? MachineImage.DEFAULT : given.trim();
    if (value.matches(".*\\s.*")) {
      throw DriverException.invalidArgument(
          IMAGE, "--%s \"%s\" is not an image reference", IMAGE, given);
    }
    return value;
  }
}
