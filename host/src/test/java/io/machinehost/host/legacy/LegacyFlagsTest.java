package io.machinehost.host.legacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.machinehost.host.legacy.gob.GobInterface;
import io.machinehost.host.legacy.gob.GobStruct;
import io.machinehost.sdk.CreateFlag;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.FlagValues;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** mcnflag flags as typed create flags, and create flag values as rpcdriver.RPCFlags. */
class LegacyFlagsTest {
  private static GobInterface flag(String type, String goType, Map<String, Object> fields) {
    return new GobInterface(type, null, new GobStruct(goType, fields));
  }

  @Test
  void toCreateFlags_everyMcnflagType_typedWithEnvUsageAndDefault() throws DriverException {
    List<Object> reply =
        List.of(
            flag(
                LegacyTypes.STRING_FLAG,
                "StringFlag",
                Map.of(
                    "Name",
                    "hetzner-image",
                    "Usage",
                    "image",
                    "EnvVar",
                    "HETZNER_IMAGE",
                    "Value",
                    "ubuntu")),
            flag(LegacyTypes.INT_FLAG, "IntFlag", Map.of("Name", "hetzner-port", "Value", 22L)),
            flag(LegacyTypes.BOOL_FLAG, "BoolFlag", Map.of("Name", "hetzner-ipv6")),
            flag(
                LegacyTypes.STRING_SLICE_FLAG,
                "StringSliceFlag",
                Map.of("Name", "hetzner-label", "Value", List.of("a"))),
            flag(LegacyTypes.STRING_FLAG, "StringFlag", Map.of("Name", "hetzner-api-token")));

    List<CreateFlag> flags = LegacyFlags.toCreateFlags("hetzner", reply);

    assertThat(flags)
        .extracting(CreateFlag::type)
        .containsExactly(
            CreateFlag.Type.STRING,
            CreateFlag.Type.INT,
            CreateFlag.Type.BOOL,
            CreateFlag.Type.STRING_LIST,
            CreateFlag.Type.STRING);
    assertThat(flags.get(0).envVar()).isEqualTo("HETZNER_IMAGE");
    assertThat(flags.get(0).usage()).isEqualTo("image");
    assertThat(flags.get(0).defaultValue()).isEqualTo("ubuntu");
    assertThat(flags.get(1).defaultValue()).isEqualTo(22L);
    assertThat(flags.get(2).defaultValue()).isEqualTo(false);
    assertThat(flags.get(3).defaultValue()).isEqualTo(List.of("a"));
    assertThat(flags.get(4).secret()).isTrue();
    assertThat(flags.get(0).secret()).isFalse();
  }

  @Test
  void toCreateFlags_unknownType_failsNamingTheFlag() {
    List<Object> reply =
        List.of(flag("*mcnflag.FloatFlag", "FloatFlag", Map.of("Name", "x-ratio")));

    assertThatThrownBy(() -> LegacyFlags.toCreateFlags("x", reply))
        .isInstanceOf(DriverException.class)
        .hasMessageContaining("x-ratio")
        .hasMessageContaining("*mcnflag.FloatFlag");
  }

  @Test
  void toRpcFlags_values_asInterfacesOfBasicTypesWithSwarmDefaults() {
    Map<String, Object> given = new LinkedHashMap<>();
    given.put("x-name", "n");
    given.put("x-count", 3L);
    given.put("x-on", true);
    given.put("x-tags", List.of("a", "b"));

    GobInterface flags = LegacyFlags.toRpcFlags(FlagValues.unchecked(given));

    assertThat(flags.name()).isEqualTo("*rpcdriver.RPCFlags");
    @SuppressWarnings("unchecked")
    Map<String, GobInterface> values =
        (Map<String, GobInterface>) ((Map<?, ?>) flags.value()).get("Values");
    assertThat(values.get("x-name").name()).isEqualTo("string");
    assertThat(values.get("x-count").name()).isEqualTo("int");
    assertThat(values.get("x-on").name()).isEqualTo("bool");
    assertThat(values.get("x-tags").name()).isEqualTo("[]string");
    assertThat(values.get("x-tags").value()).isEqualTo(List.of("a", "b"));
    assertThat(values).containsKeys("swarm-master", "swarm-host", "swarm-discovery");
  }
}
