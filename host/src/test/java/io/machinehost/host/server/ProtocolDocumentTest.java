package io.machinehost.host.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What proto/README.md tells plugin authors about the command server is what the host does. */
class ProtocolDocumentTest {
  private static final Path DOCUMENT = Path.of("..", "proto", "README.md");

  @Test
  void commandServer_everyServedCommandAndTheOffSwitch_areDocumented() throws Exception {
    String document = Files.readString(DOCUMENT);
    int section = document.indexOf("**Who launched me: the command server.**");

    assertThat(section).isPositive();
    String paragraph = document.substring(section, document.indexOf("\n- ", section));
    for (String command :
        java.util.stream.Stream.concat(FrontEnd.READS.stream(), FrontEnd.WRITES.stream())
            .toList()) {
      assertThat(paragraph).contains("`" + command + "`");
    }
    assertThat(paragraph).contains("`MACHINEHOST_PLUGIN_REUSE=0` turns the command server off too");
  }
}
