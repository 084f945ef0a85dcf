package io.machinehost.host.command;

import io.machinehost.host.ExitCodes;
import io.machinehost.host.store.StoreEntry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code machine regenerate-certs}: new server certificates for machines (with {@code
 * --client-certs} also a new CA and client certificate), installed on each machine, whose engine is
 * then restarted.
 */
@Command(
    name = "regenerate-certs",
    mixinStandardHelpOptions = true,
    description = "Make new TLS certificates for machines and install them.")
public final class RegenerateCertsCommand extends MachineCommand {
  @Parameters(
      paramLabel = "NAME",
      arity = "0..*",
      description = "Machines (default: the machine \"default\").")
  List<String> names = new ArrayList<>();

  @Option(
      names = {"-f", "--force"},
      description = "Do not ask for confirmation.")
  boolean force;

  @Option(
      names = "--client-certs",
      description =
          "Also make a new CA and client certificate: every other machine then needs"
              + " regenerate-certs too.")
  boolean clientCerts;

  @Override
  public Integer call() throws CliException {
    List<String> machines = namesOrDefault(names);
    for (String name : machines) {
      session().load(name); // a typo fails before anything is regenerated
    }
    if (!force
        && !confirm(
            "Regenerate TLS machine certs?  Warning: this is irreversible. (y/n): ", "-f")) {
      out().println("No certificates were regenerated.");
      return ExitCodes.FAILURE;
    }
    if (clientCerts) {
      err().println("Regenerating the CA and client certificates...");
      err().flush();
      try {
        session().certificates().ensureClientCertificates(true);
      } catch (IOException e) {
        throw new CliException(
            ExitCodes.FAILURE,
            "cannot make new CA and client certificates in "
                + session().certificates().certsDir()
                + ": "
                + e.getMessage(),
            e);
      }
    }
    boolean several = machines.stream().distinct().count() > 1;
    boolean terminal = cli().environment().interactive();
    int exit =
        PerMachine.run(
            machines,
            out(),
            err(),
            name -> {
              String done =
                  ProvisionCommand.provision(session(), err(), name, several, terminal, true);
              return "Regenerated the TLS certificates of \"" + name + "\". " + done;
            });
    if (clientCerts) {
      warnOthers(machines);
    }
    return exit;
  }

  /** The other machines' engines trust the old CA: say which, and how to fix them. */
  private void warnOthers(List<String> done) throws CliException {
    List<String> others = new ArrayList<>();
    for (StoreEntry entry : session().list()) {
      boolean provisioned =
          entry.record().map(r -> r.hostOptions().provision()).orElse(false)
              && java.nio.file.Files.isRegularFile(
                  session().store().machineDir(entry.name()).resolve("server.pem"));
      if (!done.contains(entry.name()) && provisioned) {
        others.add(entry.name());
      }
    }
    if (!others.isEmpty()) {
      err()
          .printf(
              "Warning: %s still trust the old CA and cannot be reached until you run \"machine"
                  + " regenerate-certs -f %s\"%n",
              String.join(", ", others), String.join(" ", others));
      err().flush();
    }
  }
}
