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

  /** The protocol versions this SDK speaks, highest last. */
  public static final java.util.List<Integer> SUPPORTED_VERSIONS = java.util.List.of(1);

  /** The handshake's core protocol version. */
  public static final int CORE_VERSION = 1;

  private PluginEnv() {}
}
