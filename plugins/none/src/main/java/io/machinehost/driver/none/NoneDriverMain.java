package io.machinehost.driver.none;

import io.machinehost.sdk.PluginServer;

/** The {@code machine-driver-none} executable. */
public final class NoneDriverMain {
  private NoneDriverMain() {}

  /** Serves the none driver; run by {@code machine}, never directly. */
  public static void main(String[] args) {
    PluginServer.serve(NoneDriver::new);
  }
}
