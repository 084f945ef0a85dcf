package io.machinehost.driver.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.BadRequestException;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.UnauthorizedException;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import io.machinehost.sdk.DriverException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * A Docker engine reached through its HTTP API (docker-java), with every failure turned into a
 * {@link DriverException} that names the engine and the next step. Clients are kept for the
 * plugin's lifetime, one pair per engine: calls about many machines share their connections.
 */
final class DockerEngine {
  /** Bounds every quick call; the longest one, a stop or restart, waits 10 s for the container. */
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

  /** Bounds the silence in an image build's output (apt-get may be quiet for a while). */
  static final Duration BUILD_TIMEOUT = Duration.ofMinutes(15);

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Map<EngineAddress, DockerEngine> ENGINES = new ConcurrentHashMap<>();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final EngineAddress address;
  private final DockerClient client;
  private final DockerClient buildClient;

  private DockerEngine(EngineAddress address) {
    this.address = address;
    DockerClientConfig config =
        DefaultDockerClientConfig.createDefaultConfigBuilder()
            .withDockerHost(address.host())
            .withDockerTlsVerify(address.tls())
            .withDockerCertPath(address.tls() ? address.certPath() : null)
            .build();
    this.client = DockerClientImpl.getInstance(config, http(config, CALL_TIMEOUT));
    this.buildClient = DockerClientImpl.getInstance(config, http(config, BUILD_TIMEOUT));
  }

  private static DockerHttpClient http(DockerClientConfig config, Duration responseTimeout) {
    return new ZerodepDockerHttpClient.Builder()
        .dockerHost(config.getDockerHost())
        .sslConfig(config.getSSLConfig())
        .maxConnections(64)
        .connectionTimeout(CONNECT_TIMEOUT)
        .responseTimeout(responseTimeout)
        .build();
  }

  /** Returns the engine at an address; nothing is sent until the first call. */
  static DockerEngine at(EngineAddress address) {
    return ENGINES.computeIfAbsent(address, DockerEngine::new);
  }

  EngineAddress address() {
    return address;
  }

  /** Returns the client for quick calls, bounded by {@link #CALL_TIMEOUT}. */
  DockerClient client() {
    return client;
  }

  /** Returns the client for image builds, whose output may pause for minutes. */
  DockerClient buildClient() {
    return buildClient;
  }

  /**
   * Makes one call to the engine.
   *
   * @param what what the call does, for messages: "inspect container machinehost-dev"
   * @throws DriverException the engine's answer or the transport failure, translated
   */
  <T> T call(String what, Supplier<T> call) throws DriverException {
    try {
      return call.get();
    } catch (RuntimeException e) {
      throw translate(what, e);
    }
  }

  /** Makes one call to the engine that returns nothing; see {@link #call}. */
  void run(String what, Runnable call) throws DriverException {
    call(
        what,
        () -> {
          call.run();
          return null;
        });
  }

  /** Checks the engine answers. */
  void ping() throws DriverException {
    run("ping the Docker engine", () -> client.pingCmd().exec());
  }

  /** Translates a docker-java failure. */
  DriverException translate(String what, RuntimeException e) {
    if (e instanceof NotFoundException) {
      return DriverException.notFound("%s: %s", what, engineMessage(e)).withCause(e);
    }
    if (e instanceof ConflictException) {
      return DriverException.failedPrecondition("%s: %s", what, engineMessage(e)).withCause(e);
    }
    if (e instanceof BadRequestException && engineMessage(e).contains("HTTPS server")) {
      return DriverException.invalidArgument(
              DockerFlags.TLS_VERIFY,
              "the Docker engine at %s speaks TLS: give --%s and --%s with its client"
                  + " certificates",
              address.host(),
              DockerFlags.TLS_VERIFY,
              DockerFlags.CERT_PATH)
          .withCause(e);
    }
    if (e instanceof BadRequestException) {
      return DriverException.invalidArgument(
              null, "%s: the engine at %s refused: %s", what, address.host(), engineMessage(e))
          .withCause(e);
    }
    if (e instanceof UnauthorizedException) {
      return DriverException.permissionDenied(
              "%s: the engine at %s refused the credentials: %s",
              what, address.host(), engineMessage(e))
          .withCause(e);
    }
    if (e instanceof DockerException docker) {
      return (docker.getHttpStatus() == 503
              ? DriverException.unavailable(
                  "%s: the engine at %s is unavailable: %s", what, address.host(), engineMessage(e))
              : DriverException.failedPrecondition(
                  "%s: the engine at %s says: %s", what, address.host(), engineMessage(e)))
          .withCause(e);
    }
    if (e instanceof DockerClientException) {
      return DriverException.failedPrecondition("%s: %s", what, e.getMessage()).withCause(e);
    }
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof SSLException) {
        return DriverException.permissionDenied(
                "%s: TLS with the Docker engine at %s failed (%s); check the certificates in %s"
                    + " (--%s)",
                what, address.host(), cause.getMessage(), address.certPath(), DockerFlags.CERT_PATH)
            .withCause(e);
      }
      if (cause instanceof SocketTimeoutException) {
        return DriverException.timeout(
                "%s: the Docker engine at %s did not answer in time (%s)",
                what, address.host(), cause.getMessage())
            .withCause(e);
      }
      // An interrupted (cancelled) thread gets a CancellationException before anything is sent.
      if (cause instanceof InterruptedIOException
          || cause instanceof InterruptedException
          || cause instanceof CancellationException) {
        return DriverException.cancelled("%s: cancelled", what).withCause(e);
      }
      if (cause instanceof IOException) {
        return unreachable(what, cause).withCause(e);
      }
    }
    return DriverException.internal("%s: %s", what, e).withCause(e);
  }

  private DriverException unreachable(String what, Throwable cause) {
    String where = address.host();
    if (where.startsWith("unix://")) {
      where = where + " (socket " + URI.create(where).getPath() + ")";
    }
    return DriverException.unavailable(
        "%s: cannot reach the Docker engine at %s: %s; start an engine (for the test bench:"
            + " make testbed) or point --%s (DOCKER_HOST) at a running one",
        what, where, cause.getMessage(), DockerFlags.HOST);
  }

  /** Returns the engine's own message out of docker-java's "Status 500: {json}" text. */
  static String engineMessage(RuntimeException e) {
    String text = e.getMessage() == null ? e.toString() : e.getMessage();
    int brace = text.indexOf('{');
    if (brace >= 0) {
      try {
        JsonNode node = JSON.readTree(text.substring(brace));
        if (node != null && node.hasNonNull("message")) {
          return node.get("message").asText();
        }
      } catch (IOException notJson) {
        // fall through to the raw text
      }
    }
    return text.strip();
  }
}
