package io.machinehost.host.command;

import io.machinehost.host.ExitCodes;
import io.machinehost.host.legacy.DockerMachineImport;
import io.machinehost.host.legacy.DockerMachineImport.Clash;
import io.machinehost.host.legacy.DockerMachineImport.Outcome;
import io.machinehost.host.plugin.PluginLocator;
import io.machinehost.host.store.MachineNames;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code machine import}: moves docker-machine's machines into this store, leaving the source. */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = {
      "Import machines from a docker-machine store (ConfigVersion 3: docker-machine 0.6 and later,"
          + " rancher-machine). The source is only read.",
      "Each machine keeps its driver config as the driver wrote it, its SSH keys and TLS"
          + " certificates; none and generic machines are served by machinehost's own drivers,"
          + " others by their docker-machine-driver-<name> plugin or $MACHINE_LEGACY_BINARY."
    })
public final class ImportCommand extends MachineCommand {
  @Option(
      names = "--from",
      paramLabel = "DIR",
      description = "The docker-machine store (default: $HOME/.docker/machine).")
  Path from;

  @Option(names = "--rename", description = "Import a machine whose name is taken as NAME-2 ….")
  boolean rename;

  @Option(
      names = "--force",
      description =
          "Replace the record of a machine whose name is taken (what its driver made is left).")
  boolean force;

  @Parameters(paramLabel = "NAME", arity = "0..*", description = "The machines (default: all).")
  List<String> names = List.of();

  @Override
  public Integer call() throws CliException {
    if (rename && force) {
      throw new CliException(ExitCodes.USAGE, "--rename and --force exclude each other", null);
    }
    Session session = session();
    Path source =
        from != null
            ? from
            : Path.of(session.env().getOrDefault("HOME", System.getProperty("user.home")))
                .resolve(".docker/machine");
    if (source.toAbsolutePath().normalize().equals(session.storagePath())) {
      throw new CliException(
          ExitCodes.USAGE, "the docker-machine store " + source + " is this store itself", null);
    }
    DockerMachineImport importer =
        new DockerMachineImport(
            source, session.storagePath(), session.store(), MachineNames::isValid);
    List<Outcome> outcomes;
    try {
      outcomes = importer.run(names, rename ? Clash.RENAME : force ? Clash.FORCE : Clash.REFUSE);
    } catch (IOException e) {
      throw new CliException(
          ExitCodes.FAILURE,
          "cannot read the docker-machine store: " + e.getMessage() + "; give it with --from DIR",
          e);
    }
    PluginLocator locator = cli().environment().locator(session.storagePath());
    int imported = 0;
    int skipped = 0;
    for (Outcome o : outcomes) {
      if (o.source().equals("(certs)")) {
        err().println("Note: " + o.note());
      } else if (o.imported()) {
        imported++;
        out()
            .printf(
                "Imported \"%s\" (driver %s%s)%n",
                o.target(), o.driver(), o.note().isEmpty() ? "" : "; " + o.note());
        if (locator.find(o.driver()).isEmpty() && locator.findLegacy(o.driver()).isEmpty()) {
          err()
              .printf(
                  "Note: no %s driver is installed yet: put %s%s on the PATH or set %s%n",
                  o.driver(), PluginLocator.LEGACY_PREFIX, o.driver(), PluginLocator.LEGACY_BINARY);
        }
      } else {
        skipped++;
        err().printf("Skipped \"%s\": %s%n", o.source(), o.note());
      }
    }
    out().printf("%d imported, %d skipped from %s%n", imported, skipped, source);
    return skipped == 0 ? ExitCodes.OK : ExitCodes.FAILURE;
  }
}
