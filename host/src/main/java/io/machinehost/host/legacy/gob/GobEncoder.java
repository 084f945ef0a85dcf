package io.machinehost.host.legacy.gob;

import io.machinehost.host.legacy.gob.GobType.ArrayOf;
import io.machinehost.host.legacy.gob.GobType.Basic;
import io.machinehost.host.legacy.gob.GobType.Field;
import io.machinehost.host.legacy.gob.GobType.MapOf;
import io.machinehost.host.legacy.gob.GobType.SliceOf;
import io.machinehost.host.legacy.gob.GobType.StructOf;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Encodes values as Go's encoding/gob does, for one stream: each type's definition is sent once,
 * before the first value that needs it, with the ids a fresh Go process would give it (so the bytes
 * equal Go's). Values are Java objects of the shape their {@link GobType} says: {@code Boolean},
 * {@code Long} (int, uint), {@code Double}, {@code byte[]}, {@code String}, {@code List}, {@code
 * Map}, {@link GobStruct} or a {@code Map} of field values for a struct, {@link GobInterface} for
 * an interface. A {@code null} field is left out, as Go leaves out zero values.
 */
public final class GobEncoder {
  private static final int FIRST_USER_ID = 64;

  /** Where messages go: the stream, or an outer buffer while an interface value is encoded. */
  private interface Sink {
    void write(byte[] bytes, int offset, int length) throws IOException;
  }

  private final OutputStream out;
  private final Deque<Sink> writers = new ArrayDeque<>();
  private final Map<GobType, Integer> ids = new HashMap<>();
  private final Map<GobType, String> names = new HashMap<>();
  private final Set<GobType> sent = new HashSet<>();
  private int nextId = FIRST_USER_ID;

  /** Encodes onto a stream (flushing is the caller's). */
  public GobEncoder(OutputStream out) {
    this.out = out;
  }

  /**
   * Encodes one value, preceded by the definitions of the types it needs that were not yet sent.
   *
   * @throws IOException if the stream fails or the value does not fit its type
   */
  public void encode(GobType type, Object value) throws IOException {
    writers.clear();
    writers.push(out::write);
    GobBuffer b = new GobBuffer();
    sendTypeDescriptor(writers.peek(), b, type);
    b.writeInt(id(type));
    encodeTop(b, type, value);
    writeMessage(writers.peek(), b);
  }

  private static void writeMessage(Sink w, GobBuffer b) throws IOException {
    GobBuffer length = new GobBuffer();
    length.writeUint(b.size());
    w.write(length.toByteArray(), 0, length.size());
    w.write(b.toByteArray(), 0, b.size());
    b.reset();
  }

  // Go keys its types by reflect.Type, so an unnamed slice or map is one type whatever name it
  // was first met under; structs are told apart by name.
  private static GobType key(GobType t) {
    if (t instanceof SliceOf s) {
      return new SliceOf("", key(s.elem()));
    } else if (t instanceof ArrayOf a) {
      return new ArrayOf("", key(a.elem()), a.length());
    } else if (t instanceof MapOf m) {
      return new MapOf("", key(m.key()), key(m.elem()));
    }
    return t;
  }

  private int id(GobType t) {
    if (t instanceof Basic basic) {
      return basic.id();
    }
    build(t);
    return ids.get(key(t));
  }

  // The order of Go's newTypeObject: a struct takes its id before its fields, a slice, array or
  // map after its elements.
  private void build(GobType t) {
    GobType k = key(t);
    if (t instanceof Basic || ids.containsKey(k)) {
      return;
    }
    if (t instanceof StructOf s) {
      assign(k, s.name());
      for (Field f : s.fields()) {
        build(f.type());
      }
    } else if (t instanceof SliceOf s) {
      build(s.elem());
      assign(k, s.name());
    } else if (t instanceof ArrayOf a) {
      build(a.elem());
      assign(k, a.name());
    } else if (t instanceof MapOf m) {
      build(m.key());
      build(m.elem());
      assign(k, m.name());
    }
  }

  private void assign(GobType key, String name) {
    ids.put(key, ++nextId);
    names.put(key, name);
  }

  private void sendTypeDescriptor(Sink w, GobBuffer b, GobType t) throws IOException {
    if (!(t instanceof Basic)) {
      sendType(w, b, t);
    }
  }

  private void sendType(Sink w, GobBuffer b, GobType t) throws IOException {
    if (t instanceof Basic) {
      return;
    }
    GobType k = key(t);
    if (sent.contains(k)) {
      return;
    }
    int id = id(t);
    b.writeInt(-id);
    writeWireType(b, t, id, names.get(k));
    writeMessage(w, b);
    sent.add(k);
    if (t instanceof StructOf s) {
      for (Field f : s.fields()) {
        sendType(w, b, f.type());
      }
    } else if (t instanceof SliceOf s) {
      sendType(w, b, s.elem());
    } else if (t instanceof ArrayOf a) {
      sendType(w, b, a.elem());
    } else if (t instanceof MapOf m) {
      sendType(w, b, m.key());
      sendType(w, b, m.elem());
    }
  }

  // wireType{ArrayT, SliceT, StructT, MapT …} with one field set; CommonType{Name, Id} inline.
  private void writeWireType(GobBuffer b, GobType t, int id, String name) {
    int which = t instanceof ArrayOf ? 0 : t instanceof SliceOf ? 1 : t instanceof StructOf ? 2 : 3;
    b.writeUint(which + 1);
    b.writeUint(1);
    if (!name.isEmpty()) {
      b.writeUint(1);
      b.writeString(name);
      b.writeUint(1);
    } else {
      b.writeUint(2);
    }
    b.writeInt(id);
    b.writeUint(0);
    if (t instanceof ArrayOf a) {
      b.writeUint(1);
      b.writeInt(id(a.elem()));
      if (a.length() != 0) {
        b.writeUint(1);
        b.writeInt(a.length());
      }
    } else if (t instanceof SliceOf s) {
      b.writeUint(1);
      b.writeInt(id(s.elem()));
    } else if (t instanceof MapOf m) {
      b.writeUint(1);
      b.writeInt(id(m.key()));
      b.writeUint(1);
      b.writeInt(id(m.elem()));
    } else if (t instanceof StructOf s && !s.fields().isEmpty()) {
      b.writeUint(1);
      b.writeUint(s.fields().size());
      for (Field f : s.fields()) {
        b.writeUint(1);
        b.writeString(f.name());
        b.writeUint(1);
        b.writeInt(id(f.type()));
        b.writeUint(0);
      }
    }
    b.writeUint(0);
    b.writeUint(0);
  }

  // A struct is sent as its fields; anything else as a single field numbered 0.
  private void encodeTop(GobBuffer b, GobType t, Object v) throws IOException {
    if (t instanceof StructOf s) {
      encodeStruct(b, s, v);
    } else {
      b.writeUint(0);
      encodeValue(b, t, v);
    }
  }

  private void encodeStruct(GobBuffer b, StructOf s, Object v) throws IOException {
    Map<?, ?> values;
    if (v == null) {
      values = Map.of();
    } else if (v instanceof GobStruct g) {
      values = g.fields();
    } else if (v instanceof Map<?, ?> m) {
      values = m;
    } else {
      throw new GobException("struct %s given a %s", s.name(), v.getClass().getName());
    }
    int fieldnum = -1;
    List<Field> fields = s.fields();
    for (int i = 0; i < fields.size(); i++) {
      Field f = fields.get(i);
      Object fv = values.get(f.name());
      if (!isSent(f.type(), fv)) {
        continue;
      }
      b.writeUint(i - fieldnum);
      fieldnum = i;
      encodeValue(b, f.type(), fv);
    }
    b.writeUint(0);
  }

  // Go leaves out a struct field holding its zero value, except a non-nil map and a struct.
  private static boolean isSent(GobType t, Object v) {
    if (v == null) {
      return false;
    }
    if (t instanceof SliceOf) {
      return !((List<?>) v).isEmpty();
    } else if (!(t instanceof Basic basic)) {
      return true;
    } else {
      return switch (basic) {
        case BOOL -> (Boolean) v;
        case INT, UINT -> ((Number) v).longValue() != 0;
        case FLOAT -> ((Number) v).doubleValue() != 0;
        case BYTES -> ((byte[]) v).length > 0;
        case STRING -> !((String) v).isEmpty();
        case COMPLEX -> true;
        case INTERFACE -> v instanceof GobInterface i && i.name() != null && !i.name().isEmpty();
      };
    }
  }

  private void encodeValue(GobBuffer b, GobType t, Object v) throws IOException {
    try {
      if (t instanceof Basic basic) {
        encodeBasic(b, basic, v);
      } else if (t instanceof SliceOf s) {
        encodeList(b, s.elem(), (List<?>) v);
      } else if (t instanceof ArrayOf a) {
        encodeList(b, a.elem(), (List<?>) v);
      } else if (t instanceof MapOf m) {
        Map<?, ?> map = (Map<?, ?>) v;
        b.writeUint(map.size());
        for (Map.Entry<?, ?> e : map.entrySet()) {
          encodeValue(b, m.key(), e.getKey());
          encodeValue(b, m.elem(), e.getValue());
        }
      } else if (t instanceof StructOf s) {
        encodeStruct(b, s, v);
      }
    } catch (ClassCastException | NullPointerException e) {
      throw new GobException("value %s does not fit gob type %s", v, t);
    }
  }

  private void encodeList(GobBuffer b, GobType elem, List<?> list) throws IOException {
    b.writeUint(list.size());
    for (Object e : list) {
      encodeValue(b, elem, e);
    }
  }

  private void encodeBasic(GobBuffer b, Basic basic, Object v) throws IOException {
    switch (basic) {
      case BOOL -> b.writeUint((Boolean) v ? 1 : 0);
      case INT -> b.writeInt(((Number) v).longValue());
      case UINT -> b.writeUint(((Number) v).longValue());
      case FLOAT -> b.writeFloat(((Number) v).doubleValue());
      case BYTES -> b.writeBlob((byte[]) v);
      case STRING -> b.writeString((String) v);
      case COMPLEX -> {
        double[] c = (double[]) v;
        b.writeFloat(c[0]);
        b.writeFloat(c[1]);
      }
      case INTERFACE -> encodeInterface(b, (GobInterface) v);
    }
  }

  // The concrete type's name, its definition if new (written out with what b holds so far, as Go
  // does), its id, then the value as a length-prefixed message of its own.
  private void encodeInterface(GobBuffer b, GobInterface iv) throws IOException {
    if (iv == null || iv.name() == null || iv.name().isEmpty()) {
      b.writeUint(0);
      return;
    }
    if (iv.type() == null) {
      throw new GobException("interface value %s has no concrete type to encode", iv.name());
    }
    b.writeString(iv.name());
    sendTypeDescriptor(writers.peek(), b, iv.type());
    b.writeInt(id(iv.type()));
    writers.push(b::write);
    GobBuffer data = new GobBuffer();
    try {
      encodeTop(data, iv.type(), iv.value());
    } finally {
      writers.pop();
    }
    writeMessage(b::write, data);
  }
}
