package io.machinehost.host.conformance;

/** A check does not apply to this plugin; the message says why. */
final class CheckSkipped extends Exception {
  private static final long serialVersionUID = 1L;

  CheckSkipped(String message) {
    super(message);
  }
}
