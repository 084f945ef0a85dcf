package io.machinehost.host.command;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.machinehost.host.ExitCodes;
import io.machinehost.host.driver.MachineDriver;
import io.machinehost.host.provision.EngineClient;
import io.machinehost.host.store.MachineRecord;
import io.machinehost.host.store.StoreEntry;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.MachineState;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code machine ls}: every machine with its state, asked of the drivers concurrently (one plugin
 * per driver), each bounded by the timeout so a hung driver shows Timeout and the rest still list.
 */
@Command(
    name = "ls",
    aliases = "list",
    mixinStandardHelpOptions = true,
    description = "List machines.")
public final class LsCommand extends MachineCommand {
  private static final List<String> FILTER_KEYS = List.of("driver", "state", "name", "label");

  @Option(
      names = {"-q", "--quiet"},
      description = "Print only the names.")
  boolean quiet;

  @Option(
      names = {"-f", "--filter"},
      paramLabel = "KEY=VALUE",
      description =
          "Only machines that match: driver=, state=, name= (a regular expression), label=KEY=VALUE."
              + " Repeatable: values of one key are alternatives, different keys must all match.")
  List<String> filters = new ArrayList<>();

  @Option(
      names = {"-t", "--timeout"},
      paramLabel = "SECONDS",
      defaultValue = "10",
      description = "How long each machine's driver may take to answer (default ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description =
          "json, or a template such as \"table {{.Name}}\\t{{.State}}\" over Name, Active,"
              + " DriverName, State, URL, DockerVersion, Error, ResponseTime.")
  String format;

  @Override
  public Integer call() throws CliException {
    Map<String, List<String>> filter = parseFilters(filters);
    Pattern namePattern = namePattern(filter.get("name"));
    Template template = format == null || format.equals("json") ? null : Template.parse(format);
    if (timeoutSeconds <= 0) {
      throw new CliException(
          ExitCodes.USAGE, "--timeout must be a positive number of seconds", null);
    }
    List<StoreEntry> entries = new ArrayList<>();
    for (StoreEntry entry : session().list()) {
      if (matchesStatic(entry, filter, namePattern)) {
        entries.add(entry);
      }
    }
    if (quiet && !filter.containsKey("state")) {
      entries.forEach(e -> out().println(e.name()));
      return ExitCodes.OK;
    }
    List<MachineStatus> rows = statuses(entries, Duration.ofSeconds(timeoutSeconds));
    Map<String, String> exited = exitedPlugins(rows);
    if (!exited.isEmpty()) {
      rows =
          rows.stream()
              .map(
                  r -> exited.containsKey(r.driverName()) && !r.error().isEmpty() ? r.crashed() : r)
              .toList();
    }
    if (filter.containsKey("state")) {
      rows = rows.stream().filter(r -> anyEqualIgnoreCase(filter.get("state"), r.state())).toList();
    }
    print(rows, template);
    out().flush();
    // A plugin that died fails every one of its machines: its output is shown once, not per row.
    exited.values().forEach(report -> err().println("Error: " + report));
    return exited.isEmpty() ? ExitCodes.OK : ExitCodes.FAILURE;
  }

  /** The drivers whose plugin exited while their machines were asked, with what each left. */
  private Map<String, String> exitedPlugins(List<MachineStatus> rows) {
    Map<String, String> exited = new LinkedHashMap<>();
    rows.stream()
        .filter(r -> !r.error().isEmpty())
        .map(MachineStatus::driverName)
        .distinct()
        .forEach(d -> session().drivers().exitReport(d).ifPresent(report -> exited.put(d, report)));
    return exited;
  }

  private void print(List<MachineStatus> rows, Template template) throws CliException {
    if (quiet) {
      rows.forEach(r -> out().println(r.name()));
      return;
    }
    if ("json".equals(format)) {
      try {
        out().println(Template.json().writerWithDefaultPrettyPrinter().writeValueAsString(rows));
      } catch (JsonProcessingException e) {
        throw new CliException("cannot write the list as JSON: " + e.getMessage());
      }
      return;
    }
    if (template == null) {
      Table table =
          new Table().row(List.of("NAME", "ACTIVE", "DRIVER", "STATE", "URL", "DOCKER", "ERRORS"));
      for (MachineStatus r : rows) {
        table.row(
            List.of(
                r.name(),
                r.active(),
                r.driverName(),
                r.state(),
                r.url(),
                r.dockerVersion(),
                r.error()));
      }
      table.print(out());
      return;
    }
    if (template.isTable()) {
      Table table = new Table().row(Template.cells(template.header(MachineStatus::header)));
      for (MachineStatus r : rows) {
        table.row(Template.cells(template.render(asJson(r))));
      }
      table.print(out());
    } else {
      for (MachineStatus r : rows) {
        out().println(template.render(asJson(r)));
      }
    }
  }

  private static JsonNode asJson(MachineStatus row) {
    return Template.json().valueToTree(row);
  }

  /** Asks every machine's state at once; each is bounded by the timeout. */
  private List<MachineStatus> statuses(List<StoreEntry> entries, Duration timeout) {
    String dockerHost = session().env().getOrDefault("DOCKER_HOST", "");
    startDrivers(session(), entries);
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.max(1, Math.min(64, entries.size())),
            r -> {
              Thread t = new Thread(r, "machine-ls");
              t.setDaemon(true);
              return t;
            });
    try {
      List<CompletableFuture<MachineStatus>> futures = new ArrayList<>();
      for (StoreEntry entry : entries) {
        MachineStatus timedOut = timedOut(entry, timeout);
        futures.add(
            CompletableFuture.supplyAsync(() -> status(entry, timeout, dockerHost), pool)
                .completeOnTimeout(timedOut, timeout.toMillis() + 500, TimeUnit.MILLISECONDS));
      }
      return futures.stream().map(CompletableFuture::join).toList();
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Starts the plugin of every driver the entries use, all at once, so that the timeout bounds a
   * driver's answer and not its start-up; a driver that fails to start is reported per machine.
   */
  static void startDrivers(Session session, List<StoreEntry> entries) {
    List<CompletableFuture<?>> launches = new ArrayList<>();
    entries.stream()
        .flatMap(e -> e.record().stream())
        .map(MachineRecord::driverName)
        .distinct()
        .forEach(
            driver ->
                launches.add(
                    CompletableFuture.runAsync(
                        () -> {
                          try {
                            session.drivers().prepare(driver);
                          } catch (CliException e) {
                            // each of its machines shows the error
                          }
                        })));
    launches.forEach(CompletableFuture::join);
  }

  private static MachineStatus timedOut(StoreEntry entry, Duration timeout) {
    String driver = entry.record().map(MachineRecord::driverName).orElse("unknown");
    return new MachineStatus(
        entry.name(),
        "-",
        driver,
        MachineState.TIMEOUT.displayName(),
        "",
        "",
        // made for every machine in case it times out: concatenation, not the costlier format
        "the " + driver + " driver did not answer within " + timeout.toSeconds() + " s",
        timeout.toMillis());
  }

  private MachineStatus status(StoreEntry entry, Duration timeout, String dockerHost) {
    if (entry.record().isEmpty()) {
      return new MachineStatus(
          entry.name(),
          "-",
          "unknown",
          MachineState.ERROR.displayName(),
          "",
          "",
          entry.problem().orElse("unreadable"),
          0);
    }
    MachineRecord record = entry.record().get();
    long started = System.nanoTime();
    String state;
    String url = "";
    String error = record.error();
    try (MachineDriver driver = session().driver(record, timeout)) {
      MachineState machineState = driver.getState();
      state = machineState.displayName();
      if (machineState == MachineState.RUNNING) {
        try {
          url = driver.getUrl();
        } catch (DriverException e) {
          error = join(error, e.getMessage());
        }
      }
    } catch (DriverException e) {
      state =
          e.code() == DriverException.Code.TIMEOUT
              ? MachineState.TIMEOUT.displayName()
              : MachineState.ERROR.displayName();
      error = join(error, e.getMessage());
    } catch (CliException e) {
      state = MachineState.ERROR.displayName();
      error = join(error, e.getMessage());
    }
    String docker = "";
    if (!url.isEmpty()) {
      Duration left = timeout.minusNanos(System.nanoTime() - started);
      String[] version = dockerVersion(record.name(), url, left);
      docker = version[0];
      error = version[1].isEmpty() ? error : join(error, version[1]);
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    String active = !url.isEmpty() && url.equals(dockerHost) ? "*" : "-";
    return new MachineStatus(
        record.name(), active, record.driverName(), state, url, docker, error, millis);
  }

  /**
   * Asks a running machine's engine its version over TLS, within what is left of the timeout.
   *
   * @return {@code v<version>} and no error; {@code Unknown} and why; or blanks for a machine
   *     without certificates (not provisioned)
   */
  private String[] dockerVersion(String name, String url, Duration left) {
    Path dir = session().store().machineDir(name);
    if (!EngineClient.hasCertificates(dir)) {
      return new String[] {"", ""};
    }
    Duration bound = left.compareTo(Duration.ofMillis(300)) < 0 ? Duration.ofMillis(300) : left;
    try {
      return new String[] {"v" + EngineClient.forMachine(dir, bound).version(url, bound), ""};
    } catch (IOException e) {
      return new String[] {"Unknown", "cannot get the Docker version: " + e.getMessage()};
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new String[] {"Unknown", "interrupted"};
    }
  }

  private static String join(String a, String b) {
    return a.isEmpty() ? b : a + "; " + b;
  }

  private static boolean matchesStatic(
      StoreEntry entry, Map<String, List<String>> filter, Pattern name) {
    if (name != null && !name.matcher(entry.name()).find()) {
      return false;
    }
    List<String> drivers = filter.get("driver");
    String driver = entry.record().map(MachineRecord::driverName).orElse("unknown");
    if (drivers != null && !anyEqualIgnoreCase(drivers, driver)) {
      return false;
    }
    List<String> labels = filter.get("label");
    if (labels != null) {
      if (entry.record().isEmpty()) {
        return false;
      }
      MachineRecord.HostOptions options = entry.record().get().hostOptions();
      boolean any = false;
      for (String wanted : labels) {
        if (options.engineLabels().contains(wanted) || labelMatches(options.labels(), wanted)) {
          any = true;
        }
      }
      return any;
    }
    return true;
  }

  private static boolean labelMatches(Map<String, String> labels, String wanted) {
    int eq = wanted.indexOf('=');
    return eq < 0
        ? labels.containsKey(wanted)
        : wanted.substring(eq + 1).equals(labels.get(wanted.substring(0, eq)));
  }

  private static boolean anyEqualIgnoreCase(List<String> values, String value) {
    return values.stream().anyMatch(v -> v.equalsIgnoreCase(value));
  }

  static Map<String, List<String>> parseFilters(List<String> filters) throws CliException {
    Map<String, List<String>> byKey = new LinkedHashMap<>();
    for (String filter : filters) {
      int eq = filter.indexOf('=');
      if (eq <= 0) {
        throw new CliException(
            ExitCodes.USAGE,
            "filter \"" + filter + "\" is not KEY=VALUE; keys: " + String.join(", ", FILTER_KEYS),
            null);
      }
      String key = filter.substring(0, eq).toLowerCase(Locale.ROOT);
      if (!FILTER_KEYS.contains(key)) {
        throw new CliException(
            ExitCodes.USAGE,
            "unknown filter key \"" + key + "\"; keys: " + String.join(", ", FILTER_KEYS),
            null);
      }
      byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(filter.substring(eq + 1));
    }
    return byKey;
  }

  private static Pattern namePattern(List<String> names) throws CliException {
    if (names == null) {
      return null;
    }
    try {
      return Pattern.compile(String.join("|", names.stream().map(n -> "(?:" + n + ")").toList()));
    } catch (PatternSyntaxException e) {
      throw new CliException(
          ExitCodes.USAGE,
          "filter name="
              + String.join(",", names)
              + " is not a regular expression: "
              + e.getDescription(),
          null);
    }
  }
}
