package io.machinehost.host.command;

import io.machinehost.host.ExitCodes;
import io.machinehost.host.certs.CertificateStore;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code machine config}: the {@code docker} CLI flags that reach a machine's engine with TLS, for
 * {@code docker $(machine config NAME) info}.
 */
@Command(
    name = "config",
    mixinStandardHelpOptions = true,
    description = {
      "Print the docker CLI's TLS flags for a machine's engine.",
      "Run: docker $(machine config NAME) info"
    })
public final class ConfigCommand extends MachineCommand {
  @Parameters(
      paramLabel = "NAME",
      arity = "0..1",
      description = "The machine (default: the machine \"default\").")
  String name;

  @Override
  public Integer call() throws CliException {
    String machine = namesOrDefault(name == null ? List.of() : List.of(name)).get(0);
    EngineAccess access = EngineAccess.of(session(), machine);
    out().println("--tlsverify");
    out().printf("--tlscacert=\"%s\"%n", access.certPath().resolve(CertificateStore.CA));
    out().printf("--tlscert=\"%s\"%n", access.certPath().resolve(CertificateStore.CERT));
    out().printf("--tlskey=\"%s\"%n", access.certPath().resolve(CertificateStore.KEY));
    out().printf("-H=%s%n", access.url());
    return ExitCodes.OK;
  }
}
