package io.machinehost.host.provision;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * A Docker engine address as drivers report it ({@code tcp://host:port}).
 *
 * @param host the host name or IP address (an IPv6 address without brackets)
 * @param port the TCP port
 */
public record DockerUrl(String host, int port) {

  /**
   * Parses {@code tcp://host:port}; the port defaults to {@value EngineConfig#ENGINE_PORT}.
   *
   * @throws IllegalArgumentException if it is not a tcp URL with a host
   */
  public static DockerUrl parse(String url) {
    try {
      URI uri = new URI(url.strip());
      if (!"tcp".equals(uri.getScheme()) || uri.getHost() == null) {
        throw new IllegalArgumentException("the Docker URL \"" + url + "\" is not tcp://HOST:PORT");
      }
      String host = uri.getHost();
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      return new DockerUrl(host, uri.getPort() < 0 ? EngineConfig.ENGINE_PORT : uri.getPort());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "the Docker URL \"" + url + "\" is not tcp://HOST:PORT: " + e.getMessage(), e);
    }
  }

  /** Returns {@code https://host:port} plus a path, for the engine's HTTP API over TLS. */
  public URI https(String path) {
    String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    return URI.create("https://" + h + ":" + port + path);
  }
}
