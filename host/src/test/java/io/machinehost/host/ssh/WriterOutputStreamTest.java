package io.machinehost.host.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WriterOutputStreamTest {
  @Test
  void write_characterSplitAcrossWrites_arrivesWhole() {
    StringWriter text = new StringWriter();
    WriterOutputStream stream = new WriterOutputStream(new PrintWriter(text));
    byte[] bytes = "añ€😀!".getBytes(StandardCharsets.UTF_8);

    for (byte b : bytes) {
      stream.write(b);
    }
    stream.flush();

    assertThat(text.toString()).isEqualTo("añ€😀!");
  }

  @Test
  void close_truncatedCharacter_replaced() {
    StringWriter text = new StringWriter();
    WriterOutputStream stream = new WriterOutputStream(new PrintWriter(text));
    byte[] euro = "€".getBytes(StandardCharsets.UTF_8);

    stream.write(euro, 0, 2);
    stream.close();

    assertThat(text.toString()).isEqualTo("\uFFFD");
  }
}
