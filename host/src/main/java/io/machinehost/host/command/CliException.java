package io.machinehost.host.command;

import io.machinehost.host.ExitCodes;

/** A command failed in a way the user can act on: the message says what and what to do next. */
public final class CliException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  /** Creates the exception with exit code {@link ExitCodes#FAILURE}. */
  public CliException(String message) {
    this(ExitCodes.FAILURE, message, null);
  }

  /** Creates the exception. */
  public CliException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  /** Returns the process exit code this failure maps to. */
  public int exitCode() {
    return exitCode;
  }
}
