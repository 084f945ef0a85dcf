package io.machinehost.host.legacy.gob;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** A growing byte buffer that writes gob's integer and string encodings. */
final class GobBuffer extends ByteArrayOutputStream {
  /** Writes an unsigned integer: one byte below 128, else the negated byte count and big-endian. */
  void writeUint(long x) {
    if (x >= 0 && x < 128) {
      write((int) x);
      return;
    }
    int n = 8 - Long.numberOfLeadingZeros(x) / 8;
    write(-n & 0xff);
    for (int i = n - 1; i >= 0; i--) {
      write((int) (x >>> (8 * i)) & 0xff);
    }
  }

  /**
   * Writes a signed integer: shifted left one bit, complemented and marked in bit 0 if negative.
   */
  void writeInt(long i) {
    writeUint(i < 0 ? (~i << 1) | 1 : i << 1);
  }

  void writeFloat(double f) {
    writeUint(Long.reverseBytes(Double.doubleToLongBits(f)));
  }

  void writeBlob(byte[] bytes) {
    writeUint(bytes.length);
    write(bytes, 0, bytes.length);
  }

  void writeString(String s) {
    writeBlob(s.getBytes(StandardCharsets.UTF_8));
  }
}
