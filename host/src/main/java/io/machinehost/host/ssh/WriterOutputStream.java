package io.machinehost.host.ssh;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Bytes to a writer, decoded as UTF-8; a character split across writes waits until whole. */
final class WriterOutputStream extends OutputStream {
  private final PrintWriter writer;
  private final CharsetDecoder decoder =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE);
  private byte[] pending = new byte[0];

  WriterOutputStream(PrintWriter writer) {
    this.writer = writer;
  }

  @Override
  public synchronized void write(int b) {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public synchronized void write(byte[] bytes, int offset, int length) {
    ByteBuffer input = ByteBuffer.allocate(pending.length + length);
    input.put(pending).put(bytes, offset, length).flip();
    // UTF-8 never makes more characters than bytes, replacements included.
    CharBuffer chars = CharBuffer.allocate(input.remaining() + 1);
    decoder.decode(input, chars, false);
    chars.flip();
    writer.append(chars);
    pending = new byte[input.remaining()];
    input.get(pending);
  }

  @Override
  public synchronized void flush() {
    writer.flush();
  }

  @Override
  public synchronized void close() {
    if (pending.length > 0) {
      writer.append('\uFFFD');
      pending = new byte[0];
    }
    writer.flush();
  }
}
