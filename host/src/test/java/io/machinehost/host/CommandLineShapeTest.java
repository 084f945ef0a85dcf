package io.machinehost.host;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CommandLineShapeTest {
  @Test
  void of_globalOptionsBeforeTheCommand_arePlain() {
    CommandLineShape shape = CommandLineShape.of("-D", "-s", "/st", "--native-ssh", "ls", "-q");

    assertThat(shape.command()).isEqualTo("ls");
    assertThat(shape.storagePath()).isEqualTo("/st");
    assertThat(shape.plain()).isTrue();
    assertThat(shape.help()).isFalse();
    assertThat(shape.endOfOptions()).isFalse();
  }

  @Test
  void of_storagePathAfterTheCommand_isFoundToo() {
    assertThat(CommandLineShape.of("ls", "--storage-path=rel").storagePath()).isEqualTo("rel");
    assertThat(CommandLineShape.of("status", "m1", "-s", "/x").storagePath()).isEqualTo("/x");
  }

  @Test
  void of_unknownOptionBeforeTheCommand_isNotPlain() {
    assertThat(CommandLineShape.of("--bogus", "ls").plain()).isFalse();
    assertThat(CommandLineShape.of("-s").plain()).isFalse();
    assertThat(CommandLineShape.of("ls", "--filter", "x").plain()).isTrue();
  }

  @Test
  void of_helpAndEndOfOptions_areSeen() {
    assertThat(CommandLineShape.of("ls", "--help").help()).isTrue();
    assertThat(CommandLineShape.of("-h").command()).isNull();
    CommandLineShape dashes = CommandLineShape.of("ssh", "m1", "--", "ls");
    assertThat(dashes.endOfOptions()).isTrue();
    assertThat(dashes.command()).isEqualTo("ssh");
    assertThat(CommandLineShape.of("--", "ls").command()).isNull();
  }
}
