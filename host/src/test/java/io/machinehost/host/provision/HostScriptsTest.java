package io.machinehost.host.provision;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostScriptsTest {
  @Test
  void factsParse_systemdHostWithContainerd_allThree() {
    HostScripts.Facts facts =
        HostScripts.Facts.parse(
            "init=systemd\ndockerd=/usr/bin/dockerd\ncontainerd=/run/containerd/containerd.sock\n");

    assertThat(facts)
        .isEqualTo(
            new HostScripts.Facts(true, "/usr/bin/dockerd", "/run/containerd/containerd.sock"));
  }

  @Test
  void factsParse_noDockerNoSystemd_empty() {
    HostScripts.Facts facts = HostScripts.Facts.parse("motd noise\ninit=other\ndockerd=\n");

    assertThat(facts).isEqualTo(new HostScripts.Facts(false, "", ""));
  }

  @Test
  void hostnameOf_longName_cutToOneDnsLabel() {
    String name = "m".repeat(80);

    assertThat(HostScripts.hostnameOf(name)).hasSize(63);
    assertThat(HostScripts.hostnameOf("p1")).isEqualTo("p1");
  }

  @Test
  void hostname_dottedName_matchedLiterallyInHosts() {
    String script = HostScripts.hostname("p1.example");

    assertThat(script)
        .contains("hostname p1.example\n")
        .contains("grep -Eq '[[:space:]]p1\\.example([[:space:]]|$)' /etc/hosts")
        .contains("printf '127.0.1.1 %s\\n' p1.example >> /etc/hosts")
        .contains("cat \"$tmp\" > /etc/hosts");
  }

  @Test
  void restart_withoutSystemd_stopsByPidFileThenRunsTheStartScript() {
    assertThat(HostScripts.restart(false))
        .contains("pid=$(cat /var/run/docker.pid")
        .contains("= dockerd ]")
        .endsWith(EngineConfig.START_SCRIPT + "\n");
    assertThat(HostScripts.restart(true)).startsWith("systemctl restart docker.service");
  }
}
