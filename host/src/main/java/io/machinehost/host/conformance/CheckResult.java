package io.machinehost.host.conformance;

import java.time.Duration;

/**
 * The outcome of one conformance check.
 *
 * @param group lifecycle, contract or semantics
 * @param name the check's name, e.g. {@code lifecycle.stdin-eof-exit}
 * @param outcome pass, fail or skip
 * @param reason why it failed or was skipped, or what passed
 * @param duration how long it took
 */
public record CheckResult(
    String group, String name, Outcome outcome, String reason, Duration duration) {

  /** What came of a check. */
  public enum Outcome {
    PASS,
    FAIL,
    SKIP
  }
}
