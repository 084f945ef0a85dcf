package io.machinehost.host.command;

import io.machinehost.host.ExitCodes;
import io.machinehost.sdk.CreateFlag;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
  /** The longest value a string flag takes, from any source: far above any real one. */
  static final int MAX_VALUE_LENGTH = 64 * 1024;

  /** What a secret flag's {@code --<flag>-file} option adds to the flag's name. */
  static final String FILE_SUFFIX = "-file";

  private final String driver;
  private final Map<CreateFlag, OptionSpec> options;
  private final Map<CreateFlag, OptionSpec> files;

  private DriverFlagOptions(
      String driver, Map<CreateFlag, OptionSpec> options, Map<CreateFlag, OptionSpec> files) {
    this.driver = driver;
    this.options = options;
    this.files = files;
  }

  /**
   * Adds a driver's flags to the create command.
   *
   * @throws CliException if a flag's name clashes with one of create's own options
   */
  static DriverFlagOptions install(CommandSpec create, String driver, List<CreateFlag> flags)
      throws CliException {
    Map<CreateFlag, OptionSpec> options = new LinkedHashMap<>();
    Map<CreateFlag, OptionSpec> files = new LinkedHashMap<>();
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
      String fileOption = name + FILE_SUFFIX;
      if (flag.secret()
          && flag.type() == CreateFlag.Type.STRING
          && !create.optionsMap().containsKey(fileOption)
          && flags.stream().noneMatch(f -> ("--" + f.name()).equals(fileOption))) {
        OptionSpec file =
            OptionSpec.builder(fileOption)
                .type(Path.class)
                .paramLabel("PATH")
                .description(
                    String.format(
                        "Read %s from a file (one trailing newline is dropped): unlike a value on"
                            + " the command line, other local users cannot see it in ps.",
                        name))
                .build();
        group.addArg(file);
        files.put(flag, file);
      }
    }
    if (!options.isEmpty()) {
      create.addArgGroup(group.build());
    }
    return new DriverFlagOptions(driver, options, files);
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
      notes.add(
          "secret: never printed; give it with "
              + (flag.envVar().isEmpty() ? "" : "env " + flag.envVar() + " or ")
              + "--"
              + flag.name()
              + FILE_SUFFIX
              + " PATH, since a value on the command line shows in ps");
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
   * Returns the values given on the command line (or, for a secret, in the file its {@code -file}
   * option names), else from each flag's env var; flags with none are left out (the driver's
   * default applies). A secret given on the command line gets a warning, since any local user can
   * read a command line.
   *
   * @param env the environment, for the flags' env vars
   * @param warnings where warnings go
   * @throws CliException (usage) if a value does not fit its flag's type or is too long, or a
   *     secret's file cannot be read
   */
  Map<String, Object> values(Map<String, String> env, PrintWriter warnings) throws CliException {
    Map<String, Object> values = new LinkedHashMap<>();
    for (Map.Entry<CreateFlag, OptionSpec> entry : options.entrySet()) {
      CreateFlag flag = entry.getKey();
      Object given = entry.getValue().getValue();
      if (given instanceof List<?> list && list.isEmpty()) {
        given = null;
      }
      OptionSpec file = files.get(flag);
      if (file != null && file.getValue() != null) {
        if (given != null) {
          throw new CliException(
              ExitCodes.USAGE,
              String.format("give --%s or %s, not both", flag.name(), file.longestName()),
              null);
        }
        given = readSecret(flag, file.getValue());
      } else if (given != null && flag.secret()) {
        warnings.printf(
            "Warning: --%s was given on the command line, where other local users can read it"
                + " (ps); use %s--%s%s PATH instead%n",
            flag.name(),
            flag.envVar().isEmpty() ? "" : "the environment variable " + flag.envVar() + " or ",
            flag.name(),
            FILE_SUFFIX);
        warnings.flush();
      }
      if (given == null && !flag.envVar().isEmpty()) {
        String fromEnv = env.get(flag.envVar());
        if (fromEnv != null && !fromEnv.isEmpty()) {
          given = fromEnv(flag, fromEnv);
        }
      }
      if (given != null) {
        checkLength(flag, given);
        values.put(flag.name(), given);
      }
    }
    return values;
  }

  private static String readSecret(CreateFlag flag, Path file) throws CliException {
    try {
      if (Files.size(file) > MAX_VALUE_LENGTH) {
        throw new CliException(
            ExitCodes.USAGE,
            String.format(
                "%s (for --%s) is larger than %d bytes; is it the right file?",
                file, flag.name(), MAX_VALUE_LENGTH),
            null);
      }
      String value = Files.readString(file, StandardCharsets.UTF_8);
      if (value.endsWith("\r\n")) {
        return value.substring(0, value.length() - 2);
      }
      return value.endsWith("\n") ? value.substring(0, value.length() - 1) : value;
    } catch (IOException e) {
      throw new CliException(
          ExitCodes.USAGE,
          String.format(
              "cannot read %s for --%s: %s; check the path", file, flag.name(), e.getMessage()),
          e);
    }
  }

  private static void checkLength(CreateFlag flag, Object value) throws CliException {
    List<?> parts = value instanceof List<?> list ? list : List.of(value);
    for (Object part : parts) {
      if (part instanceof String text && text.length() > MAX_VALUE_LENGTH) {
        throw new CliException(
            ExitCodes.USAGE,
            String.format(
                "the value of --%s has %d characters; a flag's value has at most %d",
                flag.name(), text.length(), MAX_VALUE_LENGTH),
            null);
      }
    }
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
        ExitCodes.USAGE,
        String.format(
            "environment variable %s (for --%s) must be %s; fix or unset it",
            flag.envVar(), flag.name(), wanted),
        null);
  }
}
