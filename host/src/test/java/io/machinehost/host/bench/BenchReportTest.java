package io.machinehost.host.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchReportTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path raw;

  private void hyperfine(String file, String command, double user, double... seconds)
      throws Exception {
    var result = JSON.createObjectNode();
    var r = result.putArray("results").addObject();
    r.put("command", command);
    r.put("user", user);
    r.put("system", 0.01);
    var times = r.putArray("times");
    for (double s : seconds) {
      times.add(s);
    }
    Files.writeString(raw.resolve(file), JSON.writeValueAsString(result));
  }

  @Test
  void read_rawFigures_summarisedPerScenarioAndMode() throws Exception {
    hyperfine("ls-50.reuse.json", "machine ls", 0.2, 0.3, 0.1, 0.2, 0.5, 0.4);
    hyperfine("ls-50.noreuse.json", "machine ls", 0.9, 1.0);
    hyperfine("status.reuse.json", "machine status m0", 0.1, 0.12);
    hyperfine("zzz.reuse.json", "machine zzz", 0.1, 0.12);
    Files.writeString(raw.resolve("rss-host.reuse.txt"), "102400\n");
    Files.writeString(raw.resolve("rss-plugin.reuse.txt"), "51200\n");
    Files.writeString(raw.resolve("load-before.txt"), "2 cores; 0.50, 0.40, 0.30");
    Files.writeString(
        raw.resolve("plugin-bench.json"), "{\"launchMedianMs\": 300, \"getStateP50Us\": 120}");

    JsonNode result = new BenchReport().read(raw);

    JsonNode ls = result.path("commands").path("ls-50").path("reuse");
    assertThat(ls.path("runs").asInt()).isEqualTo(5);
    assertThat(ls.path("medianMs").asDouble()).isEqualTo(300.0);
    assertThat(ls.path("minMs").asDouble()).isEqualTo(100.0);
    assertThat(ls.path("maxMs").asDouble()).isEqualTo(500.0);
    assertThat(ls.path("p10Ms").asDouble()).isEqualTo(140.0);
    assertThat(ls.path("p90Ms").asDouble()).isEqualTo(460.0);
    assertThat(ls.path("cpuMs").asDouble()).isEqualTo(210.0);
    assertThat(result.path("commands").path("ls-50").path("noreuse").path("medianMs").asDouble())
        .isEqualTo(1000.0);
    List<String> order = List.copyOf(iterable(result.path("commands")));
    assertThat(order).containsExactly("ls-50", "status", "zzz");
    assertThat(result.path("peakRssLs50").path("reuse").path("hostKb").asLong()).isEqualTo(102400);
    assertThat(result.path("peakRssLs50").path("reuse").path("pluginKb").asLong()).isEqualTo(51200);
    assertThat(result.path("plugin").path("launchMedianMs").asInt()).isEqualTo(300);
    assertThat(result.path("load").path("before").asText()).contains("0.50");

    StringWriter table = new StringWriter();
    BenchReport.print(result, new PrintWriter(table));
    assertThat(table.toString())
        .containsPattern("ls-50 +\\| 300 ms \\(140–460\\) 210 +\\| 1000 ms \\(1000–1000\\)")
        .contains("host  100.0   plugin   50.0")
        .contains("median 300 ms");
  }

  @Test
  void timing_notAHyperfineExport_saysSo() throws Exception {
    assertThatThrownBy(() -> BenchReport.timing(JSON.readTree("{\"results\": []}")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a hyperfine export");
  }

  @Test
  void percentile_interpolatesBetweenNeighbours() {
    double[] sorted = {10, 20, 30, 40};

    assertThat(BenchReport.percentile(sorted, 50)).isEqualTo(25.0);
    assertThat(BenchReport.percentile(sorted, 0)).isEqualTo(10.0);
    assertThat(BenchReport.percentile(sorted, 100)).isEqualTo(40.0);
    assertThat(BenchReport.percentile(new double[] {7}, 90)).isEqualTo(7.0);
  }

  private static List<String> iterable(JsonNode node) {
    List<String> names = new java.util.ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
