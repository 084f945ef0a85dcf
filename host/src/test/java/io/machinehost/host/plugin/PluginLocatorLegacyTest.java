package io.machinehost.host.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where docker-machine's plugins and core drivers are found, and that native drivers win. */
class PluginLocatorLegacyTest {
  @TempDir Path dir;

  private Path executable(String name) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, "#!/bin/sh\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }

  @Test
  void findLegacy_pluginOnPath_found() throws IOException {
    Path plugin = executable("docker-machine-driver-hetzner");
    PluginLocator locator = new PluginLocator(List.of(dir));

    assertThat(locator.find("hetzner")).isEmpty();
    assertThat(locator.findLegacy("hetzner")).contains(plugin);
  }

  @Test
  void findLegacy_coreDriverWithLegacyBinary_resolvesToBinary() throws IOException {
    Path binary = executable("docker-machine");
    PluginLocator locator =
        PluginLocator.standard(
            Map.of("PATH", dir.toString(), PluginLocator.LEGACY_BINARY, "docker-machine"),
            null,
            null);

    assertThat(locator.legacyBinary()).contains(binary);
    assertThat(locator.findLegacy("amazonec2")).contains(binary);
    assertThat(locator.findLegacy("hetzner")).isEmpty();
  }

  @Test
  void all_nativeAndLegacyOfOneName_legacyShadowed() throws IOException {
    executable("machine-driver-generic");
    executable("docker-machine-driver-generic");
    executable("docker-machine-driver-kvm");

    List<PluginLocator.Found> found = new PluginLocator(List.of(dir)).all();

    assertThat(found)
        .extracting(f -> f.driver() + " " + f.protocol() + " " + f.shadowed())
        .containsExactly("generic GRPC false", "generic LEGACY_RPC true", "kvm LEGACY_RPC false");
  }
}
