package io.machinehost.host.command;

import io.machinehost.host.ExitCodes;
import io.machinehost.host.store.MachineRecord;
import io.machinehost.host.store.StoreException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code machine label}: a machine's own labels (for {@code ls --filter label=}), changed under the
 * machine's lock so concurrent commands lose none.
 */
@Command(
    name = "label",
    mixinStandardHelpOptions = true,
    description = "Show, set or remove a machine's labels.")
public final class LabelCommand extends MachineCommand {
  @Parameters(index = "0", paramLabel = "NAME", description = "The machine.")
  String name;

  @Parameters(
      index = "1..*",
      paramLabel = "KEY=VALUE",
      description = "Labels to set; none prints the labels.")
  List<String> set = new ArrayList<>();

  @Option(names = "--rm", paramLabel = "KEY", description = "A label to remove (repeatable).")
  List<String> remove = new ArrayList<>();

  @Override
  public Integer call() throws CliException {
    checkName(name);
    Map<String, String> added = parse(set);
    MachineRecord record;
    if (added.isEmpty() && remove.isEmpty()) {
      record = session().load(name);
    } else {
      try {
        record =
            session()
                .store()
                .update(
                    name,
                    r -> {
                      Map<String, String> labels = new LinkedHashMap<>(r.hostOptions().labels());
                      labels.putAll(added);
                      remove.forEach(labels::remove);
                      return r.withHostOptions(r.hostOptions().withLabels(labels));
                    });
      } catch (StoreException e) {
        throw new CliException(ExitCodes.FAILURE, e.getMessage(), e);
      }
    }
    new TreeMap<>(record.hostOptions().labels()).forEach((k, v) -> out().println(k + "=" + v));
    return ExitCodes.OK;
  }

  /**
   * Parses {@code KEY=VALUE} labels.
   *
   * @throws CliException naming a label that is not {@code KEY=VALUE}
   */
  static Map<String, String> parse(List<String> labels) throws CliException {
    Map<String, String> parsed = new LinkedHashMap<>();
    for (String label : labels) {
      int eq = label.indexOf('=');
      if (eq <= 0) {
        throw new CliException(
            ExitCodes.USAGE, "label \"" + label + "\" is not KEY=VALUE, e.g. team=infra", null);
      }
      parsed.put(label.substring(0, eq), label.substring(eq + 1));
    }
    return parsed;
  }
}
