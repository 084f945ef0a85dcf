package io.machinehost.host.command;

import io.machinehost.host.ExitCodes;
import io.machinehost.host.plugin.PluginLocator;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.rpc.PluginInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code machine plugin ls}: the driver executables found, where, and what they say they are. */
@Command(
    name = "ls",
    aliases = "list",
    mixinStandardHelpOptions = true,
    description = {
      "List the drivers found on the plugin path: $MACHINE_PLUGIN_PATH, <storage>/plugins, the"
          + " directory of machine, then $PATH.",
      "Each is started once to ask its version and protocol. docker-machine plugins"
          + " (docker-machine-driver-<name>, and the core drivers of $MACHINE_LEGACY_BINARY) show"
          + " protocol legacy-rpc: unauthenticated net/rpc on loopback TCP."
    })
public final class PluginLsCommand extends MachineCommand {
  /** What the PROTOCOL column says of docker-machine's plugins. */
  static final String LEGACY_PROTOCOL = "legacy-rpc";

  @Option(
      names = {"-q", "--quiet"},
      description = "Print only the driver names, without starting them.")
  boolean quiet;

  @Override
  public Integer call() {
    PluginLocator locator = cli().environment().locator(session().storagePath());
    List<PluginLocator.Found> found = locator.all();
    if (quiet) {
      found.stream().filter(f -> !f.shadowed()).forEach(f -> out().println(f.driver()));
      return ExitCodes.OK;
    }
    List<CompletableFuture<List<String>>> rows = new ArrayList<>();
    for (PluginLocator.Found f : found) {
      rows.add(CompletableFuture.supplyAsync(() -> row(f)));
    }
    Table table = new Table().row(List.of("NAME", "VERSION", "PROTOCOL", "PATH", "NOTE"));
    rows.forEach(r -> table.row(r.join()));
    table.print(out());
    if (found.isEmpty()) {
      err()
          .println(
              "No drivers found in: "
                  + String.join(
                      ", ", locator.directories().stream().map(Object::toString).toList()));
    }
    return ExitCodes.OK;
  }

  private static boolean legacy(PluginLocator.Found f) {
    return f.protocol() == PluginLocator.Protocol.LEGACY_RPC;
  }

  private List<String> row(PluginLocator.Found f) {
    if (f.shadowed()) {
      return List.of(
          f.driver(),
          "-",
          legacy(f) ? LEGACY_PROTOCOL : "-",
          f.path().toString(),
          "shadowed by an earlier one");
    }
    boolean legacy = legacy(f);
    try {
      PluginInfo info = session().drivers().info(f.driver());
      String note = info.description();
      if (!info.name().equals(f.driver())) {
        note = "says it is \"" + info.name() + "\"; " + note;
      }
      return List.of(
          f.driver(),
          info.version(),
          legacy ? LEGACY_PROTOCOL : String.valueOf(info.protocolVersion()),
          f.path().toString(),
          note);
    } catch (CliException | DriverException e) {
      String message = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
      return List.of(
          f.driver(),
          "?",
          legacy ? LEGACY_PROTOCOL : "?",
          f.path().toString(),
          "does not start: " + message);
    }
  }
}
