package io.machinehost.sdk.testing;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.machinehost.sdk.Driver;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.DriverFactory;
import io.machinehost.sdk.FlagValues;
import io.machinehost.sdk.Operation;
import io.machinehost.sdk.rpc.DriverGrpcService;
import io.machinehost.sdk.rpc.GrpcDriverClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Runs a driver behind the real gRPC service, in process, for driver unit tests: what a test calls
 * goes through the same service, error mapping and config round trip as in a real plugin.
 *
 * <pre>{@code
 * try (DriverHarness harness = new DriverHarness(MyDriver::new)) {
 *   Driver m = harness.machine("m1");
 *   harness.configure(m, Map.of("url", "tcp://127.0.0.1:2376"));
 *   m.create(Operation.none());
 * }
 * }</pre>
 */
public final class DriverHarness implements AutoCloseable {
  // Calls run on their own threads, as in a plugin, so a blocked call can be cancelled.
  private static final ExecutorService EXECUTOR =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "driver-harness-call");
            t.setDaemon(true);
            return t;
          });

  private final Server server;
  private final ManagedChannel channel;
  private final Path storePath;
  private final boolean ownStore;

  /**
   * Serves a driver with a fresh temporary store, deleted by {@link #close()}.
   *
   * @param factory makes drivers, e.g. {@code MyDriver::new}
   * @throws java.io.UncheckedIOException if the temporary store cannot be made
   */
  public DriverHarness(DriverFactory factory) {
    this(factory, null);
  }

  /**
   * Serves a driver with the given store root.
   *
   * @param factory makes drivers
   * @param storePath the store root, or {@code null} for a fresh temporary one
   * @throws java.io.UncheckedIOException if the temporary store cannot be made
   */
  public DriverHarness(DriverFactory factory, Path storePath) {
    try {
      this.ownStore = storePath == null;
      this.storePath = ownStore ? Files.createTempDirectory("machinehost-harness-") : storePath;
      String name = InProcessServerBuilder.generateName();
      this.server =
          InProcessServerBuilder.forName(name)
              .executor(EXECUTOR)
              .addService(new DriverGrpcService(factory, "test", 1))
              .build()
              .start();
      this.channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Returns the store root.
   *
   * @return the absolute store root drivers are given
   */
  public Path storePath() {
    return storePath;
  }

  /**
   * Returns a client for a new machine of this driver, as the host makes one for {@code create}; it
   * keeps the machine's config across calls, as the host's store does.
   *
   * @param name the machine's name; its directory in the store is made
   * @return a {@link Driver} whose calls go through the real gRPC service
   * @throws java.io.UncheckedIOException if the machine's directory cannot be made
   */
  public GrpcDriverClient machine(String name) {
    try {
      Files.createDirectories(storePath.resolve("machines").resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new GrpcDriverClient(channel, "harness", name, storePath.toString(), "", Duration.ZERO);
  }

  /**
   * Returns a client for a machine with a given persisted config, as a host makes one for a machine
   * it loaded from its store; nothing is written.
   *
   * @param name the machine's name
   * @param configJson its persisted driver config, or empty
   * @param callTimeout the deadline of short calls; zero for none
   * @return a {@link Driver} whose calls go through the real gRPC service
   */
  public GrpcDriverClient client(String name, String configJson, Duration callTimeout) {
    return new GrpcDriverClient(
        channel, "harness", name, storePath.toString(), configJson, callTimeout);
  }

  /**
   * Validates flag values as the host does and configures the machine from them.
   *
   * @param machine a client from {@link #machine(String)}
   * @param flags values by flag name, without dashes ({@link String}, {@link Long}, {@link Boolean}
   *     or {@code List<String>}); the others take their defaults
   * @throws DriverException as the host would see it
   */
  public void configure(Driver machine, Map<String, Object> flags) throws DriverException {
    machine.setConfigFromFlags(FlagValues.validate(machine.getCreateFlags(), flags));
  }

  /**
   * Configures and creates a machine: {@link #configure}, {@code preCreateCheck}, then {@code
   * create}.
   *
   * @param name the machine's name
   * @param flags values by flag name, as for {@link #configure}
   * @return the machine's client
   * @throws DriverException as the host would see it
   */
  public GrpcDriverClient create(String name, Map<String, Object> flags) throws DriverException {
    GrpcDriverClient machine = machine(name);
    configure(machine, flags);
    machine.preCreateCheck();
    machine.create(Operation.none());
    return machine;
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (ownStore) {
      try (var paths = Files.walk(storePath)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        // temporary directory: left for the OS
      }
    }
  }
}
