package io.machinehost.host.command;

import io.machinehost.host.ExitCodes;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code machine version}: the CLI's version and protocol; starts no plugin. */
@Command(
    name = "version",
    mixinStandardHelpOptions = true,
    description = "Print the version of machine and of the driver protocol it speaks.")
public final class VersionCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  /** Returns the CLI's version, from the executable's manifest. */
  public static String version() {
    String version = VersionCommand.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }

  @Override
  public Integer call() {
    var out = spec.commandLine().getOut();
    out.println("machine version " + version());
    out.println("driver protocol 1 (machine.driver.v1)");
    out.println("java " + System.getProperty("java.version"));
    return ExitCodes.OK;
  }

  /** {@code machine --version}. */
  public static final class Provider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"machine version " + version()};
    }
  }
}
