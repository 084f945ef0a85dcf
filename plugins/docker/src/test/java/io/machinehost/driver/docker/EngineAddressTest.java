package io.machinehost.driver.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.machinehost.sdk.DriverException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EngineAddressTest {
  @TempDir Path certs;

  private void writeCerts() throws Exception {
    for (String file : EngineAddress.CERT_FILES) {
      Files.writeString(certs.resolve(file), "pem");
    }
  }

  @Test
  void of_localSocket_noTls() throws DriverException {
    EngineAddress address = EngineAddress.of("unix:///run/docker.sock", false, "");

    assertThat(address.tls()).isFalse();
    assertThat(address.certPath()).isEmpty();
  }

  @Test
  void of_tcpWithCertPath_tlsImplied() throws Exception {
    writeCerts();

    EngineAddress address = EngineAddress.of("tcp://10.0.0.5:2376", false, certs.toString());

    assertThat(address.tls()).isTrue();
    assertThat(address.certPath()).isEqualTo(certs.toString());
  }

  @Test
  void of_localSocketWithCertPath_noTls() throws Exception {
    writeCerts();

    assertThat(EngineAddress.of("unix:///run/docker.sock", false, certs.toString()).tls())
        .isFalse();
  }

  @Test
  void of_tlsVerifyWithLocalSocket_invalidArgumentNamingTlsVerify() {
    DriverException e =
        catchThrowableOfType(
            DriverException.class, () -> EngineAddress.of("unix:///run/docker.sock", true, ""));

    assertThat(e.flag()).contains(DockerFlags.TLS_VERIFY);
    assertThat(e.getMessage()).contains("tcp://");
  }

  @Test
  void of_tlsWithoutKey_invalidArgumentNamingTheMissingFile() throws Exception {
    Files.writeString(certs.resolve("ca.pem"), "pem");
    Files.writeString(certs.resolve("cert.pem"), "pem");

    DriverException e =
        catchThrowableOfType(
            DriverException.class,
            () -> EngineAddress.of("tcp://10.0.0.5:2376", true, certs.toString()));

    assertThat(e.code()).isEqualTo(DriverException.Code.INVALID_ARGUMENT);
    assertThat(e.flag()).contains(DockerFlags.CERT_PATH);
    assertThat(e.getMessage()).contains("key.pem").contains(certs.toString());
  }

  @ParameterizedTest
  @CsvSource({
    "unix:///run/docker.sock, 127.0.0.1, 127.0.0.1",
    "unix:///run/docker.sock, 0.0.0.0, 127.0.0.1",
    "tcp://10.0.0.5:2376, 0.0.0.0, 10.0.0.5",
    "tcp://[fd00::5]:2376, ::, fd00::5",
    "tcp://10.0.0.5:2376, 192.168.1.9, 192.168.1.9"
  })
  void reachableAddress_wildcardMeansTheEnginesHost(String host, String publish, String reached) {
    assertThat(new EngineAddress(host, false, "").reachableAddress(publish)).isEqualTo(reached);
  }
}
