package io.machinehost.sdk;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Flag values by name, checked against their flags. The host validates a create command with it,
 * and the plugin checks the same rules again on receipt: one set of rules on both sides.
 */
public final class FlagValues implements DriverOptions {
  private final Map<String, Object> values;

  private FlagValues(Map<String, Object> values) {
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  /**
   * Checks values against flags and fills in defaults.
   *
   * @param flags the driver's flags
   * @param given values by flag name ({@link String}, {@link Long}, {@link Boolean}, {@code
   *     List<String>})
   * @return the values of every flag that has one
   * @throws DriverException {@link DriverException.Code#INVALID_ARGUMENT} naming the first flag at
   *     fault: unknown, wrong type, missing when required, not among its choices, out of range
   */
  public static FlagValues validate(List<CreateFlag> flags, Map<String, Object> given)
      throws DriverException {
    Map<String, CreateFlag> byName = new LinkedHashMap<>();
    for (CreateFlag flag : flags) {
      byName.put(flag.name(), flag);
    }
    for (String name : given.keySet()) {
      if (!byName.containsKey(name)) {
        throw DriverException.invalidArgument(
            name, "unknown flag \"--%s\"; the driver accepts: %s", name, byName.keySet());
      }
    }
    Map<String, Object> result = new LinkedHashMap<>();
    for (CreateFlag flag : flags) {
      Object value = given.containsKey(flag.name()) ? given.get(flag.name()) : flag.defaultValue();
      if (value == null || (value instanceof String s && s.isEmpty() && flag.required())) {
        if (flag.required()) {
          throw DriverException.invalidArgument(
              flag.name(),
              "flag \"--%s\" is required%s",
              flag.name(),
              flag.envVar().isEmpty() ? "" : " (or set " + flag.envVar() + ")");
        }
        continue;
      }
      check(flag, value);
      result.put(flag.name(), value);
    }
    return new FlagValues(result);
  }

  private static void check(CreateFlag flag, Object value) throws DriverException {
    if (!hasType(value, flag.type())) {
      throw DriverException.invalidArgument(
          flag.name(),
          "flag \"--%s\" takes %s, not \"%s\"",
          flag.name(),
          describe(flag.type()),
          value);
    }
    if (!flag.choices().isEmpty()) {
      List<?> items = value instanceof List<?> list ? list : List.of(value);
      for (Object item : items) {
        if (!flag.choices().contains(item)) {
          throw DriverException.invalidArgument(
              flag.name(),
              "flag \"--%s\" must be one of %s, not \"%s\"",
              flag.name(),
              flag.choices(),
              item);
        }
      }
    }
    if (value instanceof Long number
        && ((flag.min() != null && number < flag.min())
            || (flag.max() != null && number > flag.max()))) {
      throw DriverException.invalidArgument(
          flag.name(),
          "flag \"--%s\" must be between %s and %s, not %d",
          flag.name(),
          flag.min() == null ? "-inf" : flag.min(),
          flag.max() == null ? "+inf" : flag.max(),
          number);
    }
  }

  static boolean hasType(Object value, CreateFlag.Type type) {
    return switch (type) {
      case STRING -> value instanceof String;
      case INT -> value instanceof Long;
      case BOOL -> value instanceof Boolean;
      case STRING_LIST ->
          value instanceof List<?> list && list.stream().allMatch(String.class::isInstance);
    };
  }

  private static String describe(CreateFlag.Type type) {
    return switch (type) {
      case STRING -> "a string";
      case INT -> "an integer";
      case BOOL -> "true or false";
      case STRING_LIST -> "a list of strings";
    };
  }

  /**
   * Returns values as given, without any check: for tools that must send what a careless host would
   * (the conformance kit), never for a real create.
   *
   * @param values values by flag name
   * @return the values, copied
   */
  public static FlagValues unchecked(Map<String, Object> values) {
    return new FlagValues(values);
  }

  /**
   * Returns the values by flag name.
   *
   * @return an unmodifiable map
   */
  public Map<String, Object> asMap() {
    return values;
  }

  @Override
  public Set<String> names() {
    return values.keySet();
  }

  @Override
  public String getString(String name) {
    return values.get(name) instanceof String s ? s : "";
  }

  @Override
  public long getInt(String name) {
    return values.get(name) instanceof Long l ? l : 0L;
  }

  @Override
  public boolean getBool(String name) {
    return values.get(name) instanceof Boolean b && b;
  }

  @Override
  public List<String> getStringList(String name) {
    if (values.get(name) instanceof List<?> list) {
      return list.stream().map(String.class::cast).toList();
    }
    return List.of();
  }
}
