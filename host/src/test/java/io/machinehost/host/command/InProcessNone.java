package io.machinehost.host.command;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.machinehost.driver.none.NoneDriver;
import io.machinehost.host.CliEnvironment;
import io.machinehost.host.MachineCli;
import io.machinehost.host.store.FileMachineStore;
import io.machinehost.host.store.MachineRecord;
import io.machinehost.sdk.FlagValues;
import io.machinehost.sdk.rpc.DriverGrpcService;
import io.machinehost.sdk.rpc.GrpcDriverClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The none driver behind the real gRPC service, in process, as every command's driver pool: the
 * commands that only read a machine's URL and state (env, config) run against it with no process.
 */
final class InProcessNone implements DriverPool {
  private final Server server;
  private final ManagedChannel channel;
  private final Path store;

  InProcessNone(Path store) throws IOException {
    this.store = store;
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(new DriverGrpcService(NoneDriver::new, "test", 1))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @Override
  public GrpcDriverClient plugin(String driver) throws CliException {
    return machine(driver, "", "", Duration.ZERO);
  }

  @Override
  public GrpcDriverClient machine(
      String driver, String machine, String configJson, Duration callTimeout) throws CliException {
    if (!driver.equals("none")) {
      throw new CliException(3, "driver \"" + driver + "\" not found", null);
    }
    return new GrpcDriverClient(
        channel, "none", machine, store.toString(), configJson, Duration.ofSeconds(10));
  }

  /** Stores a none machine pointing at {@code url}. */
  void addMachine(String name, String url) throws Exception {
    GrpcDriverClient client = machine("none", name, "", Duration.ZERO);
    client.setConfigFromFlags(FlagValues.validate(client.getCreateFlags(), Map.of("url", url)));
    FileMachineStore machines = new FileMachineStore(store);
    machines.reserve(name);
    machines.save(
        new MachineRecord(
            name,
            "none",
            FileMachineStore.parseConfig(client.getConfigRaw()),
            MachineRecord.HostOptions.empty(),
            Instant.now(),
            ""));
  }

  /** What one command line printed and returned. */
  record Run(int exitCode, String out, String err) {}

  /** Runs a command line in {@code env} (plus the store), answering prompts with {@code stdin}. */
  Run run(Map<String, String> env, String stdin, String... args) {
    Map<String, String> all = new java.util.HashMap<>(env);
    all.put("MACHINE_STORAGE_PATH", store.toString());
    CliEnvironment environment =
        new CliEnvironment(
            all,
            store.getParent(),
            null,
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            false,
            session -> this);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = MachineCli.execute(environment, new PrintWriter(out), new PrintWriter(err), args);
    return new Run(code, out.toString(), err.toString());
  }

  @Override
  public void close() {
    // one pool serves several commands of a test: see shutdown()
  }

  /** Ends the in-process server. */
  void shutdown() throws InterruptedException {
    channel.shutdownNow();
    server.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}
