package io.machinehost.host.legacy.gob;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A struct value: its type's name and its fields by name. A decoded struct holds only the fields
 * that were sent (gob leaves out zero values); a missing field is the zero value.
 */
public record GobStruct(String type, Map<String, Object> fields) {
  public GobStruct {
    fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
  }

  /** Returns a string field, or {@code ""} if it was not sent. */
  public String string(String name) {
    Object value = fields.get(name);
    return value == null ? "" : value.toString();
  }

  /** Returns an integer field, or 0 if it was not sent. */
  public long integer(String name) {
    Object value = fields.get(name);
    return value instanceof Long l ? l : 0;
  }
}
