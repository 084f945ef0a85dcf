package io.machinehost.sdk;

/**
 * The long operations of a driver: the calls that stream progress and may take minutes. Each has a
 * deadline on the host, which a driver may declare ({@link Driver#operationTimeouts()}) and a user
 * may override.
 */
public enum LongOperation {
  /** {@link Driver#create}. */
  CREATE("Create"),
  /** {@link Driver#remove}. */
  REMOVE("Remove"),
  /** {@link Driver#start}. */
  START("Start"),
  /** {@link Driver#stop}. */
  STOP("Stop"),
  /** {@link Driver#kill}. */
  KILL("Kill"),
  /** {@link Driver#restart}. */
  RESTART("Restart");

  private final String rpcName;

  LongOperation(String rpcName) {
    this.rpcName = rpcName;
  }

  /**
   * Returns the name of the operation's RPC, as messages show it.
   *
   * @return e.g. {@code "Remove"}
   */
  public String rpcName() {
    return rpcName;
  }
}
