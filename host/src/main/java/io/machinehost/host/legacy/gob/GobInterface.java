package io.machinehost.host.legacy.gob;

/**
 * An {@code interface{}} value: the name its concrete type was registered under ({@code
 * gob.Register}, e.g. {@code "*mcnflag.StringFlag"}, or a basic type's name such as {@code
 * "string"}) and the value. {@code type} is the concrete type when encoding; a decoded value has
 * none.
 */
public record GobInterface(String name, GobType type, Object value) {
  /** Returns a value to encode. */
  public static GobInterface of(String name, GobType type, Object value) {
    return new GobInterface(name, type, value);
  }
}
