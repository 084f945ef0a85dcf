package io.machinehost.host.legacy;

import io.machinehost.host.conformance.CheckResult;
import io.machinehost.host.conformance.CheckResult.Outcome;
import io.machinehost.host.conformance.FlagArgs;
import io.machinehost.host.plugin.LegacyProcess;
import io.machinehost.host.plugin.PluginLauncher;
import io.machinehost.sdk.CreateFlag;
import io.machinehost.sdk.FlagValues;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.Operation;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code machine plugin test} for a docker-machine legacy plugin: the checks of the conformance kit
 * that apply to the legacy protocol, through the same bridge commands use. Checks of what the
 * legacy protocol does not have are reported as skipped, with the reason.
 */
public final class LegacyConformance {
  /** A check's body: returns a note, or throws to fail. */
  @FunctionalInterface
  private interface Body {
    String run() throws Exception;
  }

  private static final class Skip extends Exception {
    private static final long serialVersionUID = 1L;

    Skip(String reason) {
      super(reason);
    }
  }

  private final Path executable;
  private final String driver;
  private final List<String> flagArgs;
  private final Path store;
  private final PrintStream out;
  private final PluginLauncher.Options options = PluginLauncher.Options.defaults();
  private final List<CheckResult> results = new ArrayList<>();
  private final String machine = "kit-" + Long.toHexString(System.nanoTime() & 0xffffff);

  /**
   * Prepares a run.
   *
   * @param executable the plugin binary
   * @param driver the driver name it should serve
   * @param flagArgs create flags for the semantic checks, as on the command line
   * @param store a scratch store root
   * @param out where each result is printed as it comes, or {@code null}
   */
  public LegacyConformance(
      Path executable, String driver, List<String> flagArgs, Path store, PrintStream out) {
    this.executable = executable;
    this.driver = driver;
    this.flagArgs = List.copyOf(flagArgs);
    this.store = store;
    this.out = out;
  }

  private void check(String group, String name, Body body) {
    long start = System.nanoTime();
    Outcome outcome;
    String reason;
    try {
      reason = body.run();
      outcome = Outcome.PASS;
    } catch (Skip e) {
      outcome = Outcome.SKIP;
      reason = e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      outcome = Outcome.FAIL;
      reason = "interrupted";
    } catch (Exception e) {
      outcome = Outcome.FAIL;
      reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
    CheckResult result =
        new CheckResult(
            group,
            group + "." + name,
            outcome,
            reason == null ? "" : reason.lines().findFirst().orElse(""),
            Duration.ofNanos(System.nanoTime() - start));
    results.add(result);
    if (out != null) {
      out.printf("%-4s %-40s %s%n", outcome, result.name(), result.reason());
      out.flush();
    }
  }

  private static void require(boolean condition, String message) throws Exception {
    if (!condition) {
      throw new Exception(message);
    }
  }

  private LegacyMachineDriver open(String machineName) throws Exception {
    LegacyPlugin plugin =
        LegacyPlugin.connect(LegacyProcess.launch(driver, executable, options, null));
    return new LegacyMachineDriver(
        plugin, driver, machineName, store.toString(), "", Duration.ofSeconds(30));
  }

  /** Runs every check and returns the results in order. */
  public List<CheckResult> run() {
    lifecycle();
    contract();
    semantics();
    return List.copyOf(results);
  }

  private void lifecycle() {
    check("lifecycle", "refuses-without-token", this::refusesWithoutToken);
    check(
        "lifecycle",
        "address-and-version",
        () -> {
          try (LegacyMachineDriver d = open("")) {
            return "API version "
                + LegacyPlugin.API_VERSION
                + " on loopback TCP, config of "
                + d.getConfigRaw().length()
                + " bytes";
          }
        });
    check("lifecycle", "close-honoured", this::closeHonoured);
    check("lifecycle", "heartbeat-timeout", this::heartbeatTimeout);
    skip(
        "lifecycle",
        "channel-authentication",
        "the legacy protocol has none: any local process can call an unauthenticated loopback TCP"
            + " server");
    skip("lifecycle", "health-service", "the legacy protocol has no health service");
    skip("lifecycle", "version-negotiation", "the legacy protocol has one API version (checked)");
    skip("lifecycle", "stdin-lifeline", "legacy plugins end by their heartbeat timeout (checked)");
  }

  private void skip(String group, String name, String reason) {
    check(
        group,
        name,
        () -> {
          throw new Skip(reason);
        });
  }

  private String refusesWithoutToken() throws Exception {
    ProcessBuilder builder = new ProcessBuilder(executable.toString());
    builder.environment().remove(LegacyProcess.TOKEN_KEY);
    builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    Process p = builder.start();
    try {
      String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      require(p.waitFor(5, TimeUnit.SECONDS), "still running 5 s after a start without the token");
      require(p.exitValue() != 0, "exited 0 when started without MACHINE_PLUGIN_TOKEN");
      require(stdout.isBlank(), "printed on stdout without the token: " + stdout.strip());
      require(!stderr.isBlank(), "said nothing on stderr when started without the token");
      return "exit " + p.exitValue() + ": " + stderr.lines().findFirst().orElse("");
    } finally {
      p.destroyForcibly();
    }
  }

  private String closeHonoured() throws Exception {
    LegacyProcess process = LegacyProcess.launch(driver, executable, options, null);
    LegacyPlugin plugin = LegacyPlugin.connect(process);
    plugin.close();
    Integer code = process.exitValue();
    require(code != null && code == 0, "did not exit by itself after Close (exit " + code + ")");
    return "exited 0 after Close";
  }

  private String heartbeatTimeout() throws Exception {
    LegacyProcess process = LegacyProcess.launch(driver, executable, options, null);
    try (RpcClient rpc = RpcClient.connect(process.address(), Duration.ofSeconds(5))) {
      require(rpc.broken() == null, "the connection failed at once");
      long start = System.nanoTime();
      while (process.isAlive() && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20)) {
        Thread.sleep(100);
      }
      require(!process.isAlive(), "still running 20 s without a heartbeat");
      return "exited after "
          + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)
          + " s without a heartbeat";
    } finally {
      process.kill();
    }
  }

  private List<CreateFlag> flags;

  private void contract() {
    check(
        "contract",
        "driver-name",
        () -> {
          try (LegacyMachineDriver d = open("")) {
            String name = d.driverName();
            require(
                name.equals(driver), "DriverName says \"" + name + "\", not \"" + driver + "\"");
            return name;
          }
        });
    check(
        "contract",
        "create-flags",
        () -> {
          try (LegacyMachineDriver d = open("")) {
            flags = d.getCreateFlags();
            List<String> unprefixed =
                flags.stream()
                    .map(CreateFlag::name)
                    .filter(n -> !n.startsWith(driver + "-"))
                    .toList();
            return flags.size()
                + " typed flags"
                + (unprefixed.isEmpty() ? "" : "; not prefixed \"" + driver + "-\": " + unprefixed);
          }
        });
    skip("contract", "missing-required-flag", "mcnflag flags carry no required mark");
  }

  private void semantics() {
    check("semantics", "lifecycle", this::lifecycleOperations);
    skip(
        "semantics",
        "two-machines",
        "a legacy plugin process serves one machine: machine starts one per machine");
    skip("semantics", "cancel-create", "the legacy protocol cannot cancel an operation");
  }

  private static void expect(LegacyMachineDriver d, MachineState want, String after)
      throws Exception {
    MachineState got = d.getState();
    require(
        got == want,
        "state " + got.displayName() + " after " + after + ", not " + want.displayName());
  }

  private String lifecycleOperations() throws Exception {
    if (flags == null) {
      throw new Skip("the create flags could not be read");
    }
    try (LegacyMachineDriver d = open(machine)) {
      FlagValues values =
          FlagValues.validate(flags, FlagArgs.parse(flags, flagArgs, System.getenv()));
      d.setConfigFromFlags(values);
      d.preCreateCheck();
      d.create(Operation.none());
      try {
        expect(d, MachineState.RUNNING, "create");
        require(!d.getUrl().isEmpty(), "no URL for a running machine");
        d.stop(Operation.none());
        expect(d, MachineState.STOPPED, "stop");
        d.stop(Operation.none());
        expect(d, MachineState.STOPPED, "a second stop");
        d.start(Operation.none());
        expect(d, MachineState.RUNNING, "start");
        d.start(Operation.none());
        d.restart(Operation.none());
        expect(d, MachineState.RUNNING, "restart");
        d.kill(Operation.none());
        expect(d, MachineState.STOPPED, "kill");
      } finally {
        d.remove(Operation.none());
      }
      d.remove(Operation.none());
      return "create, stop ×2, start ×2, restart, kill, remove ×2";
    }
  }
}
