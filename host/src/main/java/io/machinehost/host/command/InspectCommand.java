package io.machinehost.host.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.machinehost.host.store.FileMachineStore;
import io.machinehost.host.store.MachineRecord;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code machine inspect}: a machine as the store keeps it, as JSON, with secrets redacted. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = "Print a machine's record as JSON (secret values are shown as \"****\").")
public final class InspectCommand extends MachineCommand {
  /** What a secret value is shown as. */
  public static final String REDACTED = "****";

  @Parameters(
      paramLabel = "NAME",
      arity = "0..*",
      description = "Machines (default: the machine \"default\").")
  List<String> names = new ArrayList<>();

  @Option(
      names = {"-f", "--format"},
      paramLabel = "TEMPLATE",
      description = "A template over the JSON, e.g. \"{{.DriverName}}\" or \"{{json .Driver}}\".")
  String format;

  @Override
  public Integer call() throws CliException {
    Template template = format == null ? null : Template.parse(format);
    return PerMachine.run(
        namesOrDefault(names),
        out(),
        err(),
        name -> {
          JsonNode json = redacted(session().load(name));
          return template == null ? FileMachineStore.pretty(json) : template.render(json);
        });
  }

  /** Returns a record's JSON with the values of its driver's secret config keys replaced. */
  static ObjectNode redacted(MachineRecord record) {
    ObjectNode json = FileMachineStore.toJson(record);
    ObjectNode config = (ObjectNode) json.get("Driver");
    for (String key : record.hostOptions().secretConfigKeys()) {
      if (config.has(key) && !config.get(key).asText("").isEmpty()) {
        config.put(key, REDACTED);
      }
    }
    return json;
  }
}
