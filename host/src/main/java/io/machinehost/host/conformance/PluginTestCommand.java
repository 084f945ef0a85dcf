package io.machinehost.host.conformance;

import io.machinehost.host.legacy.LegacyConformance;
import io.machinehost.host.plugin.PluginLocator;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code machine plugin test}: the conformance kit on the command line. */
@Command(
    name = "test",
    mixinStandardHelpOptions = true,
    description = {
      "Test a driver plugin against the machinehost protocol: its process lifecycle, its contract"
          + " and the semantics of the operations it declares.",
      "Driver flags for the create it makes go after --, e.g.:",
      "  machine plugin test none -- --url tcp://127.0.0.1:2376",
      "semantics.cancel-create cancels a Create shortly after it starts (see --cancel-after); a"
          + " Create that already finished by then is removed and the check skipped."
    })
public final class PluginTestCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "DRIVER",
      description = "A driver name (found like any driver) or the path of an executable.")
  String driver;

  @Parameters(
      index = "1..*",
      paramLabel = "FLAGS",
      description = "Create flags for the driver, after --.")
  List<String> flags = new ArrayList<>();

  @Option(names = "--junit", paramLabel = "FILE", description = "Also write a JUnit XML report.")
  Path junit;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write a JSON report.")
  Path json;

  @Option(
      names = "--cancel-after",
      paramLabel = "MS",
      description =
          "When semantics.cancel-create cancels its Create, in milliseconds after the call (default:"
              + " half the time the first Create took, between 50 and 300).")
  Long cancelAfter;

  private final Function<String, Optional<Path>> locator;
  private final Function<String, Optional<Path>> legacyLocator;

  /** Finds drivers on the standard search path (docker-machine plugins where no native one). */
  public PluginTestCommand() {
    this(name -> standardLocator().find(name), name -> standardLocator().findLegacy(name));
  }

  private static PluginLocator standardLocator() {
    return PluginLocator.standard(
        System.getenv(),
        Path.of(
            Optional.ofNullable(System.getenv("MACHINE_STORAGE_PATH"))
                .orElse(System.getProperty("user.home") + "/.machine")),
        Optional.ofNullable(System.getProperty("machinehost.launcher"))
            .map(p -> Path.of(p).toAbsolutePath().getParent())
            .orElse(null));
  }

  /** Finds drivers with the given locator. */
  public PluginTestCommand(Function<String, Optional<Path>> locator) {
    this(locator, null);
  }

  /** Finds native drivers with one locator and docker-machine plugins with the other. */
  public PluginTestCommand(
      Function<String, Optional<Path>> locator, Function<String, Optional<Path>> legacyLocator) {
    this.locator = locator;
    this.legacyLocator = legacyLocator;
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path executable;
    String name;
    boolean legacy = false;
    if (driver.contains("/")) {
      executable = Path.of(driver).toAbsolutePath();
      String file = executable.getFileName().toString();
      name =
          file.startsWith(PluginLocator.PREFIX)
              ? file.substring(PluginLocator.PREFIX.length())
              : file.startsWith(PluginLocator.LEGACY_PREFIX)
                  ? file.substring(PluginLocator.LEGACY_PREFIX.length())
                  : file;
      legacy = file.startsWith(PluginLocator.LEGACY_PREFIX);
      if (!Files.isExecutable(executable)) {
        err.println("Error: " + executable + " is not an executable file");
        return 1;
      }
    } else {
      name = driver;
      Optional<Path> found = locator.apply(driver);
      if (found.isEmpty() && legacyLocator != null) {
        found = legacyLocator.apply(driver);
        legacy = found.isPresent();
      }
      if (found.isEmpty()) {
        err.printf(
            "Error: driver \"%s\" not found: no executable %s%s on the plugin path; run \"machine"
                + " plugin ls\", or give the executable's path%n",
            driver, PluginLocator.PREFIX, driver);
        return 1;
      }
      executable = found.get();
    }
    out.println("Testing " + executable);
    out.flush();
    Path store = ConformanceKit.scratchStore();
    List<CheckResult> results;
    try (var printer = new java.io.PrintStream(new WriterOutputStream(out), true, "UTF-8")) {
      if (legacy) {
        results = new LegacyConformance(executable, name, flags, store, printer).run();
      } else {
        ConformanceKit kit = new ConformanceKit(executable, name, flags, store, printer);
        if (cancelAfter != null) {
          if (cancelAfter < 0) {
            err.println("Error: --cancel-after must be a number of milliseconds, 0 or more");
            return 2;
          }
          kit.cancelAfter(java.time.Duration.ofMillis(cancelAfter));
        }
        results = kit.run();
      }
    } finally {
      deleteTree(store);
    }
    long failed = Reports.count(results, CheckResult.Outcome.FAIL);
    out.printf(
        "%d passed, %d failed, %d skipped%n",
        Reports.count(results, CheckResult.Outcome.PASS),
        failed,
        Reports.count(results, CheckResult.Outcome.SKIP));
    if (junit != null) {
      Reports.writeJunit(junit, name, results);
    }
    if (json != null) {
      Reports.writeJson(json, name, results);
    }
    return failed == 0 ? 0 : 1;
  }

  static void deleteTree(Path root) {
    try (var paths = Files.walk(root)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException e) {
      // scratch space in the temp dir
    }
  }

  /** Bridges the kit's line printer to picocli's writer. */
  private static final class WriterOutputStream extends java.io.OutputStream {
    private final PrintWriter writer;
    private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

    WriterOutputStream(PrintWriter writer) {
      this.writer = writer;
    }

    @Override
    public void write(int b) {
      line.write(b);
      if (b == '\n') {
        flush();
      }
    }

    @Override
    public void flush() {
      writer.print(line.toString(java.nio.charset.StandardCharsets.UTF_8));
      writer.flush();
      line.reset();
    }
  }
}
