package io.machinehost.driver.amazonec2;

import io.machinehost.sdk.PluginServer;

/** The {@code machine-driver-amazonec2} executable. */
public final class AmazonEc2DriverMain {
  private AmazonEc2DriverMain() {}

  /** Serves the amazonec2 driver; run by {@code machine}, never directly. */
  public static void main(String[] args) {
    PluginServer.serve(AmazonEc2Driver::new);
  }
}
