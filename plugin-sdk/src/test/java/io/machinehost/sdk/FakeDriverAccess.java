package io.machinehost.sdk;

import java.util.List;
import java.util.concurrent.CountDownLatch;

/** Lets tests in other packages steer {@link FakeDriver}. */
public final class FakeDriverAccess {
  private FakeDriverAccess() {}

  public static void fail(DriverException e) {
    FakeDriver.failWith =
        e == null ? null : new String[] {e.code().name(), e.getMessage(), e.flag().orElse(null)};
  }

  public static void gateCreate(CountDownLatch gate) {
    FakeDriver.createGate = gate;
  }

  public static List<String> cleaned() {
    return FakeDriver.CLEANED;
  }

  public static void reset() {
    FakeDriver.reset();
  }
}
