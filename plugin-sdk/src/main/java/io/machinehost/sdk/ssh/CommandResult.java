package io.machinehost.sdk.ssh;

import io.machinehost.sdk.DriverException;

/**
 * What a command run over SSH gave back.
 *
 * @param exitStatus the command's exit status; 255 when the server reported none (the command was
 *     killed by a signal or the connection ended first), as OpenSSH's {@code ssh} does
 * @param stdout everything it wrote to standard output, decoded as UTF-8
 * @param stderr everything it wrote to standard error, decoded as UTF-8
 */
public record CommandResult(int exitStatus, String stdout, String stderr) {

  /** The exit status reported when the server gave none. */
  public static final int NO_EXIT_STATUS = 255;

  /**
   * Returns whether the command exited with status 0.
   *
   * @return whether it succeeded
   */
  public boolean isSuccess() {
    return exitStatus == 0;
  }

  /**
   * Returns this result if the command succeeded.
   *
   * @param what what the command was for, e.g. {@code "install docker"}, for the message
   * @return this result
   * @throws DriverException {@link DriverException.Code#FAILED_PRECONDITION} naming {@code what},
   *     the exit status and the end of standard error
   */
  public CommandResult orThrow(String what) throws DriverException {
    if (isSuccess()) {
      return this;
    }
    String detail = stderr.isBlank() ? stdout : stderr;
    detail = detail.strip();
    if (detail.length() > 500) {
      detail = "..." + detail.substring(detail.length() - 500);
    }
    throw DriverException.failedPrecondition(
        "%s failed with exit status %d%s", what, exitStatus, detail.isEmpty() ? "" : ": " + detail);
  }
}
