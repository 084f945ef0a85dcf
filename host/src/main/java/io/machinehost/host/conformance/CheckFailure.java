package io.machinehost.host.conformance;

/** A check found the plugin wrong; the message says how. */
final class CheckFailure extends Exception {
  private static final long serialVersionUID = 1L;

  CheckFailure(String message) {
    super(message);
  }

  CheckFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
