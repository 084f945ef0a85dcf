package io.machinehost.host.legacy.gob;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes a stream written by Go's encoding/gob (or {@link GobEncoder}): type definitions are
 * learnt as they come, values are returned in the shapes {@link GobEncoder} takes (structs as
 * {@link GobStruct}, interfaces as {@link GobInterface} or {@code null} for a nil one, ints and
 * uints as {@code Long}).
 */
public final class GobDecoder {
  private static final int MAX_MESSAGE = 1 << 26;

  private enum Kind {
    ARRAY,
    SLICE,
    STRUCT,
    MAP,
    ENCODER
  }

  /**
   * A type definition as received: its kind and name, the ids it refers to (a map's key; an array's
   * length is kept in {@code key} too), and a struct's field names and type ids.
   */
  private record Wire(
      Kind kind, String name, int elem, int key, List<String> names, List<Integer> types) {}

  private final InputStream in;
  private final Map<Integer, Wire> types = new HashMap<>();
  private byte[] buf = new byte[0];
  private int pos;

  /** Decodes from a stream. */
  public GobDecoder(InputStream in) {
    this.in = in;
  }

  /**
   * Reads the next value.
   *
   * @throws EOFException if the stream ended before a value began
   * @throws GobException if the bytes are not a valid gob stream
   * @throws IOException if the stream fails
   */
  public Object decode() throws IOException {
    int id = typeSequence(false);
    Object value = top(id);
    if (pos != buf.length) {
      throw new GobException("%d bytes left over after a value of type %d", buf.length - pos, id);
    }
    return value;
  }

  private boolean nextMessage() throws IOException {
    int first = in.read();
    if (first < 0) {
      return false;
    }
    long length = readStreamUint(first);
    if (length <= 0 || length > MAX_MESSAGE) {
      throw new GobException("gob message of %d bytes", length);
    }
    buf = in.readNBytes((int) length);
    pos = 0;
    if (buf.length != length) {
      throw new GobException("gob message cut short: %d of %d bytes", buf.length, length);
    }
    return true;
  }

  private long readStreamUint(int first) throws IOException {
    if (first < 128) {
      return first;
    }
    int n = -(byte) first;
    if (n > 8) {
      throw new GobException("bad gob integer length %d", n);
    }
    long x = 0;
    for (int i = 0; i < n; i++) {
      int c = in.read();
      if (c < 0) {
        throw new EOFException("gob stream ended inside a message length");
      }
      x = (x << 8) | c;
    }
    return x;
  }

  // Type definitions (negative ids) until a value's type id; inside an interface a definition
  // may be followed by a byte count still in the buffer.
  private int typeSequence(boolean inInterface) throws IOException {
    boolean first = true;
    while (true) {
      if (pos == buf.length && !nextMessage()) {
        throw first
            ? new EOFException("end of gob stream")
            : new GobException("gob stream ended after type definitions, before their value");
      }
      long id = readInt();
      if (id >= 0) {
        return (int) id;
      }
      types.put((int) -id, readWire());
      if (pos < buf.length) {
        if (!inInterface) {
          throw new GobException("extra data after gob type definition %d", -id);
        }
        readUint();
      }
      first = false;
    }
  }

  private int readByte() throws GobException {
    if (pos >= buf.length) {
      throw new GobException("gob value runs past the end of its message");
    }
    return buf[pos++] & 0xff;
  }

  private long readUint() throws GobException {
    int first = readByte();
    if (first < 128) {
      return first;
    }
    int n = -(byte) first;
    if (n > 8) {
      throw new GobException("bad gob integer length %d", n);
    }
    long x = 0;
    for (int i = 0; i < n; i++) {
      x = (x << 8) | readByte();
    }
    return x;
  }

  private long readInt() throws GobException {
    long x = readUint();
    return (x & 1) != 0 ? ~(x >>> 1) : x >>> 1;
  }

  private int readLength() throws GobException {
    long n = readUint();
    if (n < 0 || n > buf.length - pos) {
      throw new GobException("gob length %d exceeds the %d bytes left", n, buf.length - pos);
    }
    return (int) n;
  }

  private byte[] readBytes() throws GobException {
    int n = readLength();
    byte[] bytes = new byte[n];
    System.arraycopy(buf, pos, bytes, 0, n);
    pos += n;
    return bytes;
  }

  private String readString() throws GobException {
    return new String(readBytes(), StandardCharsets.UTF_8);
  }

  // wireType{ArrayT 0, SliceT 1, StructT 2, MapT 3, GobEncoderT 4, BinaryMarshalerT 5,
  // TextMarshalerT 6}, each a struct that starts with CommonType{Name, Id}.
  private Wire readWire() throws IOException {
    Wire wire = null;
    int field = -1;
    for (long delta = readUint(); delta != 0; delta = readUint()) {
      field += (int) delta;
      Kind kind =
          switch (field) {
            case 0 -> Kind.ARRAY;
            case 1 -> Kind.SLICE;
            case 2 -> Kind.STRUCT;
            case 3 -> Kind.MAP;
            case 4, 5, 6 -> Kind.ENCODER;
            default -> throw new GobException("unknown gob wireType field %d", field);
          };
      wire = readWireBody(kind);
    }
    if (wire == null) {
      throw new GobException("empty gob type definition");
    }
    return wire;
  }

  private Wire readWireBody(Kind kind) throws IOException {
    String name = "";
    int elem = 0;
    int key = 0;
    List<String> names = new ArrayList<>();
    List<Integer> fieldTypes = new ArrayList<>();
    int field = -1;
    for (long delta = readUint(); delta != 0; delta = readUint()) {
      field += (int) delta;
      if (field == 0) {
        name = readCommonType();
      } else if (kind == Kind.STRUCT && field == 1) {
        long count = readUint();
        for (long i = 0; i < count; i++) {
          int f = -1;
          String fname = "";
          int ftype = 0;
          for (long d = readUint(); d != 0; d = readUint()) {
            f += (int) d;
            if (f == 0) {
              fname = readString();
            } else if (f == 1) {
              ftype = (int) readInt();
            } else {
              throw new GobException("unknown gob fieldType field %d", f);
            }
          }
          names.add(fname);
          fieldTypes.add(ftype);
        }
      } else if (kind == Kind.MAP && field == 1) {
        key = (int) readInt();
      } else if ((kind == Kind.MAP && field == 2)
          || ((kind == Kind.ARRAY || kind == Kind.SLICE) && field == 1)) {
        elem = (int) readInt();
      } else if (kind == Kind.ARRAY && field == 2) {
        key = (int) readInt(); // the array's length
      } else {
        throw new GobException("unknown field %d in a gob %s type definition", field, kind);
      }
    }
    return new Wire(kind, name, elem, key, names, fieldTypes);
  }

  private String readCommonType() throws GobException {
    String name = "";
    int field = -1;
    for (long delta = readUint(); delta != 0; delta = readUint()) {
      field += (int) delta;
      if (field == 0) {
        name = readString();
      } else if (field == 1) {
        readInt();
      } else {
        throw new GobException("unknown gob CommonType field %d", field);
      }
    }
    return name;
  }

  private Object top(int id) throws IOException {
    Wire wire = types.get(id);
    if (wire != null && wire.kind() == Kind.STRUCT) {
      return struct(wire);
    }
    if (readUint() != 0) {
      throw new GobException("corrupted gob data: non-zero delta for a single value");
    }
    return value(id);
  }

  private GobStruct struct(Wire wire) throws IOException {
    Map<String, Object> fields = new LinkedHashMap<>();
    int field = -1;
    for (long delta = readUint(); delta != 0; delta = readUint()) {
      field += (int) delta;
      if (field < 0 || field >= wire.names().size()) {
        throw new GobException("field %d out of range in gob struct %s", field, wire.name());
      }
      fields.put(wire.names().get(field), value(wire.types().get(field)));
    }
    return new GobStruct(wire.name(), fields);
  }

  private Object value(int id) throws IOException {
    return switch (id) {
      case 1 -> readUint() != 0;
      case 2 -> readInt();
      case 3 -> readUint();
      case 4 -> readFloat();
      case 5 -> readBytes();
      case 6 -> readString();
      case 7 -> new double[] {readFloat(), readFloat()};
      case 8 -> readInterface();
      default -> defined(id);
    };
  }

  private Object defined(int id) throws IOException {
    Wire wire = types.get(id);
    if (wire == null) {
      throw new GobException("gob type id %d was never defined", id);
    }
    return switch (wire.kind()) {
      case STRUCT -> struct(wire);
      case SLICE, ARRAY -> {
        long n = readUint();
        if (n > buf.length - pos) {
          throw new GobException("gob slice of %d elements exceeds its message", n);
        }
        List<Object> list = new ArrayList<>();
        for (long i = 0; i < n; i++) {
          list.add(value(wire.elem()));
        }
        yield list;
      }
      case MAP -> {
        long n = readUint();
        if (n > buf.length - pos) {
          throw new GobException("gob map of %d entries exceeds its message", n);
        }
        Map<Object, Object> map = new LinkedHashMap<>();
        for (long i = 0; i < n; i++) {
          Object k = value(wire.key());
          map.put(k, value(wire.elem()));
        }
        yield map;
      }
      case ENCODER ->
          throw new GobException("gob type %s (a GobEncoder) cannot be decoded here", wire.name());
    };
  }

  private double readFloat() throws GobException {
    return Double.longBitsToDouble(Long.reverseBytes(readUint()));
  }

  private GobInterface readInterface() throws IOException {
    String name = readString();
    if (name.isEmpty()) {
      return null;
    }
    int id = typeSequence(true);
    readUint(); // the value's byte count, there to skip it
    return new GobInterface(name, null, top(id));
  }
}
