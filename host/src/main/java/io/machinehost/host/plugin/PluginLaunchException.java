package io.machinehost.host.plugin;

/**
 * A driver plugin could not be started: missing executable, refused cookie, bad or missing
 * handshake, incompatible version, or a channel that would not come up. The message says which
 * plugin, what happened, the tail of its stderr, and what to do next.
 */
public final class PluginLaunchException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. */
  public PluginLaunchException(String message) {
    super(message);
  }

  /** Creates the exception with a cause. */
  public PluginLaunchException(String message, Throwable cause) {
    super(message, cause);
  }
}
