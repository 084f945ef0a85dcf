package io.machinehost.driver.qemu;

import io.machinehost.sdk.DriverException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Ports on 127.0.0.1, where QEMU forwards a machine's SSH, Docker and extra ports. */
final class LoopbackPorts {
  static final String HOST = "127.0.0.1";

  private LoopbackPorts() {}

  /** Returns a port free now, as the kernel picks one. */
  static int free() throws DriverException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw DriverException.unavailable("no free port on %s: %s", HOST, e.getMessage());
    }
  }

  /** Returns whether nothing listens on a port. */
  static boolean isFree(int port) {
    try {
      new ServerSocket(port, 1, InetAddress.getByName(HOST)).close();
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
