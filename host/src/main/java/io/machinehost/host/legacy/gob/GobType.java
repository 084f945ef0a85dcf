package io.machinehost.host.legacy.gob;

import java.util.List;

/**
 * A Go type as encoding/gob describes it on the wire. Names are the ones Go would send: a struct's
 * Go type name, and for an unnamed slice or map the name it got where Go first met it ({@code
 * "[]string"} as a struct field, {@code ""} at top level or inside an interface).
 */
public sealed interface GobType {
  /** The types gob predefines, with their fixed ids. */
  enum Basic implements GobType {
    BOOL(1),
    INT(2),
    UINT(3),
    FLOAT(4),
    BYTES(5),
    STRING(6),
    COMPLEX(7),
    INTERFACE(8);

    private final int id;

    Basic(int id) {
      this.id = id;
    }

    /** Returns gob's fixed id of this type. */
    public int id() {
      return id;
    }
  }

  /** A slice {@code []elem}. */
  record SliceOf(String name, GobType elem) implements GobType {}

  /** An array {@code [length]elem}. */
  record ArrayOf(String name, GobType elem, int length) implements GobType {}

  /** A map {@code map[key]elem}. */
  record MapOf(String name, GobType key, GobType elem) implements GobType {}

  /** A struct; only exported fields are on the wire, in declaration order. */
  record StructOf(String name, List<Field> fields) implements GobType {
    public StructOf {
      fields = List.copyOf(fields);
    }
  }

  /** A struct field. */
  record Field(String name, GobType type) {}

  /** Returns a struct type. */
  static StructOf struct(String name, Field... fields) {
    return new StructOf(name, List.of(fields));
  }

  /** Returns a struct field. */
  static Field field(String name, GobType type) {
    return new Field(name, type);
  }
}
