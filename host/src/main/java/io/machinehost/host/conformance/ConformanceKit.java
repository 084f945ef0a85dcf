package io.machinehost.host.conformance;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.machinehost.host.conformance.CheckResult.Outcome;
import io.machinehost.host.driver.MachineDriver;
import io.machinehost.host.plugin.PluginLauncher;
import io.machinehost.host.plugin.PluginProcess;
import io.machinehost.proto.plugin.Empty;
import io.machinehost.proto.plugin.GRPCControllerGrpc;
import io.machinehost.sdk.Capability;
import io.machinehost.sdk.CreateFlag;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.FlagValues;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.Operation;
import io.machinehost.sdk.rpc.Handshake;
import io.machinehost.sdk.rpc.PluginChannels;
import io.machinehost.sdk.rpc.PluginInfo;
import io.machinehost.sdk.rpc.PluginTls;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Tests a driver plugin executable, written in any language, against the protocol: its process
 * lifecycle through real launches, its contract (info, flags, errors), and the semantics of the
 * operations it declares, each repeated for idempotency. Checks the plugin cannot be judged on are
 * skipped with the reason.
 */
public final class ConformanceKit {
  private static final Duration STATE_WAIT = Duration.ofSeconds(60);

  private final Path executable;
  private final String driver;
  private final List<String> flagArgs;
  private final Path store;
  private final PrintStream out;
  private final List<CheckResult> results = new ArrayList<>();
  private final String prefix = "kit-" + Long.toHexString(System.nanoTime() & 0xffffff);

  private PluginProcess plugin;
  private PluginInfo info;
  private List<CreateFlag> flags;
  private FlagValues values;
  private MachineDriver machine;
  private boolean created;

  /**
   * Prepares a run.
   *
   * @param executable the plugin executable
   * @param driver the driver name it should report
   * @param flagArgs create flags for the semantic checks, as on the command line
   * @param store a scratch store root
   * @param out where each result is printed as it comes, or {@code null}
   */
  public ConformanceKit(
      Path executable, String driver, List<String> flagArgs, Path store, PrintStream out) {
    this.executable = executable;
    this.driver = driver;
    this.flagArgs = List.copyOf(flagArgs);
    this.store = store;
    this.out = out;
  }

  /** A check's body. */
  @FunctionalInterface
  private interface Body {
    String run() throws Exception;
  }

  /** Runs every check and returns the results in order. */
  public List<CheckResult> run() {
    try {
      lifecycle();
      contract();
      semantics();
    } finally {
      if (plugin != null) {
        plugin.close();
      }
    }
    return List.copyOf(results);
  }

  private void check(String group, String name, Body body) {
    long start = System.nanoTime();
    Outcome outcome;
    String reason;
    try {
      reason = body.run();
      outcome = Outcome.PASS;
    } catch (CheckSkipped e) {
      outcome = Outcome.SKIP;
      reason = e.getMessage();
    } catch (CheckFailure e) {
      outcome = Outcome.FAIL;
      reason = e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      outcome = Outcome.FAIL;
      reason = "interrupted";
    } catch (Exception e) {
      outcome = Outcome.FAIL;
      reason = e.getClass().getSimpleName() + ": " + e.getMessage();
    }
    CheckResult result =
        new CheckResult(
            group,
            group + "." + name,
            outcome,
            reason == null ? "" : reason,
            Duration.ofNanos(System.nanoTime() - start));
    results.add(result);
    if (out != null) {
      out.printf("%-4s %-40s %s%n", outcome, result.name(), result.reason());
      out.flush();
    }
  }

  private static void require(boolean condition, String message) throws CheckFailure {
    if (!condition) {
      throw new CheckFailure(message);
    }
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  private void lifecycle() {
    check(
        "lifecycle",
        "refuses-without-cookie",
        () -> {
          try (RawLaunch raw = RawLaunch.start(executable, false, "1", null)) {
            raw.closeStdin();
            require(raw.awaitExit(10_000), "still running 10 s after being started without cookie");
            require(raw.process().exitValue() != 0, "exited 0 without the cookie");
            require(
                raw.stdoutLines().isEmpty(),
                "printed on stdout without the cookie: " + raw.stdoutLines());
            require(!raw.stderr().isEmpty(), "said nothing on stderr about being a plugin");
            return "exit " + raw.process().exitValue() + ": " + firstLine(raw.stderr());
          }
        });
    check(
        "lifecycle",
        "handshake-alone-on-stdout",
        () -> {
          try (RawLaunch raw = RawLaunch.start(executable, true, "1", PluginTls.generate())) {
            String line = raw.firstLine(10_000);
            require(line != null, "no stdout line within 10 s; stderr: " + raw.stderr());
            Handshake h = parse(line);
            require(h.certificate().isPresent(), "no certificate (6th field) although mTLS asked");
            Thread.sleep(300);
            require(
                raw.stdoutLines().size() == 1,
                "stdout must carry the handshake line only, got " + raw.stdoutLines());
            return line.length() > 60 ? line.substring(0, 60) + "…" : line;
          }
        });
    check("lifecycle", "version-negotiation", this::versionNegotiation);
    check(
        "lifecycle",
        "stdin-eof-exit",
        () -> {
          try (RawLaunch raw = RawLaunch.start(executable, true, "1", PluginTls.generate())) {
            require(raw.firstLine(10_000) != null, "no handshake within 10 s");
            List<ProcessHandle> children = raw.process().toHandle().descendants().toList();
            long closed = System.nanoTime();
            raw.closeStdin();
            // The protocol allows 2 s; a little slack for a loaded machine.
            require(raw.awaitExit(2_500), "still running 2.5 s after stdin reached EOF");
            long ms = (System.nanoTime() - closed) / 1_000_000;
            Thread.sleep(200);
            List<ProcessHandle> left = children.stream().filter(ProcessHandle::isAlive).toList();
            require(left.isEmpty(), "left child processes behind: " + pids(left));
            return "exited " + ms + " ms after stdin EOF";
          }
        });
    check(
        "lifecycle",
        "launch",
        () -> {
          plugin = new PluginLauncher(PluginLauncher.Options.defaults()).launch(driver, executable);
          return "handshake " + plugin.handshake().network() + ", health SERVING";
        });
    check(
        "lifecycle",
        "health-serving",
        () -> {
          requirePlugin();
          HealthCheckResponse r =
              HealthGrpc.newBlockingStub(plugin.channel())
                  .withDeadlineAfter(5, TimeUnit.SECONDS)
                  .check(HealthCheckRequest.newBuilder().setService("plugin").build());
          require(r.getStatus() == HealthCheckResponse.ServingStatus.SERVING, "" + r.getStatus());
          return "plugin SERVING";
        });
    check(
        "lifecycle",
        "mtls-refuses-stranger",
        () -> {
          requirePlugin();
          for (PluginTls.Identity stranger :
              new PluginTls.Identity[] {PluginTls.generate(), null}) {
            ManagedChannel channel = PluginChannels.open(plugin.handshake(), stranger);
            try {
              HealthGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(5, TimeUnit.SECONDS)
                  .check(HealthCheckRequest.newBuilder().setService("plugin").build());
              throw new CheckFailure(
                  (stranger == null ? "a plaintext client" : "a client with another certificate")
                      + " was served");
            } catch (StatusRuntimeException expected) {
              // refused, as it must be
            } finally {
              channel.shutdownNow();
            }
          }
          return "foreign certificate and plaintext both refused";
        });
    check("lifecycle", "shutdown-honoured", this::shutdownHonoured);
  }

  private String versionNegotiation() throws Exception {
    StringBuilder said = new StringBuilder();
    for (String offered : List.of("1", "1,99", "99")) {
      try (RawLaunch raw = RawLaunch.start(executable, true, offered, PluginTls.generate())) {
        String line = raw.firstLine(10_000);
        if (offered.equals("99")) {
          // Nothing shared: the plugin may refuse, or answer a version of its own (not 99).
          if (line != null) {
            require(parse(line).app() != 99, "claimed version 99, which it cannot speak");
          }
          said.append("offered 99: ")
              .append(line == null ? "refused" : "answered " + parse(line).app());
        } else {
          require(line != null, "no handshake when offered " + offered);
          require(parse(line).app() == 1, "offered " + offered + ", chose " + parse(line).app());
          said.append("offered ").append(offered).append(": 1; ");
        }
      }
    }
    return said.toString();
  }

  private String shutdownHonoured() throws Exception {
    PluginTls.Identity client = PluginTls.generate();
    try (RawLaunch raw = RawLaunch.start(executable, true, "1", client)) {
      String line = raw.firstLine(10_000);
      require(line != null, "no handshake within 10 s");
      ManagedChannel channel = PluginChannels.open(parse(line), client);
      try {
        GRPCControllerGrpc.newBlockingStub(channel)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .shutdown(Empty.getDefaultInstance());
      } catch (StatusRuntimeException e) {
        throw new CheckFailure("plugin.GRPCController/Shutdown failed: " + e.getStatus(), e);
      } finally {
        channel.shutdownNow();
      }
      require(raw.awaitExit(5_000), "still running 5 s after Shutdown (stdin still open)");
      return "exited after Shutdown";
    }
  }

  private static Handshake parse(String line) throws CheckFailure {
    try {
      return Handshake.parse(line);
    } catch (IllegalArgumentException e) {
      throw new CheckFailure("malformed handshake \"" + line + "\": " + e.getMessage(), e);
    }
  }

  private void requirePlugin() throws CheckSkipped {
    if (plugin == null) {
      throw new CheckSkipped("the plugin did not launch");
    }
  }

  // ---- contract -------------------------------------------------------------------------------

  private void contract() {
    check(
        "contract",
        "plugin-info",
        () -> {
          requirePlugin();
          info = plugin.info();
          require(!info.name().isBlank(), "empty name");
          require(
              info.name().equals(driver),
              "reports name \"" + info.name() + "\" but is machine-driver-" + driver);
          require(!info.version().isBlank(), "empty version");
          require(info.protocolVersion() == 1, "protocol_version " + info.protocolVersion());
          require(
              plugin.driver("", store, "", Duration.ofSeconds(10)).driverName().equals(info.name()),
              "DriverName differs from GetPluginInfo name");
          return info.name() + " " + info.version() + ", capabilities " + info.capabilities();
        });
    check(
        "contract",
        "flags-well-formed",
        () -> {
          requirePlugin();
          try {
            flags = plugin.driver("", store, "", Duration.ofSeconds(10)).getCreateFlags();
          } catch (DriverException e) {
            throw new CheckFailure("GetCreateFlags: " + e.getMessage(), e);
          }
          Set<String> names = new HashSet<>();
          for (CreateFlag flag : flags) {
            require(names.add(flag.name()), "flag \"" + flag.name() + "\" declared twice");
            require(
                flag.choices().isEmpty()
                    || flag.type() == CreateFlag.Type.STRING
                    || flag.type() == CreateFlag.Type.STRING_LIST,
                "flag \"" + flag.name() + "\" has choices but is " + flag.type());
            require(
                flag.min() == null || flag.max() == null || flag.min() <= flag.max(),
                "flag \"" + flag.name() + "\" has min > max");
            require(!flag.usage().isBlank(), "flag \"" + flag.name() + "\" has no usage text");
          }
          return flags.size() + " flag(s): " + names;
        });
    check(
        "contract",
        "flag-arguments",
        () -> {
          if (flags == null) {
            throw new CheckSkipped("no flags to check against");
          }
          try {
            values = FlagValues.validate(flags, FlagArgs.parse(flags, flagArgs, System.getenv()));
          } catch (DriverException e) {
            throw new CheckFailure(
                e.getMessage()
                    + "; give the driver's create flags after --, e.g. machine plugin test "
                    + driver
                    + " -- --flag value");
          }
          return "validated " + values.names();
        });
    check("contract", "missing-required-flag", this::missingRequiredFlag);
  }

  private String missingRequiredFlag() throws Exception {
    requirePlugin();
    if (flags == null) {
      throw new CheckSkipped("flags unknown");
    }
    List<String> checked = new ArrayList<>();
    for (CreateFlag flag : flags) {
      if (!flag.required()) {
        continue;
      }
      Map<String, Object> without = new LinkedHashMap<>();
      if (values != null) {
        without.putAll(values.asMap());
      }
      without.remove(flag.name());
      MachineDriver m = plugin.machineDriver(prefix + "-flags", store, "", Duration.ofSeconds(10));
      try {
        m.setConfigFromFlags(FlagValues.unchecked(without));
        throw new CheckFailure("accepted a config without required flag \"" + flag.name() + "\"");
      } catch (DriverException e) {
        require(
            e.code() == DriverException.Code.INVALID_ARGUMENT,
            "without \"" + flag.name() + "\": " + e.code() + " instead of INVALID_ARGUMENT");
        require(
            e.flag().map(flag.name()::equals).orElse(false) || e.getMessage().contains(flag.name()),
            "the error does not name \"" + flag.name() + "\": " + e.getMessage());
        checked.add(flag.name() + (e.flag().isPresent() ? " (ErrorInfo)" : " (message)"));
      }
    }
    if (checked.isEmpty()) {
      throw new CheckSkipped("the driver has no required flag");
    }
    return "INVALID_ARGUMENT naming " + checked;
  }

  // ---- semantics ------------------------------------------------------------------------------

  private boolean has(Capability c) {
    return info != null && info.capabilities().contains(c);
  }

  private boolean managesInstances() {
    return has(Capability.START) || has(Capability.STOP) || has(Capability.KILL);
  }

  private MachineDriver newMachine(String suffix) throws Exception {
    String name = prefix + "-" + suffix;
    Files.createDirectories(store.resolve("machines").resolve(name));
    MachineDriver m = plugin.machineDriver(name, store, "", Duration.ofSeconds(30));
    m.setConfigFromFlags(values);
    return m;
  }

  private void requireCreated() throws CheckSkipped {
    if (!created) {
      throw new CheckSkipped("no machine was created");
    }
  }

  private MachineState awaitState(MachineDriver m, MachineState wanted) throws Exception {
    long deadline = System.nanoTime() + STATE_WAIT.toNanos();
    MachineState state = m.getState();
    while (state != wanted && System.nanoTime() < deadline) {
      Thread.sleep(250);
      state = m.getState();
    }
    require(state == wanted, "state is " + state + ", expected " + wanted);
    return state;
  }

  private void semantics() {
    check(
        "semantics",
        "create",
        () -> {
          requirePlugin();
          if (values == null) {
            throw new CheckSkipped("flag values invalid; pass the driver's flags after --");
          }
          machine = newMachine("a");
          machine.preCreateCheck();
          machine.create(Operation.none());
          created = true;
          awaitState(machine, MachineState.RUNNING);
          return "Create → Running";
        });
    if (has(Capability.START)) {
      lifecycleOperation("stop", Capability.STOP, MachineState.STOPPED);
      lifecycleOperation("start", Capability.START, MachineState.RUNNING);
      lifecycleOperation("restart", Capability.RESTART, MachineState.RUNNING);
      lifecycleOperation("kill", Capability.KILL, MachineState.STOPPED);
      check("semantics", "two-machines", this::twoMachines);
    } else {
      // Nothing brings a stopped machine back (the generic driver's host, say): what needs it
      // running comes first, and stopping last.
      lifecycleOperation("start", Capability.START, MachineState.RUNNING);
      lifecycleOperation("restart", Capability.RESTART, MachineState.RUNNING);
      check("semantics", "two-machines", this::twoMachines);
      lifecycleOperation("stop", Capability.STOP, MachineState.STOPPED);
      lifecycleOperation("kill", Capability.KILL, MachineState.STOPPED);
    }
    check("semantics", "unsupported-operations", this::unsupportedOperations);
    check(
        "semantics",
        "remove",
        () -> {
          requireCreated();
          machine.remove(Operation.none());
          machine.remove(Operation.none());
          if (!managesInstances()) {
            return "Remove twice succeeded (no instance to check: the driver declares no lifecycle)";
          }
          awaitState(machine, MachineState.NOT_FOUND);
          return "Remove twice → NotFound";
        });
    check(
        "semantics",
        "operations-on-removed-machine",
        () -> {
          requireCreated();
          if (!managesInstances()) {
            throw new CheckSkipped("the driver declares no start/stop/kill");
          }
          List<String> seen = new ArrayList<>();
          for (String op : List.of("start", "stop", "kill", "restart")) {
            if (!has(Capability.valueOf(op.toUpperCase(java.util.Locale.ROOT)))) {
              continue;
            }
            try {
              run(machine, op);
              throw new CheckFailure(op + " of a removed machine succeeded; expected NOT_FOUND");
            } catch (DriverException e) {
              require(
                  e.code() == DriverException.Code.NOT_FOUND,
                  op + " of a removed machine: " + e.code() + " instead of NOT_FOUND");
              seen.add(op);
            }
          }
          return "NOT_FOUND for " + seen;
        });
    check("semantics", "cancel-create", this::cancelCreate);
  }

  private void lifecycleOperation(String op, Capability capability, MachineState expected) {
    check(
        "semantics",
        op,
        () -> {
          requireCreated();
          if (!has(capability)) {
            throw new CheckSkipped("the driver does not declare " + capability);
          }
          run(machine, op);
          awaitState(machine, expected);
          if (!op.equals("restart")) {
            run(machine, op);
            awaitState(machine, expected);
            return op + " twice → " + expected;
          }
          return "restart → " + expected;
        });
  }

  private String twoMachines() throws Exception {
    requireCreated();
    if (!has(Capability.STOP) || !has(Capability.START)) {
      MachineDriver b = newMachine("b");
      b.create(Operation.none());
      try {
        awaitState(b, MachineState.RUNNING);
        awaitState(machine, machine.getState());
      } finally {
        b.remove(Operation.none());
      }
      return "a second machine created and removed beside the first";
    }
    run(machine, "start");
    awaitState(machine, MachineState.RUNNING);
    MachineDriver b = newMachine("b");
    b.create(Operation.none());
    try {
      awaitState(b, MachineState.RUNNING);
      b.stop(Operation.none());
      awaitState(b, MachineState.STOPPED);
      require(
          machine.getState() == MachineState.RUNNING,
          "stopping machine b changed machine a to " + machine.getState());
    } finally {
      b.remove(Operation.none());
    }
    return "b stopped while a kept Running, in one process";
  }

  private String unsupportedOperations() throws Exception {
    requireCreated();
    List<String> checked = new ArrayList<>();
    for (String op : List.of("start", "stop", "kill", "restart")) {
      if (has(Capability.valueOf(op.toUpperCase(java.util.Locale.ROOT)))) {
        continue;
      }
      try {
        run(machine, op);
        throw new CheckFailure(op + " is not declared but succeeded");
      } catch (DriverException e) {
        require(
            e.code() == DriverException.Code.NOT_SUPPORTED,
            op + " is not declared; got " + e.code() + " instead of UNIMPLEMENTED");
        checked.add(op);
      }
    }
    if (checked.isEmpty()) {
      throw new CheckSkipped("the driver declares every operation");
    }
    return "UNIMPLEMENTED for " + checked;
  }

  private String cancelCreate() throws Exception {
    requirePlugin();
    if (!has(Capability.CANCEL_CREATE)) {
      throw new CheckSkipped("the driver does not declare CANCEL_CREATE");
    }
    if (values == null) {
      throw new CheckSkipped("flag values invalid");
    }
    MachineDriver c = newMachine("cancel");
    String before = c.getConfigRaw();
    CancellingOperation operation = new CancellingOperation();
    CompletableFuture<DriverException> result =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                c.create(operation);
                return null;
              } catch (DriverException e) {
                return e;
              }
            });
    operation.cancelSoon(Duration.ofMillis(300));
    DriverException e = result.get(120, TimeUnit.SECONDS);
    if (e == null) {
      c.remove(Operation.none());
      throw new CheckSkipped("create finished before it could be cancelled");
    }
    require(e.code() == DriverException.Code.CANCELLED, "cancelled create ended " + e.code());
    // The plugin goes on cleaning up after the cancel; give it time, then look.
    c.setConfigRaw(before);
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    MachineState state = c.getState();
    while (state != MachineState.NOT_FOUND
        && state != MachineState.NONE
        && System.nanoTime() < deadline) {
      Thread.sleep(250);
      state = c.getState();
    }
    require(
        state == MachineState.NOT_FOUND || state == MachineState.NONE,
        "after a cancelled create the machine is " + state + "; it should have been cleaned up");
    return "cancelled create left nothing (" + state + ")";
  }

  private static void run(MachineDriver m, String op) throws DriverException {
    switch (op) {
      case "start" -> m.start(Operation.none());
      case "stop" -> m.stop(Operation.none());
      case "kill" -> m.kill(Operation.none());
      case "restart" -> m.restart(Operation.none());
      default -> throw new IllegalArgumentException(op);
    }
  }

  private static String pids(List<ProcessHandle> handles) {
    return handles.stream().map(h -> Long.toString(h.pid())).toList().toString();
  }

  private static String firstLine(String text) {
    int nl = text.indexOf('\n');
    return nl < 0 ? text : text.substring(0, nl);
  }

  /** Makes a fresh scratch store. */
  public static Path scratchStore() throws IOException {
    return Files.createTempDirectory("machine-plugin-test-");
  }
}
