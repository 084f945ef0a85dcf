package io.machinehost.host.provision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.machinehost.host.store.MachineRecord.HostOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EngineConfigTest {
  private static HostOptions options(
      List<String> opts,
      List<String> labels,
      List<String> env,
      List<String> insecure,
      List<String> mirrors,
      String storage) {
    return new HostOptions(
        opts, labels, env, insecure, mirrors, storage, List.of(), true, Map.of(), List.of());
  }

  private static HostOptions none() {
    return options(List.of(), List.of(), List.of(), List.of(), List.of(), "");
  }

  private static JsonNode json(EngineConfig config) throws Exception {
    return new ObjectMapper().readTree(config.daemonJson());
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  @Test
  void daemonJson_noOptions_tlsOnSocketAnd2376WithProviderLabel() throws Exception {
    JsonNode json = json(EngineConfig.of(none(), "generic", 0));

    assertThat(texts(json.get("hosts")))
        .containsExactly("unix:///var/run/docker.sock", "tcp://0.0.0.0:2376");
    assertThat(json.get("tls").asBoolean()).isTrue();
    assertThat(json.get("tlsverify").asBoolean()).isTrue();
    assertThat(json.get("tlscacert").asText()).isEqualTo("/etc/docker/ca.pem");
    assertThat(json.get("tlscert").asText()).isEqualTo("/etc/docker/server.pem");
    assertThat(json.get("tlskey").asText()).isEqualTo("/etc/docker/server-key.pem");
    assertThat(texts(json.get("labels"))).containsExactly("provider=generic");
    assertThat(json.has("insecure-registries")).isFalse();
    assertThat(json.has("registry-mirrors")).isFalse();
    assertThat(json.has("storage-driver")).isFalse();
  }

  @Test
  void daemonJson_urlOnAnotherPort_listensOnBoth() throws Exception {
    EngineConfig config = EngineConfig.of(none(), "generic", 32768);

    assertThat(config.ports()).containsExactly(2376, 32768);
    assertThat(texts(json(config).get("hosts")))
        .containsExactly(
            "unix:///var/run/docker.sock", "tcp://0.0.0.0:2376", "tcp://0.0.0.0:32768");
    assertThat(EngineConfig.of(none(), "generic", 2376).ports()).containsExactly(2376);
  }

  @Test
  void of_everyEngineOption_landsInDaemonJsonOrFlags() throws Exception {
    EngineConfig config =
        EngineConfig.of(
            options(
                List.of(
                    "log-level=debug",
                    "--dns=192.0.2.53",
                    "debug",
                    "label=from-opt=1",
                    "insecure-registry=opt.local:5000",
                    "registry-mirror=https://mirror.opt",
                    "storage-driver=vfs"),
                List.of("env=dev", "team=a b"),
                List.of("HTTP_PROXY=http://proxy:3128", "EMPTY="),
                List.of("reg.local:5000"),
                List.of("https://mirror.local"),
                "overlay2"),
            "docker",
            0);

    JsonNode json = json(config);
    assertThat(texts(json.get("labels")))
        .containsExactly("provider=docker", "env=dev", "team=a b", "from-opt=1");
    assertThat(texts(json.get("insecure-registries")))
        .containsExactly("reg.local:5000", "opt.local:5000");
    assertThat(texts(json.get("registry-mirrors")))
        .containsExactly("https://mirror.local", "https://mirror.opt");
    assertThat(json.get("storage-driver").asText()).isEqualTo("vfs");
    assertThat(config.flags()).containsExactly("--log-level=debug", "--dns=192.0.2.53", "--debug");
    assertThat(config.env())
        .containsExactly(Map.entry("HTTP_PROXY", "http://proxy:3128"), Map.entry("EMPTY", ""));
  }

  @ParameterizedTest
  @ValueSource(strings = {"tlsverify=false", "H=tcp://0.0.0.0:2375", "--host=x", "tlscert=/x"})
  void of_optionProvisioningOwns_refusedNamingIt(String option) {
    List<String> opts = List.of(option);
    assertThatThrownBy(
            () ->
                EngineConfig.of(
                    options(opts, List.of(), List.of(), List.of(), List.of(), ""), "generic", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--engine-opt \"" + option + "\" cannot be set")
        .hasMessageContaining("--tls-san");
  }

  @Test
  void of_malformedOptions_refusedWithAnExample() {
    assertThatThrownBy(
            () ->
                EngineConfig.of(
                    options(List.of("bad name=1"), List.of(), List.of(), List.of(), List.of(), ""),
                    "g",
                    0))
        .hasMessageContaining("--engine-opt \"bad name=1\" is not a dockerd flag")
        .hasMessageContaining("log-level=debug");
    assertThatThrownBy(
            () ->
                EngineConfig.of(
                    options(List.of(), List.of("nolabel"), List.of(), List.of(), List.of(), ""),
                    "g",
                    0))
        .hasMessageContaining("--engine-label \"nolabel\" is not KEY=VALUE");
    assertThatThrownBy(
            () ->
                EngineConfig.of(
                    options(List.of(), List.of(), List.of("1X=y"), List.of(), List.of(), ""),
                    "g",
                    0))
        .hasMessageContaining("--engine-env \"1X=y\" is not KEY=VALUE");
    assertThatThrownBy(
            () ->
                EngineConfig.of(
                    options(
                        List.of("registry-mirror"), List.of(), List.of(), List.of(), List.of(), ""),
                    "g",
                    0))
        .hasMessageContaining("needs a value");
  }

  @Test
  void startScript_flagsAndEnv_quotedAndGuardedAgainstASecondEngine() {
    EngineConfig config =
        EngineConfig.of(
            options(
                List.of("log-level=debug", "default-ulimit=nofile=1024:2048"),
                List.of(),
                List.of("NO_PROXY=a b,'c'"),
                List.of(),
                List.of(),
                ""),
            "generic",
            0);

    String script = config.startScript("p1", "/usr/sbin/dockerd");

    assertThat(script)
        .startsWith("#!/bin/sh\n")
        .contains("[ \"$(hostname)\" = p1 ] || hostname p1 2>/dev/null || true\n")
        .contains("[ \"$(cat /proc/$pid/comm 2>/dev/null)\" = dockerd ]; then\n  exit 0\n")
        .contains("export NO_PROXY='a b,'\\''c'\\'''\n")
        .endsWith(
            "setsid /usr/sbin/dockerd --log-level=debug --default-ulimit=nofile=1024:2048"
                + " >>/var/log/docker.log 2>&1 </dev/null &\n");
  }

  @Test
  void systemdDropIn_replacesExecStartAndEscapesUnitSyntax() {
    EngineConfig config =
        EngineConfig.of(
            options(
                List.of("log-opt=tag=%name $x"),
                List.of(),
                List.of("HTTPS_PROXY=http://u:p\"w@proxy"),
                List.of(),
                List.of(),
                ""),
            "generic",
            0);

    String unit = config.systemdDropIn("/usr/bin/dockerd", "/run/containerd/containerd.sock");

    assertThat(unit)
        .contains("[Service]\n")
        .contains("Environment=\"HTTPS_PROXY=http://u:p\\\"w@proxy\"\n")
        .contains(
            "ExecStart=\nExecStart=\"/usr/bin/dockerd\""
                + " \"--containerd=/run/containerd/containerd.sock\" \"--log-opt=tag=%%name $$x\"\n");
    assertThat(config.systemdDropIn("/usr/bin/dockerd", ""))
        .contains("ExecStart=\"/usr/bin/dockerd\" \"--log-opt=tag=%%name $$x\"\n");
  }

  @Test
  void quote_plainWordsBareOthersSingleQuoted() {
    assertThat(EngineConfig.quote("p1.example-x")).isEqualTo("p1.example-x");
    assertThat(EngineConfig.quote("")).isEqualTo("''");
    assertThat(EngineConfig.quote("a b")).isEqualTo("'a b'");
    assertThat(EngineConfig.quote("it's $HOME")).isEqualTo("'it'\\''s $HOME'");
  }
}
