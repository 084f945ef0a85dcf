package io.machinehost.host.command;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** How each shell {@code machine env} writes for sets, unsets variables, and is told to run it. */
enum ShellSyntax {
  BASH("bash") {
    @Override
    String set(String name, String value) {
      return "export " + name + "=\"" + escapeDoubleQuoted(value) + "\"";
    }

    @Override
    String unset(String name) {
      return "unset " + name;
    }

    @Override
    String usage(String commandLine) {
      return "# eval $(" + commandLine + ")";
    }
  },
  FISH("fish") {
    @Override
    String set(String name, String value) {
      return "set -gx "
          + name
          + " \""
          + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("$", "\\$")
          + "\";";
    }

    @Override
    String unset(String name) {
      return "set -e " + name + ";";
    }

    @Override
    String usage(String commandLine) {
      return "# " + commandLine + " | source";
    }
  },
  TCSH("tcsh") {
    @Override
    String set(String name, String value) {
      return "setenv " + name + " '" + value.replace("'", "'\\''") + "';";
    }

    @Override
    String unset(String name) {
      return "unsetenv " + name + ";";
    }

    @Override
    String usage(String commandLine) {
      return "# eval `" + commandLine + "`";
    }
  },
  POWERSHELL("powershell") {
    @Override
    String set(String name, String value) {
      return "$Env:"
          + name
          + " = \""
          + value.replace("`", "``").replace("\"", "`\"").replace("$", "`$")
          + "\"";
    }

    @Override
    String unset(String name) {
      return "Remove-Item Env:\\" + name;
    }

    @Override
    String usage(String commandLine) {
      return "# & " + commandLine + " | Invoke-Expression";
    }
  },
  CMD("cmd") {
    @Override
    String set(String name, String value) {
      return "SET " + name + "=" + value;
    }

    @Override
    String unset(String name) {
      return "SET " + name + "=";
    }

    @Override
    String comment(String text) {
      return "REM " + text;
    }

    @Override
    String usage(String commandLine) {
      return "REM     @FOR /f \"tokens=*\" %i IN ('" + commandLine + "') DO @%i";
    }
  };

  /** The names {@code --shell} accepts, with the syntax each stands for. */
  private static final Map<String, ShellSyntax> NAMES =
      Map.of(
          "bash", BASH,
          "sh", BASH,
          "zsh", BASH,
          "ksh", BASH,
          "dash", BASH,
          "fish", FISH,
          "tcsh", TCSH,
          "csh", TCSH,
          "powershell", POWERSHELL,
          "pwsh", POWERSHELL);

  private final String label;

  ShellSyntax(String label) {
    this.label = label;
  }

  /** Returns the line that sets a variable. */
  abstract String set(String name, String value);

  /** Returns the line that removes a variable. */
  abstract String unset(String name);

  /** Returns the comment line that shows how to apply the output. */
  abstract String usage(String commandLine);

  /** Returns a comment line. */
  String comment(String text) {
    return "# " + text;
  }

  /** Returns the shell's name, as {@code --shell} takes it. */
  String label() {
    return label;
  }

  /**
   * Picks the syntax: the {@code --shell} given, else the shell in {@code $SHELL} (bash syntax for
   * one it does not know).
   *
   * @throws CliException ({@code 2}) for a {@code --shell} it does not know
   */
  static ShellSyntax choose(String option, String shellVariable) throws CliException {
    if (option != null && !option.isBlank()) {
      String key = option.strip().toLowerCase(Locale.ROOT);
      if (key.equals("cmd")) {
        return CMD;
      }
      ShellSyntax syntax = NAMES.get(key);
      if (syntax == null) {
        throw new CliException(
            io.machinehost.host.ExitCodes.USAGE,
            String.format(
                "unknown shell \"%s\" for --shell; use one of %s",
                option, String.join(", ", List.of("bash", "fish", "tcsh", "powershell", "cmd"))),
            null);
      }
      return syntax;
    }
    if (shellVariable == null || shellVariable.isBlank()) {
      return BASH;
    }
    String base = shellVariable.strip();
    base = base.substring(base.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
    if (base.endsWith(".exe")) {
      base = base.substring(0, base.length() - 4);
    }
    if (base.equals("cmd")) {
      return CMD;
    }
    return NAMES.getOrDefault(base, BASH);
  }

  private static String escapeDoubleQuoted(String value) {
    return value
        .replace("\\", "\\\\")
        .replace("\"", "\\\"")
        .replace("$", "\\$")
        .replace("`", "\\`");
  }
}
