package io.machinehost.sdk;

import io.machinehost.sdk.rpc.PluginChannels;
import io.machinehost.sdk.rpc.PluginRuntime;

/**
 * The whole plugin side of the machinehost protocol in one call. A driver's {@code main} is:
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *   PluginServer.serve(NoneDriver::new);
 * }
 * }</pre>
 *
 * <p>It refuses to run without the host's cookie, negotiates the protocol version, serves the
 * driver over a private Unix socket with mutual TLS, prints the handshake line, and exits when the
 * host asks or goes away (stdin closed). Anything the driver prints goes to stderr.
 */
public final class PluginServer {
  private PluginServer() {}

  /**
   * Serves a driver until the host lets it go, then exits the JVM; never returns. The version
   * reported is the driver jar's {@code Implementation-Version}, or {@code dev}.
   *
   * @param factory makes a driver per call
   */
  public static void serve(DriverFactory factory) {
    PluginChannels.quietLibraries();
    Package p = factory.newDriver("", "").getClass().getPackage();
    String version = p == null ? null : p.getImplementationVersion();
    serve(factory, version == null ? "dev" : version);
  }

  /**
   * Serves a driver, reporting the given version; never returns.
   *
   * @param factory makes a driver per call
   * @param version the driver's version
   */
  public static void serve(DriverFactory factory, String version) {
    PluginRuntime.run(factory, version);
  }
}
