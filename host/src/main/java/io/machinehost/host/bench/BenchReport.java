package io.machinehost.host.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Turns the raw figures of {@code .ci/bench/bench.sh} (hyperfine exports {@code
 * <scenario>.<mode>.json}, {@code rss-host.<mode>.txt}, {@code rss-plugin.<mode>.txt} and, with a
 * command server, {@code rss-server.<mode>.txt} in KiB, {@code plugin-bench.json}, {@code
 * load-before.txt}/{@code load-after.txt}) into one results file and a table. Run as {@code java
 * -cp dist/bin/machine io.machinehost.host.bench.BenchReport RAW OUT}.
 */
public final class BenchReport {
  private static final Pattern HYPERFINE = Pattern.compile("(.+)\\.(reuse|noreuse)\\.json");
  private static final Pattern RSS =
      Pattern.compile("rss-(host|plugin|server)\\.(reuse|noreuse)\\.txt");

  /** The scenarios in the order the table shows them; others follow alphabetically. */
  private static final List<String> ORDER =
      List.of(
          "version", "ls-1", "ls-10", "ls-50", "ls-500", "status", "ip", "url", "inspect", "create",
          "rm");

  private final ObjectMapper json = new ObjectMapper();

  /** Reads the raw figures of a directory into the results document. */
  public ObjectNode read(Path raw) throws IOException {
    ObjectNode result = json.createObjectNode();
    result.put("generatedAt", Instant.now().toString());
    result.put("cores", Runtime.getRuntime().availableProcessors());
    ObjectNode load = result.putObject("load");
    load.put("before", text(raw.resolve("load-before.txt")));
    load.put("after", text(raw.resolve("load-after.txt")));
    Map<String, ObjectNode> commands = new TreeMap<>(BenchReport::compareScenarios);
    ObjectNode rss = json.createObjectNode();
    List<Path> files;
    try (Stream<Path> list = Files.list(raw)) {
      files = list.sorted().toList();
    }
    for (Path file : files) {
      String name = file.getFileName().toString();
      Matcher h = HYPERFINE.matcher(name);
      Matcher r = RSS.matcher(name);
      if (h.matches()) {
        commands
            .computeIfAbsent(h.group(1), k -> json.createObjectNode())
            .set(h.group(2), timing(json.readTree(file.toFile())));
      } else if (r.matches()) {
        ObjectNode mode =
            rss.has(r.group(2)) ? (ObjectNode) rss.get(r.group(2)) : rss.putObject(r.group(2));
        mode.put(r.group(1) + "Kb", Long.parseLong(text(file).strip()));
      }
    }
    ObjectNode commandNode = result.putObject("commands");
    commands.forEach(commandNode::set);
    result.set("peakRssLs50", rss);
    Path plugin = raw.resolve("plugin-bench.json");
    if (Files.exists(plugin)) {
      result.set("plugin", json.readTree(plugin.toFile()));
    }
    return result;
  }

  /** Summarises one hyperfine export: median, p10, p90, min, max, mean in milliseconds. */
  static ObjectNode timing(JsonNode hyperfine) {
    JsonNode first = hyperfine.path("results").path(0);
    JsonNode times = first.path("times");
    if (!times.isArray() || times.isEmpty()) {
      throw new IllegalArgumentException("not a hyperfine export: no results[0].times");
    }
    double[] ms = new double[times.size()];
    for (int i = 0; i < ms.length; i++) {
      ms[i] = times.get(i).asDouble() * 1000;
    }
    Arrays.sort(ms);
    ObjectNode out = new ObjectMapper().createObjectNode();
    out.put("command", first.path("command").asText());
    out.put("runs", ms.length);
    out.put("medianMs", round(percentile(ms, 50)));
    out.put("p10Ms", round(percentile(ms, 10)));
    out.put("p90Ms", round(percentile(ms, 90)));
    out.put("minMs", round(ms[0]));
    out.put("maxMs", round(ms[ms.length - 1]));
    out.put("meanMs", round(Arrays.stream(ms).average().orElse(0)));
    // CPU time (user + system, mean) is what a loaded machine distorts least.
    out.put(
        "cpuMs", round((first.path("user").asDouble() + first.path("system").asDouble()) * 1000));
    return out;
  }

  /** Nearest-rank percentile of sorted values, interpolated between neighbours. */
  static double percentile(double[] sorted, double p) {
    if (sorted.length == 1) {
      return sorted[0];
    }
    double rank = p / 100.0 * (sorted.length - 1);
    int low = (int) Math.floor(rank);
    int high = Math.min(sorted.length - 1, low + 1);
    return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
  }

  private static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }

  /** Prints the results as a table. */
  public static void print(JsonNode result, PrintWriter out) {
    out.printf(
        "machinehost bench — %d cores; load average (1, 5, 15 min) before: %s; after: %s%n",
        result.path("cores").asInt(),
        result.path("load").path("before").asText(),
        result.path("load").path("after").asText());
    out.printf(
        "%-10s | %-34s | %-34s%n",
        "command", "warm: median (p10–p90) cpu", "REUSE=0: median (p10–p90) cpu");
    out.println("-".repeat(84));
    result
        .path("commands")
        .properties()
        .forEach(
            e ->
                out.printf(
                    "%-10s | %-34s | %-34s%n",
                    e.getKey(),
                    cell(e.getValue().path("reuse")),
                    cell(e.getValue().path("noreuse"))));
    JsonNode rss = result.path("peakRssLs50");
    if (rss.size() > 0) {
      out.println();
      out.printf("peak RSS, ls of 50 machines (MiB):%n");
      List<String> modes = new ArrayList<>();
      rss.fieldNames().forEachRemaining(modes::add);
      for (String mode : modes) {
        JsonNode m = rss.path(mode);
        out.printf(
            "  %-8s host %6.1f   plugin %6.1f%s%n",
            mode,
            m.path("hostKb").asLong() / 1024.0,
            m.path("pluginKb").asLong() / 1024.0,
            m.has("serverKb")
                ? String.format("   command server %6.1f", m.path("serverKb").asLong() / 1024.0)
                : "");
      }
    }
    JsonNode plugin = result.path("plugin");
    if (!plugin.isMissingNode()) {
      out.println();
      out.printf(
          "plugin launch → handshake + health: median %.0f ms (min %.0f, max %.0f)%n",
          plugin.path("launchMedianMs").asDouble(),
          plugin.path("launchMinMs").asDouble(),
          plugin.path("launchMaxMs").asDouble());
      out.printf(
          "GetState round trip: p50 %.0f µs, p99 %.0f µs; %.0f calls/s sequential, %.0f/s with %d"
              + " threads%n",
          plugin.path("getStateP50Us").asDouble(),
          plugin.path("getStateP99Us").asDouble(),
          plugin.path("getStateSequentialPerSecond").asDouble(),
          plugin.path("getStateConcurrentPerSecond").asDouble(),
          plugin.path("threads").asInt());
    }
    out.flush();
  }

  private static String cell(JsonNode timing) {
    if (timing.isMissingNode()) {
      return "-";
    }
    return String.format(
        "%.0f ms (%.0f–%.0f) %.0f",
        timing.path("medianMs").asDouble(),
        timing.path("p10Ms").asDouble(),
        timing.path("p90Ms").asDouble(),
        timing.path("cpuMs").asDouble());
  }

  private static int compareScenarios(String a, String b) {
    int ia = ORDER.indexOf(a);
    int ib = ORDER.indexOf(b);
    if (ia >= 0 && ib >= 0) {
      return Integer.compare(ia, ib);
    }
    if (ia >= 0 || ib >= 0) {
      return ia >= 0 ? -1 : 1;
    }
    return a.compareTo(b);
  }

  private static String text(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8).strip() : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes the results of a raw directory and prints the table.
   *
   * @param args the raw directory and the results file
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println("usage: BenchReport RAW_DIR RESULTS_JSON");
      System.exit(2);
    }
    BenchReport report = new BenchReport();
    ObjectNode result = report.read(Path.of(args[0]));
    report.json.writerWithDefaultPrettyPrinter().writeValue(Path.of(args[1]).toFile(), result);
    print(result, new PrintWriter(System.out, true, StandardCharsets.UTF_8));
  }
}
