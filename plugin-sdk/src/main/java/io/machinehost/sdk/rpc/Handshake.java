package io.machinehost.sdk.rpc;

import java.util.Optional;

/**
 * The handshake line a plugin prints on stdout, in hashicorp/go-plugin's format: {@code
 * CORE|APP|NETWORK|ADDRESS|grpc[|CERT]}. Formatting and parsing live here only.
 *
 * @param core the core protocol version, 1
 * @param app the negotiated application protocol version
 * @param network {@code unix} or {@code tcp}
 * @param address the socket path, or {@code 127.0.0.1:port}
 * @param protocol {@code grpc}
 * @param certificate the plugin's certificate, base64 of DER (padding optional), if mTLS
 */
public record Handshake(
    int core,
    int app,
    String network,
    String address,
    String protocol,
    Optional<String> certificate) {

  /** Returns the line, without a newline. */
  public String format() {
    return core
        + "|"
        + app
        + "|"
        + network
        + "|"
        + address
        + "|"
        + protocol
        + certificate.map(c -> "|" + c).orElse("");
  }

  /**
   * Parses a handshake line.
   *
   * @throws IllegalArgumentException saying which field is wrong
   */
  public static Handshake parse(String line) {
    String trimmed = line.strip();
    String[] fields = trimmed.split("\\|", -1);
    if (fields.length < 5) {
      throw new IllegalArgumentException(
          "expected CORE|APP|NETWORK|ADDRESS|grpc[|CERT], got " + fields.length + " field(s)");
    }
    int core = number("core protocol version", fields[0]);
    int app = number("app protocol version", fields[1]);
    String network = fields[2];
    if (!network.equals("unix") && !network.equals("tcp")) {
      throw new IllegalArgumentException(
          "network must be \"unix\" or \"tcp\", not \"" + network + "\"");
    }
    String address = fields[3];
    if (address.isEmpty()) {
      throw new IllegalArgumentException("address is empty");
    }
    if (network.equals("tcp") && !address.matches("(127\\.0\\.0\\.1|localhost|\\[::1\\]):\\d+")) {
      throw new IllegalArgumentException(
          "tcp address must be on loopback (127.0.0.1:PORT), not \"" + address + "\"");
    }
    String protocol = fields[4];
    if (!protocol.equals("grpc")) {
      throw new IllegalArgumentException(
          "protocol must be \"grpc\", not \""
              + protocol
              + "\" (net/rpc plugins are not supported)");
    }
    Optional<String> cert =
        fields.length > 5 && !fields[5].isEmpty() ? Optional.of(fields[5]) : Optional.empty();
    return new Handshake(core, app, network, address, protocol, cert);
  }

  private static int number(String what, String field) {
    try {
      return Integer.parseInt(field);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + " is not a number: \"" + field + "\"", e);
    }
  }
}
