package io.machinehost.driver.amazonec2;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.ec2.Ec2Client;

/**
 * EC2 clients, one per distinct setting, kept for the plugin's life: one plugin process serves
 * every machine, and building a client (its HTTP client, endpoint rules, signer) costs more than
 * the calls most commands make. The HTTP client is the JDK's {@code HttpURLConnection}.
 */
final class Ec2Clients {
  /** Where and as whom to call EC2; {@code retries} -1 turns retrying off. */
  record Settings(
      String endpoint,
      String region,
      String accessKey,
      String secretKey,
      String sessionToken,
      long retries) {
    /** Names the endpoint and region only: never the credentials. */
    @Override
    public String toString() {
      return endpoint.isEmpty() ? "region " + region : endpoint + " (region " + region + ")";
    }
  }

  private static final Map<Settings, Ec2Client> CLIENTS = new ConcurrentHashMap<>();
  private static final SdkHttpClient HTTP =
      UrlConnectionHttpClient.builder()
          .connectionTimeout(Duration.ofSeconds(10))
          .socketTimeout(Duration.ofSeconds(60))
          .build();

  private Ec2Clients() {}

  static Ec2Client client(Settings settings) {
    return CLIENTS.computeIfAbsent(settings, Ec2Clients::build);
  }

  private static Ec2Client build(Settings s) {
    var builder =
        Ec2Client.builder()
            .region(Region.of(s.region()))
            .credentialsProvider(credentials(s))
            .httpClient(HTTP)
            .overrideConfiguration(
                ClientOverrideConfiguration.builder()
                    .retryStrategy(retryStrategy(s.retries()))
                    .apiCallTimeout(Duration.ofMinutes(3))
                    .build());
    if (!s.endpoint().isEmpty()) {
      builder.endpointOverride(URI.create(s.endpoint()));
    }
    return builder.build();
  }

  /**
   * Retries throttling, 5xx answers and I/O failures with exponential back-off and jitter (the
   * SDK's standard strategy), {@code retries} times.
   */
  static RetryStrategy retryStrategy(long retries) {
    if (retries <= 0) {
      return AwsRetryStrategy.doNotRetry();
    }
    return AwsRetryStrategy.standardRetryStrategy().toBuilder()
        .maxAttempts((int) retries + 1)
        .build();
  }

  private static AwsCredentialsProvider credentials(Settings s) {
    if (!s.accessKey().isEmpty() && !s.secretKey().isEmpty()) {
      return StaticCredentialsProvider.create(
          s.sessionToken().isEmpty()
              ? AwsBasicCredentials.create(s.accessKey(), s.secretKey())
              : AwsSessionCredentials.create(s.accessKey(), s.secretKey(), s.sessionToken()));
    }
    return DefaultCredentialsProvider.builder().build();
  }
}
