package io.machinehost.driver.amazonec2;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * A moto_server (moto's EC2 emulator) on a free port of 127.0.0.1, started by a test and stopped by
 * its process. Its instances' addresses are made up: nothing here ever connects to them.
 */
final class MotoServer implements AutoCloseable {
  /** Where the machine image installs moto (its default python3), then PATH. */
  private static final List<Path> CANDIDATES = List.of(Path.of("/root/.pyenv/shims/moto_server"));

  private final Process process;
  private final int port;
  private final Ec2Client ec2;

  private MotoServer(Process process, int port) {
    this.process = process;
    this.port = port;
    this.ec2 =
        Ec2Client.builder()
            .endpointOverride(URI.create(endpoint()))
            .region(Region.US_EAST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "y")))
            .httpClient(UrlConnectionHttpClient.create())
            .build();
  }

  /** Returns moto_server's path, or empty if it is not installed. */
  static Optional<Path> executable() {
    for (Path p : CANDIDATES) {
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(":")) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, "moto_server");
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** Skips the calling test, saying why, when moto_server is not installed. */
  static Path requireInstalled() {
    Optional<Path> moto = executable();
    Assumptions.assumeTrue(
        moto.isPresent(),
        "moto_server is not installed (it comes with the machine image's default python3 and"
            + " cannot be installed from here): the amazonec2 driver's emulator tests are skipped");
    return moto.get();
  }

  static MotoServer start() throws IOException, InterruptedException {
    return start(Map.of());
  }

  /** Starts moto with extra environment, e.g. {@code INITIAL_NO_AUTH_ACTION_COUNT=0}. */
  static MotoServer start(Map<String, String> env) throws IOException, InterruptedException {
    Path moto = requireInstalled();
    IOException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      int port = freePort();
      ProcessBuilder builder =
          new ProcessBuilder(moto.toString(), "-H", "127.0.0.1", "-p", String.valueOf(port))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      builder.environment().putAll(env);
      Process process = builder.start();
      MotoServer server = new MotoServer(process, port);
      try {
        server.awaitReady(Duration.ofSeconds(60));
        return server;
      } catch (IOException e) {
        server.close();
        last = e;
      }
    }
    throw last;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private void awaitReady(Duration timeout) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException(
            "moto_server exited with " + process.exitValue() + " on port " + port);
      }
      try {
        HttpResponse<Void> answer =
            http.send(
                HttpRequest.newBuilder(URI.create(endpoint() + "/moto-api/data.json"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        if (answer.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new IOException("moto_server did not answer on port " + port + " within " + timeout);
  }

  int port() {
    return port;
  }

  String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** A client of the emulator's own, to check what the driver did. */
  Ec2Client ec2() {
    return ec2;
  }

  /** Returns the instances that are not terminated. */
  List<software.amazon.awssdk.services.ec2.model.Instance> liveInstances() {
    return ec2.describeInstances().reservations().stream()
        .flatMap(r -> r.instances().stream())
        .filter(i -> !i.state().nameAsString().equals("terminated"))
        .toList();
  }

  /** Returns the instance with an id. */
  software.amazon.awssdk.services.ec2.model.Instance instance(String id) {
    return ec2.describeInstances(r -> r.instanceIds(id)).reservations().get(0).instances().get(0);
  }

  List<String> keyPairs() {
    return ec2.describeKeyPairs().keyPairs().stream().map(k -> k.keyName()).toList();
  }

  /** Returns the security groups' names, the VPCs' own "default" groups left out. */
  List<String> securityGroups() {
    return ec2.describeSecurityGroups().securityGroups().stream()
        .map(g -> g.groupName())
        .filter(name -> !name.equals("default"))
        .toList();
  }

  /** Forgets everything the emulator holds. */
  void reset() throws IOException, InterruptedException {
    HttpResponse<Void> answer =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(endpoint() + "/moto-api/reset"))
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.discarding());
    assertThat(answer.statusCode()).as("moto reset").isEqualTo(200);
  }

  @Override
  public void close() {
    ec2.close();
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
