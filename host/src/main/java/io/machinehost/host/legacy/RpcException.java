package io.machinehost.host.legacy;

/** An error string a Go net/rpc server returned for a call: the legacy driver's own message. */
public final class RpcException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Creates an exception carrying the server's message. */
  public RpcException(String message) {
    super(message);
  }

  /** Returns whether the server has no such service or method ({@code rpc: can't find …}). */
  public boolean noSuchMethod() {
    String m = getMessage();
    return m != null
        && (m.startsWith("rpc: can't find service") || m.startsWith("rpc: can't find method"));
  }
}
