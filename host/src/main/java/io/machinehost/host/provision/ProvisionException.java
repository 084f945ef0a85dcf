package io.machinehost.host.provision;

/**
 * A provisioning step failed: the message names the step and the reason, and carries the end of the
 * failing command's output when there was one.
 */
public final class ProvisionException extends Exception {
  private static final long serialVersionUID = 1L;

  private static final int OUTPUT_LIMIT = 2000;

  private final String step;
  private final String reason;
  private final String output;
  private final boolean cancelled;

  /**
   * Creates the exception.
   *
   * @param step the step that failed, e.g. "install the Docker engine"
   * @param reason why, in a few words
   * @param output what the failing command printed, or empty
   * @param cause the underlying failure, or {@code null}
   */
  public ProvisionException(String step, String reason, String output, Throwable cause) {
    this(step, reason, output, false, cause);
  }

  private ProvisionException(
      String step, String reason, String output, boolean cancelled, Throwable cause) {
    super(text(step, reason, output), cause);
    this.step = step;
    this.reason = reason;
    this.output = output == null ? "" : output.strip();
    this.cancelled = cancelled;
  }

  /** Provisioning was cancelled (Ctrl-C) during a step. */
  public static ProvisionException cancelled(String step) {
    return new ProvisionException(step, "cancelled", "", true, null);
  }

  private static String text(String step, String reason, String output) {
    String tail = output == null ? "" : output.strip();
    if (tail.length() > OUTPUT_LIMIT) {
      tail = "..." + tail.substring(tail.length() - OUTPUT_LIMIT);
    }
    return "step \""
        + step
        + "\" failed: "
        + reason
        + (tail.isEmpty() ? "" : "\n--- output ---\n" + tail + "\n--------------");
  }

  /** Returns the step that failed. */
  public String step() {
    return step;
  }

  /** Returns why it failed, without the output. */
  public String reason() {
    return reason;
  }

  /** Returns the failing command's output, or empty. */
  public String output() {
    return output;
  }

  /** Returns whether provisioning was cancelled rather than failed. */
  public boolean isCancelled() {
    return cancelled;
  }
}
