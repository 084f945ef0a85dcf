package io.machinehost.sdk.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HandshakeTest {
  @Test
  void format_thenParse_roundTrips() {
    Handshake h = new Handshake(1, 1, "unix", "/tmp/x/plugin.sock", "grpc", Optional.of("QUJD"));

    assertThat(h.format()).isEqualTo("1|1|unix|/tmp/x/plugin.sock|grpc|QUJD");
    assertThat(Handshake.parse(h.format() + "\n")).isEqualTo(h);
  }

  @Test
  void parse_tcpWithoutCertificate_hasNoCertificate() {
    Handshake h = Handshake.parse("1|1|tcp|127.0.0.1:4321|grpc");

    assertThat(h.network()).isEqualTo("tcp");
    assertThat(h.address()).isEqualTo("127.0.0.1:4321");
    assertThat(h.certificate()).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = ';',
      value = {
        "1|1|unix|/s;got 4 field(s)",
        "x|1|unix|/s|grpc;core protocol version is not a number",
        "1|one|unix|/s|grpc;app protocol version is not a number",
        "1|1|pigeon|/s|grpc;network must be",
        "1|1|unix||grpc;address is empty",
        "1|1|tcp|10.1.2.3:80|grpc;must be on loopback",
        "1|1|unix|/s|netrpc;protocol must be \"grpc\""
      })
  void parse_malformedLine_saysWhichField(String line, String message) {
    assertThatThrownBy(() -> Handshake.parse(line))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = ';',
      value = {"1;1", "1,2;1", "99;1", "2,99;1", "'';1", "x,1;1"})
  void negotiate_offeredVersions_picksHighestShared(String offered, int chosen) {
    assertThat(PluginRuntime.negotiate(offered)).isEqualTo(chosen);
  }
}
