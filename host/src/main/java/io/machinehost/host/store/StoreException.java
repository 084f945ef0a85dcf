package io.machinehost.host.store;

/** The store cannot do what was asked: a missing or corrupt machine, or an I/O failure. */
public final class StoreException extends Exception {
  private static final long serialVersionUID = 1L;

  /** What kind of failure. */
  public enum Kind {
    NOT_FOUND,
    ALREADY_EXISTS,
    CORRUPT,
    IO
  }

  private final Kind kind;

  /** Creates the exception. */
  public StoreException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  /** Returns the kind. */
  public Kind kind() {
    return kind;
  }

  static StoreException notFound(String name) {
    return new StoreException(
        Kind.NOT_FOUND, "machine \"" + name + "\" does not exist; run \"machine ls\"", null);
  }
}
