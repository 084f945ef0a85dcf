package io.machinehost.host;

import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;

/** Prints a usage error in one line plus where to read more, instead of the whole usage text. */
final class UsageErrorReporter implements IParameterExceptionHandler {
  @Override
  public int handleParseException(ParameterException failure, String[] args) {
    CommandLine command = failure.getCommandLine();
    var err = command.getErr();
    err.println("Error: " + failure.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(failure, err);
    String name = command.getCommandSpec().qualifiedName();
    String hint =
        name.equals("machine create")
            ? "; a driver's flags: 'machine create -d DRIVER --help'"
            : "";
    err.printf("See '%s --help'%s.%n", name, hint);
    err.flush();
    return ExitCodes.USAGE;
  }
}
