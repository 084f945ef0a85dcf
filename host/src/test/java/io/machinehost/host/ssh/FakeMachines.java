package io.machinehost.host.ssh;

import io.machinehost.host.CliEnvironment;
import io.machinehost.host.MachineCli;
import io.machinehost.host.command.DriverPool;
import io.machinehost.host.driver.GrpcMachineDriver;
import io.machinehost.host.driver.MachineDriver;
import io.machinehost.host.store.FileMachineStore;
import io.machinehost.host.store.MachineRecord;
import io.machinehost.sdk.testing.DriverHarness;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * A store of {@link FakeSshDriver} machines served in process, and the CLI run against it with
 * captured output.
 */
final class FakeMachines implements AutoCloseable {
  private final Path store;
  private final DriverHarness harness;
  private final Map<String, String> env = new HashMap<>();

  FakeMachines(Path store) {
    this.store = store;
    this.harness = new DriverHarness(FakeSshDriver::new, store);
    env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
  }

  /** Adds a machine with the given driver config. */
  void add(String name, String configJson) throws Exception {
    FileMachineStore machines = new FileMachineStore(store);
    machines.reserve(name);
    machines.save(
        new MachineRecord(
            name,
            "fakessh",
            FileMachineStore.parseConfig(configJson),
            MachineRecord.HostOptions.empty(),
            Instant.now(),
            ""));
  }

  Path machineDir(String name) {
    return new FileMachineStore(store).machineDir(name);
  }

  /** Sets an environment variable of the commands run. */
  void env(String name, String value) {
    env.put(name, value);
  }

  /** The outcome of one command line. */
  record Result(int exitCode, String out, String err) {}

  Result run(String stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CliEnvironment environment =
        new CliEnvironment(
            env,
            store.resolve("home"),
            null,
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            false,
            session -> new Pool());
    String[] all = new String[args.length + 2];
    all[0] = "--storage-path";
    all[1] = store.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    int code =
        MachineCli.execute(
            environment, new PrintWriter(out, true), new PrintWriter(err, true), all);
    return new Result(code, out.toString(), err.toString());
  }

  private final class Pool implements DriverPool {
    @Override
    public MachineDriver plugin(String driver) {
      return new GrpcMachineDriver(harness.machine(""));
    }

    @Override
    public MachineDriver machine(
        String driver, String machine, String configJson, Duration callTimeout) {
      MachineDriver client = new GrpcMachineDriver(harness.machine(machine));
      client.setConfigRaw(configJson);
      return client;
    }

    @Override
    public void close() {}
  }

  @Override
  public void close() {
    harness.close();
  }
}
