package io.machinehost.driver.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.machinehost.sdk.Capability;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.FlagValues;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerDriverTest {
  @TempDir Path store;

  private DockerDriver configured(Map<String, Object> given) throws Exception {
    DockerDriver driver = new DockerDriver("dev", store.toString());
    driver.setConfigFromFlags(FlagValues.validate(driver.getCreateFlags(), given));
    return driver;
  }

  private static JsonNode config(DockerDriver driver) throws Exception {
    return new ObjectMapper().readTree(driver.getConfigRaw());
  }

  @Test
  void setConfigFromFlags_defaults_localEngineDefaultImageLoopback() throws Exception {
    DockerDriver driver = configured(Map.of());

    JsonNode config = config(driver);
    assertThat(config.get("DockerHost").asText()).isEqualTo("unix:///var/run/docker.sock");
    assertThat(config.get("Image").asText()).isEqualTo("machinehost/machine:latest");
    assertThat(config.get("PublishAddress").asText()).isEqualTo("127.0.0.1");
    assertThat(config.get("Privileged").asText()).isEqualTo("auto");
    assertThat(config.get("ContainerName").asText()).isEqualTo("machinehost-dev");
    assertThat(config.get("Memory").asLong()).isZero();
    assertThat(config.get("TLS").asBoolean()).isFalse();
    assertThat(driver.getIp()).isEqualTo("127.0.0.1");
    assertThat(driver.getSshHostname()).isEqualTo("127.0.0.1");
    assertThat(driver.getSshUsername()).isEqualTo("root");
    assertThat(driver.getSshKeyPath())
        .isEqualTo(store.resolve("machines/dev/id_ed25519").toString());
  }

  @Test
  void setConfigFromFlags_everyFlag_persistedAndRestored() throws Exception {
    Map<String, Object> given = new HashMap<>();
    given.put(DockerFlags.HOST, "tcp://10.1.2.3:2375");
    given.put(DockerFlags.IMAGE, "example/machine:1");
    given.put(DockerFlags.CPUS, "1.5");
    given.put(DockerFlags.MEMORY, "2g");
    given.put(DockerFlags.NETWORK, "lab");
    given.put(DockerFlags.PUBLISH_ADDRESS, "0.0.0.0");
    given.put(DockerFlags.PRIVILEGED, "false");
    DockerDriver driver = configured(given);

    DockerDriver restored = new DockerDriver("dev", store.toString());
    restored.setConfigRaw(driver.getConfigRaw());

    JsonNode config = config(restored);
    assertThat(config.get("DockerHost").asText()).isEqualTo("tcp://10.1.2.3:2375");
    assertThat(config.get("Image").asText()).isEqualTo("example/machine:1");
    assertThat(config.get("NanoCPUs").asLong()).isEqualTo(1_500_000_000L);
    assertThat(config.get("Memory").asLong()).isEqualTo(2L << 30);
    assertThat(config.get("Network").asText()).isEqualTo("lab");
    assertThat(config.get("Privileged").asText()).isEqualTo("false");
    assertThat(restored.getIp())
        .as("a wildcard is reached at the engine's host")
        .isEqualTo("10.1.2.3");
    assertThat(restored.engine().address().host()).isEqualTo("tcp://10.1.2.3:2375");
  }

  @Test
  void setConfigFromFlags_badMemory_invalidArgumentNamingTheFlag() {
    DriverException e =
        catchThrowableOfType(
            DriverException.class, () -> configured(Map.of(DockerFlags.MEMORY, "huge")));

    assertThat(e.code()).isEqualTo(DriverException.Code.INVALID_ARGUMENT);
    assertThat(e.flag()).contains(DockerFlags.MEMORY);
  }

  @Test
  void setConfigFromFlags_privilegedNotAChoice_invalidArgument() {
    DriverException e =
        catchThrowableOfType(
            DriverException.class, () -> configured(Map.of(DockerFlags.PRIVILEGED, "maybe")));

    assertThat(e.flag()).contains(DockerFlags.PRIVILEGED);
  }

  @Test
  void setConfigFromFlags_unknownScheme_invalidArgumentNamingHost() {
    DriverException e =
        catchThrowableOfType(
            DriverException.class, () -> configured(Map.of(DockerFlags.HOST, "ssh://me@box")));

    assertThat(e.flag()).contains(DockerFlags.HOST);
  }

  @Test
  void capabilities_docker_everyOperationSshProvisionAndCancel() {
    assertThat(new DockerDriver("", "").capabilities())
        .containsExactlyInAnyOrder(Capability.values());
  }

  @Test
  void getSshPort_neverCreated_failedPrecondition() throws Exception {
    DriverException e =
        catchThrowableOfType(DriverException.class, configured(Map.of())::getSshPort);

    assertThat(e.code()).isEqualTo(DriverException.Code.FAILED_PRECONDITION);
    assertThat(e.getMessage()).contains("\"dev\"");
  }
}
