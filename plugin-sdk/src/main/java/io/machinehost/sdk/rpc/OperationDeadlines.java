package io.machinehost.sdk.rpc;

import io.machinehost.sdk.LongOperation;
import java.time.Duration;

/**
 * How long a client lets each long operation run before it cuts the call off (which cancels the
 * operation in the driver), and what to tell the user when it does. The host builds it from the
 * driver's declared deadlines, its own defaults and the user's settings.
 */
public interface OperationDeadlines {
  /** No deadline at all: every operation runs until it ends or is cancelled. */
  OperationDeadlines NONE =
      new OperationDeadlines() {
        @Override
        public Duration of(LongOperation operation) {
          return Duration.ZERO;
        }

        @Override
        public String advice(LongOperation operation) {
          return "";
        }
      };

  /**
   * Returns the deadline of an operation.
   *
   * @param operation the operation
   * @return how long it may run; zero for no deadline
   */
  Duration of(LongOperation operation);

  /**
   * Returns where the deadline comes from and how the user changes it, for the message of an
   * operation cut off at its deadline.
   *
   * @param operation the operation
   * @return e.g. {@code "set MACHINEHOST_REMOVE_TIMEOUT=<seconds> to wait longer"}
   */
  String advice(LongOperation operation);
}
