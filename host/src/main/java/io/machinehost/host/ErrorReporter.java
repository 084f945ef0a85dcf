package io.machinehost.host;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/** Prints a failed command's error as {@code Error: <message>}, with the stack only in debug. */
final class ErrorReporter implements IExecutionExceptionHandler {
  private final MachineCli cli;

  ErrorReporter(MachineCli cli) {
    this.cli = cli;
  }

  @Override
  public int handleExecutionException(
      Exception failure, CommandLine commandLine, ParseResult parseResult) {
    var err = commandLine.getErr();
    String message = failure.getMessage();
    if (message == null || message.isBlank()) {
      message = failure.getClass().getSimpleName();
    }
    err.println("Error: " + message);
    if (cli.debug()) {
      failure.printStackTrace(err);
    }
    err.flush();
    return ExitCodes.of(failure);
  }
}
