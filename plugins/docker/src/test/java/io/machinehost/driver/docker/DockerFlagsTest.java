package io.machinehost.driver.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.machinehost.sdk.DriverException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DockerFlagsTest {
  @ParameterizedTest
  @CsvSource({
    "512m, 536870912",
    "2g, 2147483648",
    "2G, 2147483648",
    "1.5GB, 1610612736",
    "6m, 6291456",
    "8388608, 8388608",
    "7340032b, 7340032",
    "1t, 1099511627776",
    "' 64m ', 67108864"
  })
  void memory_dockerSizes_bytes(String given, long bytes) throws DriverException {
    assertThat(DockerFlags.memory(given)).isEqualTo(bytes);
  }

  @Test
  void memory_empty_noLimit() throws DriverException {
    assertThat(DockerFlags.memory("")).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"lots", "12x", "-1g", "1.g", "g", "2 gigabytes"})
  void memory_notASize_invalidArgumentNamingTheFlag(String given) {
    DriverException e =
        catchThrowableOfType(DriverException.class, () -> DockerFlags.memory(given));

    assertThat(e.code()).isEqualTo(DriverException.Code.INVALID_ARGUMENT);
    assertThat(e.flag()).contains(DockerFlags.MEMORY);
    assertThat(e.getMessage()).contains("--docker-memory").contains(given).contains("512m");
  }

  @Test
  void memory_belowDockersMinimum_invalidArgumentSayingTheMinimum() {
    DriverException e = catchThrowableOfType(DriverException.class, () -> DockerFlags.memory("4m"));

    assertThat(e.flag()).contains(DockerFlags.MEMORY);
    assertThat(e.getMessage()).contains("too small").contains("6m");
  }

  @ParameterizedTest
  @CsvSource({"2, 2000000000", "1.5, 1500000000", "0.25, 250000000", "' 4 ', 4000000000"})
  void nanoCpus_wholeAndDecimal_billionths(String given, long nanos) throws DriverException {
    assertThat(DockerFlags.nanoCpus(given)).isEqualTo(nanos);
  }

  @ParameterizedTest
  @ValueSource(strings = {"two", "0", "0.001", "-1", "1,5"})
  void nanoCpus_badCount_invalidArgumentNamingTheFlag(String given) {
    DriverException e =
        catchThrowableOfType(DriverException.class, () -> DockerFlags.nanoCpus(given));

    assertThat(e.code()).isEqualTo(DriverException.Code.INVALID_ARGUMENT);
    assertThat(e.flag()).contains(DockerFlags.CPUS);
    assertThat(e.getMessage()).contains("--docker-cpus");
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "0.0.0.0", "192.168.10.200", "::1", "::", "fe80::1"})
  void publishAddress_ipAddress_accepted(String given) throws DriverException {
    assertThat(DockerFlags.publishAddress(given)).isEqualTo(given);
  }

  @Test
  void publishAddress_empty_loopback() throws DriverException {
    assertThat(DockerFlags.publishAddress(" ")).isEqualTo("127.0.0.1");
  }

  @ParameterizedTest
  @ValueSource(strings = {"localhost", "256.1.1.1", "10.0.0", "example.com"})
  void publishAddress_notAnIpAddress_invalidArgument(String given) {
    DriverException e =
        catchThrowableOfType(DriverException.class, () -> DockerFlags.publishAddress(given));

    assertThat(e.flag()).contains(DockerFlags.PUBLISH_ADDRESS);
    assertThat(e.getMessage()).contains("is not an IP address").contains("127.0.0.1");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"unix:///var/run/docker.sock", "tcp://127.0.0.1:2376", "tcp://[::1]:2376"})
  void host_unixOrTcp_accepted(String given) throws DriverException {
    assertThat(DockerFlags.host(given)).isEqualTo(given);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"ssh://me@host", "tcp://host", "unix://", "/var/run/docker.sock", "tcp://a b:1"})
  void host_notAnEngineAddress_invalidArgumentWithAnExample(String given) {
    DriverException e = catchThrowableOfType(DriverException.class, () -> DockerFlags.host(given));

    assertThat(e.code()).isEqualTo(DriverException.Code.INVALID_ARGUMENT);
    assertThat(e.flag()).contains(DockerFlags.HOST);
    assertThat(e.getMessage()).contains("--docker-host").contains("unix:///var/run/docker.sock");
  }

  @Test
  void host_empty_theLocalSocket() throws DriverException {
    assertThat(DockerFlags.host("")).isEqualTo(DockerFlags.DEFAULT_HOST);
  }

  @Test
  void network_badName_invalidArgument() {
    DriverException e =
        catchThrowableOfType(DriverException.class, () -> DockerFlags.network("my net"));

    assertThat(e.flag()).contains(DockerFlags.NETWORK);
  }

  @Test
  void definitions_everyFlag_hasUsageAndEnvironmentVariable() {
    assertThat(DockerFlags.definitions())
        .allSatisfy(
            flag -> {
              assertThat(flag.name()).startsWith("docker-");
              assertThat(flag.usage()).isNotBlank();
              assertThat(flag.envVar()).isNotBlank();
            });
    assertThat(DockerFlags.definitions())
        .filteredOn(flag -> flag.name().equals(DockerFlags.PRIVILEGED))
        .singleElement()
        .satisfies(flag -> assertThat(flag.choices()).containsExactly("auto", "true", "false"));
  }
}
