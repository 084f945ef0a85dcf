package io.machinehost.host.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ScpArgumentTest {
  @Test
  void parse_machinePath_splitsAtTheFirstColon() {
    assertThat(ScpArgument.parse("dev:/tmp/a:b"))
        .isEqualTo(new ScpArgument(null, "dev", "/tmp/a:b"));
  }

  @Test
  void parse_userAtMachine_keepsTheUser() {
    ScpArgument argument = ScpArgument.parse("docker@dev:notes.txt");

    assertThat(argument).isEqualTo(new ScpArgument("docker", "dev", "notes.txt"));
    assertThat(argument.userIfAny()).contains("docker");
    assertThat(argument).hasToString("docker@dev:notes.txt");
  }

  @Test
  void parse_machineAndNothing_isTheHomeDirectory() {
    assertThat(ScpArgument.parse("dev:")).isEqualTo(new ScpArgument(null, "dev", ""));
  }

  @Test
  void parse_noColon_isLocal() {
    assertThat(ScpArgument.parse("notes.txt").isLocal()).isTrue();
  }

  @Test
  void parse_slashBeforeTheColon_isLocal() {
    assertThat(ScpArgument.parse("./a:b")).isEqualTo(new ScpArgument(null, null, "./a:b"));
    assertThat(ScpArgument.parse("/tmp/a:b").isLocal()).isTrue();
  }

  @Test
  void parse_localhost_isLocal() {
    assertThat(ScpArgument.parse("localhost:/tmp/x"))
        .isEqualTo(new ScpArgument(null, null, "/tmp/x"));
    assertThat(ScpArgument.parse("localhost:").path()).isEqualTo(".");
  }

  @Test
  void parse_emptyParts_refused() {
    assertThatThrownBy(() -> ScpArgument.parse("")).hasMessageContaining("empty path");
    assertThatThrownBy(() -> ScpArgument.parse(":x")).hasMessageContaining("names no machine");
    assertThatThrownBy(() -> ScpArgument.parse("@dev:x")).hasMessageContaining("empty user");
  }
}
