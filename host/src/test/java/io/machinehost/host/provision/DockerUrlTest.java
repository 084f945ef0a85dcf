package io.machinehost.host.provision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DockerUrlTest {
  @Test
  void parse_tcpUrls_hostAndPort() {
    assertThat(DockerUrl.parse("tcp://127.0.0.1:32768"))
        .isEqualTo(new DockerUrl("127.0.0.1", 32768));
    assertThat(DockerUrl.parse("tcp://p1.example")).isEqualTo(new DockerUrl("p1.example", 2376));
    assertThat(DockerUrl.parse("tcp://[::1]:2376")).isEqualTo(new DockerUrl("::1", 2376));
  }

  @Test
  void https_ipv6_bracketed() {
    assertThat(new DockerUrl("::1", 2376).https("/version").toString())
        .isEqualTo("https://[::1]:2376/version");
    assertThat(new DockerUrl("192.0.2.1", 2376).https("/version").toString())
        .isEqualTo("https://192.0.2.1:2376/version");
  }

  @Test
  void parse_notTcp_refusedNamingTheUrl() {
    assertThatThrownBy(() -> DockerUrl.parse("unix:///var/run/docker.sock"))
        .hasMessageContaining("\"unix:///var/run/docker.sock\" is not tcp://HOST:PORT");
    assertThatThrownBy(() -> DockerUrl.parse("")).isInstanceOf(IllegalArgumentException.class);
  }
}
