package io.machinehost.sdk;

/**
 * The context of a long operation (create, remove, start, stop, kill, restart): the driver reports
 * progress through it and learns that the caller cancelled.
 *
 * <p>A cancelled operation also interrupts the thread running it, so blocking waits end early.
 * Drivers should call {@link #checkCancelled()} between steps and clean up what they made.
 */
public interface Operation {

  /**
   * Reports a step.
   *
   * @param step a short machine-readable step name, e.g. {@code wait-ssh}
   * @param message what a user sees
   */
  void progress(String step, String message);

  /**
   * Reports a step with the fraction of the whole operation done.
   *
   * @param step a short machine-readable step name
   * @param message what a user sees
   * @param fraction completion in [0, 1]
   */
  void progress(String step, String message, double fraction);

  /**
   * Returns whether the caller has cancelled the operation.
   *
   * @return whether it was cancelled
   */
  boolean isCancelled();

  /**
   * Registers an action to run once when the operation is cancelled (at once if it already is).
   *
   * @param action what to run; it must not block for long
   */
  void onCancel(Runnable action);

  /**
   * Throws if the operation was cancelled.
   *
   * @throws DriverException with {@link DriverException.Code#CANCELLED} if it was
   */
  default void checkCancelled() throws DriverException {
    if (isCancelled()) {
      throw DriverException.cancelled("operation cancelled");
    }
  }

  /**
   * Returns an operation that discards progress and is never cancelled, for calling a driver
   * directly (in tests, or one driver from another).
   *
   * @return the operation
   */
  static Operation none() {
    return NoOperation.INSTANCE;
  }
}
