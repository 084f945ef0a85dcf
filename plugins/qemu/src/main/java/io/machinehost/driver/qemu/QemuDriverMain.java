package io.machinehost.driver.qemu;

import io.machinehost.sdk.PluginServer;

/** The {@code machine-driver-qemu} executable. */
public final class QemuDriverMain {
  private QemuDriverMain() {}

  /** Serves the qemu driver; run by {@code machine}, never directly. */
  public static void main(String[] args) {
    PluginServer.serve(QemuDriver::new);
  }
}
