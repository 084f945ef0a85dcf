package io.machinehost.driver.generic;

import io.machinehost.sdk.PluginServer;

/** The {@code machine-driver-generic} executable. */
public final class GenericDriverMain {
  private GenericDriverMain() {}

  /** Serves the generic driver; run by {@code machine}, never directly. */
  public static void main(String[] args) {
    PluginServer.serve(GenericDriver::new);
  }
}
