package io.machinehost.driver.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrivilegesTest {
  private static final ContainerCommands.Spec SPEC =
      new ContainerCommands.Spec(
          "machinehost-dev",
          "dev",
          MachineImage.DEFAULT,
          "127.0.0.1",
          "",
          1_500_000_000L,
          512L << 20,
          "ssh-ed25519 AAAA test",
          Map.of(),
          0,
          0);

  private static JsonNode json(HostConfig host) {
    return new ObjectMapper().valueToTree(host);
  }

  @Test
  void hostConfig_ports_fixedWhereChosenElseLeftToTheEngine() {
    ContainerCommands.Spec fixed =
        new ContainerCommands.Spec(
            SPEC.name(),
            SPEC.hostname(),
            SPEC.image(),
            SPEC.publishAddress(),
            SPEC.network(),
            SPEC.nanoCpus(),
            SPEC.memory(),
            SPEC.authorizedKey(),
            SPEC.labels(),
            2222,
            0);
    var bindings =
        ContainerCommands.hostConfig(fixed, Privileges.Mode.PRIVILEGED)
            .getPortBindings()
            .getBindings();

    assertThat(bindings.get(ExposedPort.tcp(22))[0].getHostPortSpec()).isEqualTo("2222");
    assertThat(bindings.get(ExposedPort.tcp(22))[0].getHostIp()).isEqualTo("127.0.0.1");
    assertThat(bindings.get(ExposedPort.tcp(2376))[0].getHostPortSpec()).isNull();
  }

  @Test
  void hostConfig_capabilities_whatADockerHostNeedsWithoutPrivileged() {
    HostConfig host = ContainerCommands.hostConfig(SPEC, Privileges.Mode.CAPABILITIES);

    assertThat(host.getPrivileged()).isFalse();
    assertThat(host.getCapAdd()).containsExactly(Capability.ALL);
    assertThat(host.getCapDrop()).containsExactly(Capability.SYS_RESOURCE);
    assertThat(host.getSecurityOpts())
        .containsExactlyInAnyOrder("seccomp=unconfined", "apparmor=unconfined");
    assertThat(host.getDeviceCgroupRules()).containsExactly("a *:* rwm");
    assertThat(host.getTmpFs()).containsEntry("/run", "rw,exec,nosuid,size=64m");
    JsonNode json = json(host);
    assertThat(json.get("MaskedPaths").isArray()).isTrue();
    assertThat(json.get("MaskedPaths")).isEmpty();
    assertThat(json.get("ReadonlyPaths")).isEmpty();
  }

  @Test
  void hostConfig_privileged_privilegedAndSystemPathsLeftToTheEngine() {
    HostConfig host = ContainerCommands.hostConfig(SPEC, Privileges.Mode.PRIVILEGED);

    assertThat(host.getPrivileged()).isTrue();
    assertThat(host.getCapAdd()).isNull();
    assertThat(host.getTmpFs()).containsKey("/run");
    assertThat(json(host).has("MaskedPaths")).isFalse();
  }

  @Test
  void hostConfig_spec_limitsAndPortsOnThePublishAddressAtEngineChosenPorts() {
    HostConfig host = ContainerCommands.hostConfig(SPEC, Privileges.Mode.CAPABILITIES);

    assertThat(host.getNanoCPUs()).isEqualTo(1_500_000_000L);
    assertThat(host.getMemory()).isEqualTo(512L << 20);
    assertThat(host.getNetworkMode()).isNull();
    assertThat(host.getPortBindings().getBindings())
        .hasSize(2)
        .allSatisfy(
            (port, bindings) -> {
              assertThat(bindings)
                  .singleElement()
                  .satisfies(
                      b -> {
                        assertThat(b.getHostIp()).isEqualTo("127.0.0.1");
                        assertThat(b.getHostPortSpec()).isNull();
                      });
            });
  }

  @Test
  void first_auto_privilegedUntilTheEngineRefusedIt() {
    EngineAddress engine = new EngineAddress("unix:///test/" + System.nanoTime(), false, "");

    assertThat(Privileges.first(Privileges.Setting.AUTO, engine))
        .isEqualTo(Privileges.Mode.PRIVILEGED);
    Privileges.learn(engine, Privileges.Mode.CAPABILITIES);

    assertThat(Privileges.first(Privileges.Setting.AUTO, engine))
        .isEqualTo(Privileges.Mode.CAPABILITIES);
    assertThat(Privileges.first(Privileges.Setting.TRUE, engine))
        .isEqualTo(Privileges.Mode.PRIVILEGED);
    assertThat(Privileges.mayFallBack(Privileges.Setting.AUTO, Privileges.Mode.PRIVILEGED))
        .isTrue();
    assertThat(Privileges.mayFallBack(Privileges.Setting.TRUE, Privileges.Mode.PRIVILEGED))
        .isFalse();
    assertThat(Privileges.mayFallBack(Privileges.Setting.AUTO, Privileges.Mode.CAPABILITIES))
        .isFalse();
  }

  @Test
  void first_false_capabilities() {
    EngineAddress engine = new EngineAddress("unix:///test/false", false, "");

    assertThat(Privileges.first(Privileges.Setting.FALSE, engine))
        .isEqualTo(Privileges.Mode.CAPABILITIES);
  }
}
