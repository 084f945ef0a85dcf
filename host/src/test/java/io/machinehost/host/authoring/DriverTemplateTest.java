package io.machinehost.host.authoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DriverTemplateTest {
  @Test
  void render_knownTokens_replacedLiterally() {
    assertThat(DriverTemplate.render("a {{x}} b {{y}}}", Map.of("x", "$1\\", "y", "z")))
        .isEqualTo("a $1\\ b z}");
  }

  @Test
  void render_unknownToken_failsNamingIt() {
    assertThatThrownBy(() -> DriverTemplate.render("{{nope}}", Map.of()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("{{nope}}");
  }

  @Test
  void render_textWithoutTokens_unchanged() {
    assertThat(DriverTemplate.render("${project.version} {x} {{ y }}", Map.of()))
        .isEqualTo("${project.version} {x} {{ y }}");
  }

  @Test
  void read_everyTemplateFile_exists() {
    for (DriverTemplate.Entry entry : DriverTemplate.FILES) {
      assertThat(DriverTemplate.read(entry.resource())).as(entry.resource()).isNotBlank();
    }
  }
}
