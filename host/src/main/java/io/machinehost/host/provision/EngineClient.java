package io.machinehost.host.provision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.machinehost.host.certs.CertificateStore;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Talks to a machine's Docker engine the way the {@code docker} CLI does with {@code
 * DOCKER_TLS_VERIFY=1}: HTTPS with the client certificate of the machine's directory, trusting only
 * the machine's CA and checking the engine's certificate names the host it is reached at.
 */
public final class EngineClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final char[] NO_PASSWORD = new char[0];

  private final HttpClient http;

  private EngineClient(HttpClient http) {
    this.http = http;
  }

  /** Returns whether the machine's directory holds the client side of the TLS material. */
  public static boolean hasCertificates(Path machineDir) {
    return List.of(CertificateStore.CA, CertificateStore.CERT, CertificateStore.KEY).stream()
        .allMatch(f -> Files.isRegularFile(machineDir.resolve(f)));
  }

  /**
   * Makes a client from {@code ca.pem}, {@code cert.pem} and {@code key.pem} in a machine's
   * directory.
   *
   * @param connectTimeout how long connecting may take
   * @throws IOException if a file is missing or unreadable
   */
  public static EngineClient forMachine(Path machineDir, Duration connectTimeout)
      throws IOException {
    try {
      X509Certificate ca =
          CertificateStore.readCertificate(machineDir.resolve(CertificateStore.CA));
      X509Certificate cert =
          CertificateStore.readCertificate(machineDir.resolve(CertificateStore.CERT));
      PrivateKey key = CertificateStore.readPrivateKey(machineDir.resolve(CertificateStore.KEY));
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("client", key, NO_PASSWORD, new Certificate[] {cert});
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, NO_PASSWORD);
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", ca);
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      HttpClient http =
          HttpClient.newBuilder()
              .sslContext(context)
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(connectTimeout)
              .build();
      return new EngineClient(http);
    } catch (GeneralSecurityException e) {
      throw new IOException(
          "the TLS certificates in " + machineDir + " cannot be used: " + e.getMessage(), e);
    }
  }

  /**
   * Asks the engine for its version ({@code GET /version}).
   *
   * @param url the driver's URL, {@code tcp://host:port}
   * @param timeout how long the whole request may take
   * @return the engine's version, e.g. {@code 20.10.24+dfsg1}
   * @throws IOException if the engine cannot be reached, refuses the certificate, or answers with
   *     something other than a version
   * @throws InterruptedException if the thread is interrupted
   */
  public String version(String url, Duration timeout) throws IOException, InterruptedException {
    DockerUrl engine = DockerUrl.parse(url);
    HttpRequest request =
        HttpRequest.newBuilder(engine.https("/version")).timeout(timeout).GET().build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (java.net.http.HttpTimeoutException e) {
      throw new IOException("the engine at " + url + " did not answer within " + timeout, e);
    } catch (javax.net.ssl.SSLException e) {
      throw new IOException("TLS with the engine at " + url + " failed: " + e.getMessage(), e);
    } catch (IOException e) {
      String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw new IOException("cannot reach the engine at " + url + ": " + reason, e);
    }
    if (response.statusCode() != 200) {
      throw new IOException(
          "the engine at " + url + " answered HTTP " + response.statusCode() + " to /version");
    }
    JsonNode version = JSON.readTree(response.body()).path("Version");
    if (!version.isTextual() || version.asText().isBlank()) {
      throw new IOException("the engine at " + url + " sent no version: " + response.body());
    }
    return version.asText();
  }
}
