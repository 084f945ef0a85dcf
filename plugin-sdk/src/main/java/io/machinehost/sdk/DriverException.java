package io.machinehost.sdk;

import java.util.Locale;
import java.util.Optional;

/**
 * The one error type of every {@link Driver} call. It carries a {@link Code} that crosses the wire
 * unchanged, so the host can tell "not found" from "try again later" without parsing messages.
 *
 * <p>Messages name the object and, where there is one, the next step: {@code instance "i-123" does
 * not exist; run "machine rm dev"}.
 */
public final class DriverException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What went wrong, in terms the caller can act on. Maps one to one onto gRPC status codes. */
  public enum Code {
    /** Bad or missing input, typically a create flag ({@link #flag()} names it). Fix the input. */
    INVALID_ARGUMENT,
    /** The machine or instance does not exist. Remove or recreate it. */
    NOT_FOUND,
    /** The instance (name) is taken. Pick another name. */
    ALREADY_EXISTS,
    /** The system is not in a state that allows the operation (e.g. not running). */
    FAILED_PRECONDITION,
    /** The driver cannot do this at all (e.g. the none driver asked to start). Do not retry. */
    NOT_SUPPORTED,
    /** Transient: provider 5xx, SSH not up yet, plugin crashed. Retry with backoff. */
    UNAVAILABLE,
    /** The operation did not finish in time. Retry or inspect. */
    TIMEOUT,
    /** Credentials are missing or refused. Fix the credentials. */
    PERMISSION_DENIED,
    /** A quota or limit is reached. Raise it or free resources. */
    RESOURCE_EXHAUSTED,
    /** The caller cancelled the operation; the driver cleaned up what it made. */
    CANCELLED,
    /** A bug: an unexpected failure in the driver or the host. Report it. */
    INTERNAL
  }

  /** What went wrong. */
  private final Code code;

  /** The create flag at fault, or {@code null}. */
  private final String flag;

  /**
   * Creates an exception with a code and a message.
   *
   * @param code what went wrong
   * @param message a message naming the object and the next step
   */
  public DriverException(Code code, String message) {
    this(code, message, null, null);
  }

  /**
   * Creates an exception with a code, a message, an optional offending flag and a cause.
   *
   * @param code what went wrong
   * @param message a message naming the object and the next step
   * @param flag the create flag at fault, or {@code null}
   * @param cause the underlying failure, or {@code null}
   */
  public DriverException(Code code, String message, String flag, Throwable cause) {
    super(message, cause);
    this.code = code;
    this.flag = flag;
  }

  /**
   * Returns the code.
   *
   * @return what went wrong
   */
  public Code code() {
    return code;
  }

  /**
   * Returns the create flag this error is about, if any.
   *
   * @return the flag's name, without dashes, or empty
   */
  public Optional<String> flag() {
    return Optional.ofNullable(flag);
  }

  /**
   * Returns a copy of this exception with the given cause attached.
   *
   * @param cause the underlying failure
   * @return a new exception with this one's code, message and flag
   */
  public DriverException withCause(Throwable cause) {
    return new DriverException(code, getMessage(), flag, cause);
  }

  private static String format(String format, Object... args) {
    return args.length == 0 ? format : String.format(Locale.ROOT, format, args);
  }

  /**
   * An {@link Code#INVALID_ARGUMENT} error about a create flag.
   *
   * @param flag the flag at fault, without dashes, or {@code null} when no flag is
   * @param format the message, a {@link String#format} pattern when there are arguments
   * @param args the pattern's arguments
   * @return the exception, to throw
   * @throws java.util.IllegalFormatException if there are arguments the pattern does not fit
   */
  public static DriverException invalidArgument(String flag, String format, Object... args) {
    return new DriverException(Code.INVALID_ARGUMENT, format(format, args), flag, null);
  }

  /**
   * A {@link Code#NOT_FOUND} error.
   *
   * @param format the message, a {@link String#format} pattern when there are arguments
   * @param args the pattern's arguments
   * @return the exception, to throw
   * @throws java.util.IllegalFormatException if there are arguments the pattern does not fit
   */
  public static DriverException notFound(String format, Object... args) {
    return new DriverException(Code.NOT_FOUND, format(format, args));
  }

  /**
   * An {@link Code#ALREADY_EXISTS} error.
   *
   * @param format the message, a {@link String#format} pattern when there are arguments
   * @param args the pattern's arguments
   * @return the exception, to throw
   * @throws java.util.IllegalFormatException if there are arguments the pattern does not fit
   */
  public static DriverException alreadyExists(String format, Object... args) {
    return new DriverException(Code.ALREADY_EXISTS, format(format, args));
  }

  /**
   * A {@link Code#FAILED_PRECONDITION} error.
   *
   * @param format the message, a {@link String#format} pattern when there are arguments
   * @param args the pattern's arguments
   * @return the exception, to throw
   * @throws java.util.IllegalFormatException if there are arguments the pattern does not fit
   */
  public static DriverException failedPrecondition(String format, Object... args) {
    return new DriverException(Code.FAILED_PRECONDITION, format(format, args));
  }

  /**
   * A {@link Code#NOT_SUPPORTED} error.
   *
   * @param format the message, a {@link String#format} pattern when there are arguments
   * @param args the pattern's arguments
   * @return the exception, to throw
   * @throws java.util.IllegalFormatException if there are arguments the pattern does not fit
   */
  public static DriverException notSupported(String format, Object... args) {
    return new DriverException(Code.NOT_SUPPORTED, format(format, args));
  }

  /**
   * An {@link Code#UNAVAILABLE} error.
   *
   * @param format the message, a {@link String#format} pattern when there are arguments
   * @param args the pattern's arguments
   * @return the exception, to throw
   * @throws java.util.IllegalFormatException if there are arguments the pattern does not fit
   */
  public static DriverException unavailable(String format, Object... args) {
    return new DriverException(Code.UNAVAILABLE, format(format, args));
  }

  /**
   * A {@link Code#TIMEOUT} error.
   *
   * @param format the message, a {@link String#format} pattern when there are arguments
   * @param args the pattern's arguments
   * @return the exception, to throw
   * @throws java.util.IllegalFormatException if there are arguments the pattern does not fit
   */
  public static DriverException timeout(String format, Object... args) {
    return new DriverException(Code.TIMEOUT, format(format, args));
  }

  /**
   * A {@link Code#PERMISSION_DENIED} error.
   *
   * @param format the message, a {@link String#format} pattern when there are arguments
   * @param args the pattern's arguments
   * @return the exception, to throw
   * @throws java.util.IllegalFormatException if there are arguments the pattern does not fit
   */
  public static DriverException permissionDenied(String format, Object... args) {
    return new DriverException(Code.PERMISSION_DENIED, format(format, args));
  }

  /**
   * A {@link Code#RESOURCE_EXHAUSTED} error.
   *
   * @param format the message, a {@link String#format} pattern when there are arguments
   * @param args the pattern's arguments
   * @return the exception, to throw
   * @throws java.util.IllegalFormatException if there are arguments the pattern does not fit
   */
  public static DriverException resourceExhausted(String format, Object... args) {
    return new DriverException(Code.RESOURCE_EXHAUSTED, format(format, args));
  }

  /**
   * A {@link Code#CANCELLED} error.
   *
   * @param format the message, a {@link String#format} pattern when there are arguments
   * @param args the pattern's arguments
   * @return the exception, to throw
   * @throws java.util.IllegalFormatException if there are arguments the pattern does not fit
   */
  public static DriverException cancelled(String format, Object... args) {
    return new DriverException(Code.CANCELLED, format(format, args));
  }

  /**
   * An {@link Code#INTERNAL} error.
   *
   * @param format the message, a {@link String#format} pattern when there are arguments
   * @param args the pattern's arguments
   * @return the exception, to throw
   * @throws java.util.IllegalFormatException if there are arguments the pattern does not fit
   */
  public static DriverException internal(String format, Object... args) {
    return new DriverException(Code.INTERNAL, format(format, args));
  }
}
