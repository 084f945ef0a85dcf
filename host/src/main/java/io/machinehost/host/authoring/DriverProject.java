package io.machinehost.host.authoring;

import io.machinehost.host.ExitCodes;
import io.machinehost.host.command.CliException;
import io.machinehost.host.plugin.PluginLocator;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.lang.model.SourceVersion;

/**
 * The names of a new driver project, all derived from the driver's name: its executable, Java
 * package and class names, the environment variable of its example flag.
 *
 * @param name the driver name, e.g. {@code my-cloud}
 * @param packageName the Java package of its classes
 * @param sdkVersion the machinehost version it builds on
 */
record DriverProject(String name, String packageName, String sdkVersion) {
  /** Lower-case letters and digits, in words joined by single dashes, starting with a letter. */
  static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)*");

  /** Keeps file and class names reasonable. */
  static final int MAX_NAME_LENGTH = 24;

  /**
   * Checks the names.
   *
   * @throws IllegalArgumentException naming what is wrong and how to put it right
   */
  DriverProject {
    String problem = nameProblem(name);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    if (!SourceVersion.isName(packageName)) {
      throw new IllegalArgumentException(
          String.format(
              "--package \"%s\" is not a Java package name: use dot-separated identifiers that are"
                  + " not keywords, e.g. com.example.%s",
              packageName, identifier(name)));
    }
  }

  /**
   * Returns a project with the default package, {@code com.example.<name without dashes>}.
   *
   * @throws CliException with {@link ExitCodes#USAGE} if the name is not valid
   */
  static DriverProject of(String name, String packageName, String sdkVersion) throws CliException {
    try {
      return new DriverProject(
          name, packageName == null ? "com.example." + identifier(name) : packageName, sdkVersion);
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.USAGE, e.getMessage(), e);
    }
  }

  /** Returns why a driver name is not valid, or {@code null} if it is. */
  static String nameProblem(String name) {
    if (name == null || name.isEmpty()) {
      return "the driver needs a name, e.g. \"machine plugin new acme\"";
    }
    if (name.startsWith(PluginLocator.PREFIX)) {
      return String.format(
          "give the driver's name without \"%s\": \"machine plugin new %s\"",
          PluginLocator.PREFIX, name.substring(PluginLocator.PREFIX.length()));
    }
    if (name.length() > MAX_NAME_LENGTH || !NAME.matcher(name).matches()) {
      return String.format(
          "driver name \"%s\" is not valid: use lower-case letters, digits and single dashes,"
              + " starting with a letter and at most %d long (e.g. \"acme\" or \"my-cloud\"); it"
              + " names the executable machine-driver-NAME",
          name, MAX_NAME_LENGTH);
    }
    return null;
  }

  /** Returns the name as one Java identifier: {@code my-cloud} is {@code mycloud}. */
  static String identifier(String name) {
    String id = name.replace("-", "");
    return SourceVersion.isKeyword(id) ? id + "_" : id;
  }

  /** Returns the class-name stem: {@code my-cloud} is {@code MyCloud}. */
  String className() {
    return Arrays.stream(name.split("-"))
        .map(word -> Character.toUpperCase(word.charAt(0)) + word.substring(1))
        .collect(Collectors.joining());
  }

  /** Returns the executable's name, {@code machine-driver-<name>}. */
  String executable() {
    return PluginLocator.PREFIX + name;
  }

  /** Returns the Maven groupId: the package. */
  String groupId() {
    return packageName;
  }

  /** Returns the values the template's {@code {{token}}}s are replaced with. */
  Map<String, String> tokens() {
    return Map.of(
        "name", name,
        "Name", className(),
        "NAME", name.toUpperCase(Locale.ROOT).replace('-', '_'),
        "package", packageName,
        "packagePath", packageName.replace('.', '/'),
        "groupId", groupId(),
        "sdkVersion", sdkVersion);
  }
}
