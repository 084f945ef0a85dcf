package io.machinehost.host.command;

import io.machinehost.sdk.CreateFlag;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A driver's create flags as {@code machine create} options: {@code --<flag>} with the flag's type,
 * usage, env var and default, under a heading of their own in {@code --help}.
 */
final class DriverFlagOptions {
  private final String driver;
  private final Map<CreateFlag, OptionSpec> options;

  private DriverFlagOptions(String driver, Map<CreateFlag, OptionSpec> options) {
    this.driver = driver;
    this.options = options;
  }

  /**
   * Adds a driver's flags to the create command.
   *
   * @throws CliException if a flag's name clashes with one of create's own options
   */
  static DriverFlagOptions install(CommandSpec create, String driver, List<CreateFlag> flags)
      throws CliException {
    Map<CreateFlag, OptionSpec> options = new LinkedHashMap<>();
    ArgGroupSpec.Builder group =
        ArgGroupSpec.builder()
            .heading(String.format("%nOptions of the %s driver:%n", driver))
            .exclusive(false)
            .multiplicity("0..1");
    for (CreateFlag flag : flags) {
      String name = "--" + flag.name();
      if (create.optionsMap().containsKey(name)) {
        throw new CliException(
            String.format(
                "the %s driver declares the flag %s, which machine create has already; report this"
                    + " to the driver's maintainer",
                driver, name));
      }
      OptionSpec.Builder option =
          OptionSpec.builder(name).description(describe(flag)).hideParamSyntax(false);
      switch (flag.type()) {
        case STRING -> option.type(String.class).paramLabel(label(flag));
        case INT -> option.type(Long.class).paramLabel("N");
        case BOOL -> option.type(Boolean.class).arity("0..1").paramLabel("true|false");
        case STRING_LIST ->
            option.type(List.class).auxiliaryTypes(String.class).paramLabel(label(flag));
      }
      if (!flag.choices().isEmpty()) {
        option.completionCandidates(flag.choices());
      }
      OptionSpec spec = option.build();
      group.addArg(spec);
      options.put(flag, spec);
    }
    if (!options.isEmpty()) {
      create.addArgGroup(group.build());
    }
    return new DriverFlagOptions(driver, options);
  }

  private static String label(CreateFlag flag) {
    return flag.choices().isEmpty() ? "VALUE" : String.join("|", flag.choices());
  }

  private static String describe(CreateFlag flag) {
    StringBuilder text = new StringBuilder(flag.usage());
    List<String> notes = new ArrayList<>();
    if (flag.required()) {
      notes.add("required");
    }
    if (flag.type() == CreateFlag.Type.STRING_LIST) {
      notes.add("repeatable");
    }
    if (flag.min() != null || flag.max() != null) {
      notes.add(
          "from "
              + (flag.min() == null ? "-inf" : flag.min())
              + " to "
              + (flag.max() == null ? "+inf" : flag.max()));
    }
    if (!flag.envVar().isEmpty()) {
      notes.add("env " + flag.envVar());
    }
    if (flag.defaultValue() != null && !flag.secret()) {
      Object value = flag.defaultValue();
      String shown =
          value instanceof List<?> list
              ? String.join(",", list.stream().map(String::valueOf).toList())
              : String.valueOf(value);
      if (!shown.isEmpty()) {
        notes.add("default " + shown);
      }
    }
    if (flag.secret()) {
      notes.add("secret: never printed");
    }
    if (!notes.isEmpty()) {
      text.append(text.length() == 0 ? "" : " ")
          .append('(')
          .append(String.join("; ", notes))
          .append(')');
    }
    return text.toString();
  }

  /** Returns the driver these options belong to. */
  String driver() {
    return driver;
  }

  /** Returns the driver's flags. */
  List<CreateFlag> flags() {
    return new ArrayList<>(options.keySet());
  }

  /**
   * Returns the values given on the command line, else from each flag's env var; flags with neither
   * are left out (the driver's default applies).
   *
   * @throws CliException if an env var's value does not fit its flag's type
   */
  Map<String, Object> values(Map<String, String> env) throws CliException {
    Map<String, Object> values = new LinkedHashMap<>();
    for (Map.Entry<CreateFlag, OptionSpec> entry : options.entrySet()) {
      CreateFlag flag = entry.getKey();
      Object given = entry.getValue().getValue();
      if (given instanceof List<?> list && list.isEmpty()) {
        given = null;
      }
      if (given == null && !flag.envVar().isEmpty()) {
        String fromEnv = env.get(flag.envVar());
        if (fromEnv != null && !fromEnv.isEmpty()) {
          given = fromEnv(flag, fromEnv);
        }
      }
      if (given != null) {
        values.put(flag.name(), given);
      }
    }
    return values;
  }

  private static Object fromEnv(CreateFlag flag, String value) throws CliException {
    return switch (flag.type()) {
      case STRING -> value;
      case STRING_LIST -> List.of(value.split(",", -1));
      case BOOL -> {
        String v = value.toLowerCase(Locale.ROOT);
        if (v.equals("true") || v.equals("1")) {
          yield Boolean.TRUE;
        }
        if (v.equals("false") || v.equals("0")) {
          yield Boolean.FALSE;
        }
        throw badEnv(flag, "true or false");
      }
      case INT -> {
        try {
          yield Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
          throw badEnv(flag, "an integer");
        }
      }
    };
  }

  private static CliException badEnv(CreateFlag flag, String wanted) {
    return new CliException(
        io.machinehost.host.ExitCodes.USAGE,
        String.format(
            "environment variable %s (for --%s) must be %s; fix or unset it",
            flag.envVar(), flag.name(), wanted),
        null);
  }
}
