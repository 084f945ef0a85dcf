package io.machinehost.host.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClassPreloadTest {
  @Test
  void needsDrivers_driverCommands_yes() {
    assertThat(ClassPreload.needsDrivers(List.of("ls"))).isTrue();
    assertThat(ClassPreload.needsDrivers(List.of("-s", "ls", "status", "m1"))).isTrue();
    assertThat(ClassPreload.needsDrivers(List.of("--debug", "create", "-d", "none", "x"))).isTrue();
  }

  @Test
  void needsDrivers_versionHelpOrNoCommand_no() {
    assertThat(ClassPreload.needsDrivers(List.of("version"))).isFalse();
    assertThat(ClassPreload.needsDrivers(List.of("--help"))).isFalse();
    assertThat(ClassPreload.needsDrivers(List.of("ls", "--help"))).isFalse();
    assertThat(ClassPreload.needsDrivers(List.of("-s", "status"))).isFalse();
    assertThat(ClassPreload.needsDrivers(List.of())).isFalse();
    assertThat(ClassPreload.needsDrivers(List.of("completion", "bash"))).isFalse();
  }

  @Test
  void preloadList_namesLoadableClasses() throws Exception {
    List<String> names;
    try (InputStream in = ClassPreload.class.getResourceAsStream("preload.txt")) {
      assertThat(in).as("preload.txt beside ClassPreload").isNotNull();
      names =
          new String(in.readAllBytes(), StandardCharsets.UTF_8)
              .lines()
              .filter(l -> !l.isBlank() && !l.startsWith("#"))
              .toList();
    }
    assertThat(names).hasSizeGreaterThan(500).contains("io.grpc.ManagedChannel");
    long missing =
        names.stream()
            .filter(
                n -> {
                  try {
                    Class.forName(n, false, ClassPreload.class.getClassLoader());
                    return false;
                  } catch (ClassNotFoundException | LinkageError e) {
                    return true;
                  }
                })
            .count();
    // Regenerate with .ci/bench/preload-list.sh when dependencies change.
    assertThat(missing)
        .as("names in preload.txt that no longer load")
        .isLessThan(names.size() / 10);
  }
}
