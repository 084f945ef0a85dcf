package io.machinehost.host.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.machinehost.host.driver.MachineDriver;
import io.machinehost.host.plugin.PluginLauncher;
import io.machinehost.host.plugin.PluginLocator;
import io.machinehost.host.plugin.PluginProcess;
import io.machinehost.sdk.FlagValues;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code machine plugin bench}: measures a driver plugin over the real channel — launch to
 * handshake, and GetState round trips (latency percentiles and throughput), sequential and
 * concurrent. It prints a table and can write JSON.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Measure a driver plugin: launch → handshake time, and GetState round trips over the real"
          + " mutual-TLS channel.",
      "Driver flags for its machine go after --, e.g.:",
      "  machine plugin bench none -- --url tcp://127.0.0.1:2376"
    })
public final class PluginBenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DRIVER", description = "A driver name or executable path.")
  String driver;

  @Parameters(index = "1..*", paramLabel = "FLAGS", description = "Create flags, after --.")
  List<String> flags = new ArrayList<>();

  @Option(names = "--launches", description = "Launches to time (default ${DEFAULT-VALUE}).")
  int launches = 10;

  @Option(names = "--calls", description = "GetState calls to time (default ${DEFAULT-VALUE}).")
  int calls = 5000;

  @Option(names = "--threads", description = "Concurrent callers (default ${DEFAULT-VALUE}).")
  int threads = 8;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON.")
  Path json;

  private final Function<String, Optional<Path>> locator;

  /** Finds drivers on the standard search path. */
  public PluginBenchCommand() {
    this(
        name ->
            PluginLocator.standard(
                    System.getenv(),
                    Path.of(
                        Optional.ofNullable(System.getenv("MACHINE_STORAGE_PATH"))
                            .orElse(System.getProperty("user.home") + "/.machine")),
                    Optional.ofNullable(System.getProperty("machinehost.launcher"))
                        .map(p -> Path.of(p).toAbsolutePath().getParent())
                        .orElse(null))
                .find(name));
  }

  /** Finds drivers with the given locator. */
  public PluginBenchCommand(Function<String, Optional<Path>> locator) {
    this.locator = locator;
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path executable =
        driver.contains("/")
            ? Path.of(driver).toAbsolutePath()
            : locator
                .apply(driver)
                .orElseThrow(
                    () ->
                        new IllegalArgumentException(
                            "driver \"" + driver + "\" not found; run \"machine plugin ls\""));
    String name = executable.getFileName().toString().replaceFirst("^machine-driver-", "");
    PluginLauncher launcher = new PluginLauncher(PluginLauncher.Options.defaults());

    double[] launchMs = new double[launches];
    for (int i = 0; i < launches; i++) {
      long start = System.nanoTime();
      PluginProcess p = launcher.launch(name, executable);
      launchMs[i] = (System.nanoTime() - start) / 1e6;
      p.close();
    }

    Path store = Files.createTempDirectory("machine-plugin-bench-");
    ObjectNode result = new ObjectMapper().createObjectNode();
    try (PluginProcess plugin = launcher.launch(name, executable)) {
      MachineDriver machine = plugin.machineDriver("bench", store, "", Duration.ofSeconds(10));
      machine.setConfigFromFlags(
          FlagValues.validate(
              machine.getCreateFlags(),
              io.machinehost.host.conformance.FlagArgs.parse(
                  machine.getCreateFlags(), flags, System.getenv())));
      for (int i = 0; i < Math.min(calls, 500); i++) {
        machine.getState(); // warm-up: JIT, connection, TLS session
      }
      double[] sequential = new double[calls];
      long start = System.nanoTime();
      for (int i = 0; i < calls; i++) {
        long t = System.nanoTime();
        machine.getState();
        sequential[i] = (System.nanoTime() - t) / 1e3;
      }
      double sequentialRate = calls / ((System.nanoTime() - start) / 1e9);
      double concurrentRate = concurrent(machine);
      Arrays.sort(launchMs);
      Arrays.sort(sequential);
      out.printf("%-36s %10s%n", "driver", name);
      out.printf(
          "%-36s %10.0f ms  (min %.0f, max %.0f, %d runs)%n",
          "launch → handshake + health, median",
          median(launchMs),
          launchMs[0],
          launchMs[launchMs.length - 1],
          launches);
      out.printf("%-36s %10.0f µs%n", "GetState round trip p50", percentile(sequential, 50));
      out.printf("%-36s %10.0f µs%n", "GetState round trip p99", percentile(sequential, 99));
      out.printf("%-36s %10.0f /s%n", "GetState sequential", sequentialRate);
      out.printf("%-36s %10.0f /s (%d threads)%n", "GetState concurrent", concurrentRate, threads);
      result.put("driver", name);
      result.put("launchMedianMs", median(launchMs));
      result.put("launchMinMs", launchMs[0]);
      result.put("launchMaxMs", launchMs[launchMs.length - 1]);
      result.put("getStateP50Us", percentile(sequential, 50));
      result.put("getStateP99Us", percentile(sequential, 99));
      result.put("getStateSequentialPerSecond", sequentialRate);
      result.put("getStateConcurrentPerSecond", concurrentRate);
      result.put("threads", threads);
    } finally {
      try (var paths = Files.walk(store)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    if (json != null) {
      new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(json.toFile(), result);
    }
    return 0;
  }

  private double concurrent(MachineDriver machine) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      int each = Math.max(1, calls / threads);
      long start = System.nanoTime();
      List<Future<Void>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < each; i++) {
                    machine.getState();
                  }
                  return null;
                }));
      }
      for (Future<Void> f : futures) {
        f.get();
      }
      return each * (double) threads / ((System.nanoTime() - start) / 1e9);
    } finally {
      pool.shutdownNow();
    }
  }

  static double median(double[] sorted) {
    return percentile(sorted, 50);
  }

  static double percentile(double[] sorted, int p) {
    if (sorted.length == 0) {
      return 0;
    }
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }
}
