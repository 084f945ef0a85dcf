package io.machinehost.host.command;

import io.machinehost.host.ExitCodes;
import io.machinehost.host.provision.EngineClient;
import java.io.IOException;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code machine version}: the CLI's version and protocol, starting no plugin; {@code machine
 * version NAME}: the version of the machine's Docker engine, asked over TLS.
 */
@Command(
    name = "version",
    mixinStandardHelpOptions = true,
    description = {
      "Print the version of machine and of the driver protocol it speaks,",
      "or with a machine's name the version of its Docker engine."
    })
public final class VersionCommand extends MachineCommand {
  @Parameters(paramLabel = "NAME", arity = "0..1", description = "A machine.")
  String name;

  /** Returns the CLI's version, from the executable's manifest. */
  public static String version() {
    String version = VersionCommand.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }

  @Override
  public Integer call() throws CliException {
    if (name != null) {
      EngineAccess access = EngineAccess.of(session(), checkName(name));
      try {
        out()
            .println(
                EngineClient.forMachine(access.certPath(), Duration.ofSeconds(10))
                    .version(access.url(), Duration.ofSeconds(15)));
      } catch (IOException e) {
        throw new CliException(
            String.format(
                "cannot get the Docker version of machine \"%s\": %s", name, e.getMessage()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CliException(ExitCodes.INTERRUPTED, "interrupted", e);
      }
      return ExitCodes.OK;
    }
    var out = out();
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
