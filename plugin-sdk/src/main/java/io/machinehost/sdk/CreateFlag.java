package io.machinehost.sdk;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A typed create flag (Docker Machine's {@code mcnflag.Flag}) with the constraints the host checks
 * before {@link Driver#setConfigFromFlags}: required, choices, an int range, and a secret mark.
 *
 * <pre>{@code
 * CreateFlag.string("generic-ip-address")
 *     .usage("IP address of the host")
 *     .envVar("GENERIC_IP_ADDRESS")
 *     .required()
 *     .build();
 * }</pre>
 *
 * @param name full name without dashes, given as {@code --<name>}
 * @param type the value type
 * @param usage one line of help
 * @param envVar the environment variable read when the flag is not given, or empty
 * @param defaultValue the default ({@link String}, {@link Long}, {@link Boolean} or {@code
 *     List<String>}), or {@code null}
 * @param required whether a value must be given
 * @param choices the allowed values of a string (or string list) flag; empty means any
 * @param min inclusive lower bound of an int flag, or {@code null}
 * @param max inclusive upper bound of an int flag, or {@code null}
 * @param secret whether the value must never be printed
 */
public record CreateFlag(
    String name,
    Type type,
    String usage,
    String envVar,
    Object defaultValue,
    boolean required,
    List<String> choices,
    Long min,
    Long max,
    boolean secret) {

  /** The value types of flags. */
  public enum Type {
    /** A string, {@code --name value}; its values are {@link String}s. */
    STRING,
    /** An integer, {@code --name 3}; its values are {@link Long}s. */
    INT,
    /** A switch, {@code --name} or {@code --name=false}; its values are {@link Boolean}s. */
    BOOL,
    /** Strings given by repeating the flag; its values are {@code List<String>}s. */
    STRING_LIST
  }

  /**
   * Checks the flag is well formed.
   *
   * @param name full name without dashes, given as {@code --<name>}
   * @param type the value type
   * @param usage one line of help; {@code null} is empty
   * @param envVar the environment variable read when the flag is not given; {@code null} or empty
   *     for none
   * @param defaultValue the default, of the type's value class, or {@code null}
   * @param required whether a value must be given
   * @param choices the allowed values of a string (or string list) flag; {@code null} or empty
   *     means any
   * @param min inclusive lower bound of an int flag, or {@code null}
   * @param max inclusive upper bound of an int flag, or {@code null}
   * @param secret whether the value must never be printed
   * @throws NullPointerException if the name or type is {@code null}
   * @throws IllegalArgumentException if the name is not lower-case letters, digits and dashes, or
   *     the default is not of the type
   */
  public CreateFlag {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    if (!name.matches("[a-z0-9][a-z0-9-]*")) {
      throw new IllegalArgumentException(
          "flag name \"" + name + "\" must be lower case letters, digits and dashes");
    }
    usage = usage == null ? "" : usage;
    envVar = envVar == null ? "" : envVar;
    choices = List.copyOf(choices == null ? List.of() : choices);
    if (defaultValue != null && !FlagValues.hasType(defaultValue, type)) {
      throw new IllegalArgumentException(
          "default of flag \"" + name + "\" is not a " + type + ": " + defaultValue);
    }
  }

  /**
   * Returns the default value, if any.
   *
   * @return the default, or empty
   */
  public Optional<Object> defaultValueIfAny() {
    return Optional.ofNullable(defaultValue);
  }

  /**
   * Starts a string flag.
   *
   * @param name the flag's name without dashes, e.g. {@code acme-region}
   * @return a builder; {@link Builder#build()} checks the name
   */
  public static Builder string(String name) {
    return new Builder(name, Type.STRING);
  }

  /**
   * Starts an int flag.
   *
   * @param name the flag's name without dashes
   * @return a builder; {@link Builder#build()} checks the name
   */
  public static Builder integer(String name) {
    return new Builder(name, Type.INT);
  }

  /**
   * Starts a bool flag.
   *
   * @param name the flag's name without dashes
   * @return a builder; {@link Builder#build()} checks the name
   */
  public static Builder bool(String name) {
    return new Builder(name, Type.BOOL);
  }

  /**
   * Starts a string list flag (given several times on the command line).
   *
   * @param name the flag's name without dashes
   * @return a builder; {@link Builder#build()} checks the name
   */
  public static Builder stringList(String name) {
    return new Builder(name, Type.STRING_LIST);
  }

  /** Builds a {@link CreateFlag}. */
  public static final class Builder {
    private final String name;
    private final Type type;
    private String usage = "";
    private String envVar = "";
    private Object defaultValue;
    private boolean required;
    private List<String> choices = List.of();
    private Long min;
    private Long max;
    private boolean secret;

    private Builder(String name, Type type) {
      this.name = name;
      this.type = type;
    }

    /**
     * Sets the help line.
     *
     * @param usage one line, e.g. {@code "Region to create the instance in"}
     * @return this builder
     */
    public Builder usage(String usage) {
      this.usage = usage;
      return this;
    }

    /**
     * Sets the environment variable read when the flag is not given.
     *
     * @param envVar the variable's name, e.g. {@code ACME_REGION}
     * @return this builder
     */
    public Builder envVar(String envVar) {
      this.envVar = envVar;
      return this;
    }

    /**
     * Sets the default of a string flag.
     *
     * @param value the default
     * @return this builder
     */
    public Builder defaultValue(String value) {
      this.defaultValue = value;
      return this;
    }

    /**
     * Sets the default of an int flag.
     *
     * @param value the default
     * @return this builder
     */
    public Builder defaultValue(long value) {
      this.defaultValue = value;
      return this;
    }

    /**
     * Sets the default of a bool flag.
     *
     * @param value the default
     * @return this builder
     */
    public Builder defaultValue(boolean value) {
      this.defaultValue = value;
      return this;
    }

    /**
     * Sets the default of a string list flag.
     *
     * @param value the default, copied
     * @return this builder
     */
    public Builder defaultValue(List<String> value) {
      this.defaultValue = List.copyOf(value);
      return this;
    }

    /**
     * Makes the flag required: the host refuses a create without a value for it.
     *
     * @return this builder
     */
    public Builder required() {
      this.required = true;
      return this;
    }

    /**
     * Restricts a string (or string list) flag to these values.
     *
     * @param choices the allowed values
     * @return this builder
     */
    public Builder choices(String... choices) {
      this.choices = List.of(choices);
      return this;
    }

    /**
     * Restricts an int flag to [min, max].
     *
     * @param min the smallest allowed value
     * @param max the largest allowed value
     * @return this builder
     */
    public Builder range(long min, long max) {
      this.min = min;
      this.max = max;
      return this;
    }

    /**
     * Marks the value as secret: the host never prints it.
     *
     * @return this builder
     */
    public Builder secret() {
      this.secret = true;
      return this;
    }

    /**
     * Returns the flag.
     *
     * @return the flag
     * @throws IllegalArgumentException if the name is not lower-case letters, digits and dashes, or
     *     the default is not of the flag's type
     */
    public CreateFlag build() {
      return new CreateFlag(
          name, type, usage, envVar, defaultValue, required, choices, min, max, secret);
    }
  }
}
