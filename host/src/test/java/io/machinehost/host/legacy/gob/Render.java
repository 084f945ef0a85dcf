package io.machinehost.host.legacy.gob;

import io.machinehost.host.legacy.gob.GobType.Basic;
import io.machinehost.host.legacy.gob.GobType.Field;
import io.machinehost.host.legacy.gob.GobType.MapOf;
import io.machinehost.host.legacy.gob.GobType.SliceOf;
import io.machinehost.host.legacy.gob.GobType.StructOf;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Test helper: gob values as comparable text, and what a value given to the encoder decodes as. */
final class Render {
  private Render() {}

  /** Renders a value; maps in key order, arrays by content. */
  static String of(Object v) {
    if (v instanceof byte[] b) {
      return "bytes" + Arrays.toString(b);
    } else if (v instanceof double[] c) {
      return "complex" + Arrays.toString(c);
    } else if (v instanceof List<?> list) {
      return list.stream().map(Render::of).toList().toString();
    } else if (v instanceof GobStruct s) {
      return s.type() + of(s.fields());
    } else if (v instanceof GobInterface i) {
      return "iface(" + i.name() + ":" + of(i.value()) + ")";
    } else if (v instanceof Map<?, ?> map) {
      Map<String, String> sorted = new TreeMap<>();
      map.forEach((k, val) -> sorted.put(of(k), of(val)));
      return sorted.toString();
    } else if (v == null) {
      return "nil";
    }
    return v.getClass().getSimpleName() + ":" + v;
  }

  /** Returns what the decoder gives back for a value the encoder was given. */
  static Object asDecoded(GobType type, Object v) {
    if (v instanceof GobInterface i) {
      return new GobInterface(i.name(), null, asDecoded(i.type(), i.value()));
    } else if (type instanceof StructOf s) {
      Map<?, ?> given = v instanceof GobStruct g ? g.fields() : (Map<?, ?>) v;
      Map<String, Object> sent = new LinkedHashMap<>();
      for (Field f : s.fields()) {
        Object fv = given.get(f.name());
        if (fv != null && !isZero(f.type(), fv)) {
          sent.put(f.name(), asDecoded(f.type(), fv));
        }
      }
      return new GobStruct(s.name(), sent);
    } else if (type instanceof SliceOf s) {
      return ((List<?>) v).stream().map(e -> asDecoded(s.elem(), e)).toList();
    } else if (type instanceof MapOf m) {
      Map<Object, Object> out = new LinkedHashMap<>();
      ((Map<?, ?>) v).forEach((k, val) -> out.put(asDecoded(m.key(), k), asDecoded(m.elem(), val)));
      return out;
    }
    return v;
  }

  private static boolean isZero(GobType t, Object v) {
    if (t instanceof SliceOf) {
      return ((List<?>) v).isEmpty();
    } else if (t == Basic.STRING) {
      return ((String) v).isEmpty();
    } else if (t == Basic.INT || t == Basic.UINT) {
      return ((Number) v).longValue() == 0;
    } else if (t == Basic.BOOL) {
      return !(Boolean) v;
    } else if (t == Basic.BYTES) {
      return ((byte[]) v).length == 0;
    } else if (t == Basic.FLOAT) {
      return ((Number) v).doubleValue() == 0;
    }
    return false;
  }
}
