package io.machinehost.sdk.rpc;

/** The environment variables of a plugin launch; proto/README.md documents each. */
public final class PluginEnv {
  /** The magic cookie's variable. */
  public static final String COOKIE_KEY = "MACHINE_PLUGIN_COOKIE";

  /** The magic cookie's value. */
  public static final String COOKIE_VALUE = "machinehost-driver-v1";

  /** Comma list of application protocol versions the host speaks (go-plugin's name). */
  public static final String PROTOCOL_VERSIONS = "PLUGIN_PROTOCOL_VERSIONS";

  /** The host's one-time certificate (PEM); when set, the plugin serves mutual TLS. */
  public static final String CLIENT_CERT = "PLUGIN_CLIENT_CERT";

  /** The transport wanted: {@code unix} (default) or {@code tcp}. */
  public static final String TRANSPORT = "MACHINE_PLUGIN_TRANSPORT";

  /** Where to make the socket's private directory (go-plugin's name); default the temp dir. */
  public static final String UNIX_SOCKET_DIR = "PLUGIN_UNIX_SOCKET_DIR";

  /** The log level for stderr: {@code error}, {@code info} (default) or {@code debug}. */
  public static final String LOG_LEVEL = "MACHINE_PLUGIN_LOG_LEVEL";

  /**
   * Optional warm reuse: when set to a positive number of milliseconds, the plugin may outlive
   * stdin EOF and exits instead after that long with no call in flight (proto/README.md §7.1).
   */
  public static final String REUSE_IDLE_MS = "MACHINE_PLUGIN_REUSE_IDLE_MS";

  /** Warm reuse: the store directory; the plugin exits when it is gone. */
  public static final String REUSE_STORE = "MACHINE_PLUGIN_REUSE_STORE";

  /** Warm reuse: the plugin's executable; the plugin exits when it is replaced. */
  public static final String REUSE_EXECUTABLE = "MACHINE_PLUGIN_REUSE_EXECUTABLE";

  /** The health service a warm plugin serves, announcing that it accepted warm reuse. */
  public static final String REUSE_HEALTH_SERVICE = "plugin.reuse";

  /** The protocol versions this SDK speaks, highest last. */
  public static final java.util.List<Integer> SUPPORTED_VERSIONS = java.util.List.of(1);

  /** The handshake's core protocol version. */
  public static final int CORE_VERSION = 1;

  private PluginEnv() {}
}
