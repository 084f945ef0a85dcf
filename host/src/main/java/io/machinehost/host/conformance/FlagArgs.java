package io.machinehost.host.conformance;

import io.machinehost.sdk.CreateFlag;
import io.machinehost.sdk.DriverException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns {@code --name value}, {@code --name=value} and bare bool {@code --name} arguments, and the
 * flags' environment variables, into typed values for {@link io.machinehost.sdk.FlagValues}.
 */
public final class FlagArgs {
  private FlagArgs() {}

  /**
   * Parses arguments against the driver's flags.
   *
   * @throws DriverException INVALID_ARGUMENT for an unknown flag, a missing value or a bad number
   */
  public static Map<String, Object> parse(
      List<CreateFlag> flags, List<String> args, Map<String, String> env) throws DriverException {
    Map<String, CreateFlag> byName = new LinkedHashMap<>();
    flags.forEach(f -> byName.put(f.name(), f));
    Map<String, Object> values = new LinkedHashMap<>();
    for (CreateFlag flag : flags) {
      String fromEnv = flag.envVar().isEmpty() ? null : env.get(flag.envVar());
      if (fromEnv != null && !fromEnv.isEmpty()) {
        values.put(flag.name(), convert(flag, fromEnv, null));
      }
    }
    Map<String, Object> given = new LinkedHashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (!arg.startsWith("--")) {
        throw DriverException.invalidArgument(
            null, "unexpected argument \"%s\"; driver flags look like --name value", arg);
      }
      String name = arg.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      CreateFlag flag = byName.get(name);
      if (flag == null) {
        throw DriverException.invalidArgument(
            name, "unknown flag \"--%s\"; the driver accepts: %s", name, byName.keySet());
      }
      if (value == null) {
        if (flag.type() == CreateFlag.Type.BOOL
            && (i + 1 >= args.size() || args.get(i + 1).startsWith("--"))) {
          value = "true";
        } else if (i + 1 < args.size()) {
          value = args.get(++i);
        } else {
          throw DriverException.invalidArgument(name, "flag \"--%s\" needs a value", name);
        }
      }
      given.put(name, convert(flag, value, given.get(name)));
    }
    values.putAll(given);
    return values;
  }

  private static Object convert(CreateFlag flag, String value, Object previous)
      throws DriverException {
    return switch (flag.type()) {
      case STRING -> value;
      case INT -> {
        try {
          yield Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
          throw DriverException.invalidArgument(
              flag.name(), "flag \"--%s\" takes an integer, not \"%s\"", flag.name(), value);
        }
      }
      case BOOL -> {
        if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
          throw DriverException.invalidArgument(
              flag.name(), "flag \"--%s\" takes true or false, not \"%s\"", flag.name(), value);
        }
        yield Boolean.parseBoolean(value);
      }
      case STRING_LIST -> {
        List<String> list = new ArrayList<>();
        if (previous instanceof List<?> earlier) {
          earlier.forEach(item -> list.add(String.valueOf(item)));
        }
        list.add(value);
        yield list;
      }
    };
  }
}
