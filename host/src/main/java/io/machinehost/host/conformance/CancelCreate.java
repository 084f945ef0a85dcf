package io.machinehost.host.conformance;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.machinehost.host.driver.MachineDriver;
import io.machinehost.proto.driver.v1.CreateRequest;
import io.machinehost.proto.driver.v1.DriverServiceGrpc;
import io.machinehost.proto.driver.v1.Machine;
import io.machinehost.proto.driver.v1.OperationEvent;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.Operation;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The {@code semantics.cancel-create} check: a Create is cancelled a moment after it starts, and
 * the driver must leave nothing behind. It tells the two ways a machine can be left apart: a Create
 * that had already returned its result when the cancel was due (the cancel came too late: the kit
 * removes the machine and skips the check, saying how to make it apply) and a Create that was
 * cancelled before any result and made a machine all the same (the driver ignored the cancel).
 */
final class CancelCreate {
  /** The latest the kit cancels, unless told otherwise. */
  static final Duration LATEST = Duration.ofMillis(300);

  /** The soonest the kit cancels, so that the driver has begun. */
  static final Duration SOONEST = Duration.ofMillis(50);

  private static final Duration CLEANUP_WAIT = Duration.ofSeconds(30);

  private final ManagedChannel channel;
  private final MachineDriver machine;
  private final String name;
  private final String storePath;

  private final Object lock = new Object();
  private long resultNanos = -1;
  private long cancelNanos = -1;
  private long closedNanos = -1;
  private String resultConfig;

  CancelCreate(ManagedChannel channel, MachineDriver machine, String name, String storePath) {
    this.channel = channel;
    this.machine = machine;
    this.name = name;
    this.storePath = storePath;
  }

  /**
   * When the kit cancels: the {@code --cancel-after} given, else half the time the driver's first
   * Create took, between {@link #SOONEST} and {@link #LATEST}.
   */
  static Duration delay(Duration given, Duration createTook) {
    if (given != null) {
      return given;
    }
    if (createTook == null) {
      return LATEST;
    }
    Duration half = createTook.dividedBy(2);
    return half.compareTo(SOONEST) < 0 ? SOONEST : half.compareTo(LATEST) > 0 ? LATEST : half;
  }

  /** Runs the check; returns what passed, or throws why it failed or does not apply. */
  String run(Duration delay) throws Exception {
    String before = machine.getConfigRaw();
    CompletableFuture<Status> closed = new CompletableFuture<>();
    long started = System.nanoTime();
    ClientCallStreamObserver<?>[] call = new ClientCallStreamObserver<?>[1];
    DriverServiceGrpc.newStub(channel)
        .create(
            CreateRequest.newBuilder()
                .setMachine(
                    Machine.newBuilder()
                        .setName(name)
                        .setStorePath(storePath)
                        .setConfigJson(before)
                        .build())
                .build(),
            new ClientResponseObserver<CreateRequest, OperationEvent>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<CreateRequest> requestStream) {
                call[0] = requestStream;
              }

              @Override
              public void onNext(OperationEvent event) {
                if (event.hasResult()) {
                  synchronized (lock) {
                    if (cancelNanos < 0) {
                      resultNanos = System.nanoTime();
                      resultConfig = event.getResult().getConfigJson();
                    }
                  }
                }
              }

              @Override
              public void onError(Throwable t) {
                ended();
                closed.complete(Status.fromThrowable(t));
              }

              @Override
              public void onCompleted() {
                ended();
                closed.complete(Status.OK);
              }

              private void ended() {
                synchronized (lock) {
                  closedNanos = System.nanoTime();
                }
              }
            });
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    Status status;
    try {
      var unused =
          timer.schedule(
              () -> {
                synchronized (lock) {
                  if (resultNanos >= 0 || closedNanos >= 0) {
                    return; // Create is over: nothing to cancel
                  }
                  cancelNanos = System.nanoTime();
                }
                call[0].cancel("the conformance kit cancels this Create", null);
              },
              delay.toNanos(),
              TimeUnit.NANOSECONDS);
      status = closed.get(120, TimeUnit.SECONDS);
    } finally {
      timer.shutdownNow();
    }
    long resultAt;
    long cancelAt;
    synchronized (lock) {
      resultAt = resultNanos;
      cancelAt = cancelNanos;
    }
    if (cancelAt < 0 && resultAt < 0) {
      throw new CheckFailure(
          "Create failed by itself before the cancel was due: "
              + status.getCode()
              + " "
              + status.getDescription());
    }
    if (cancelAt < 0) {
      // The cancel came too late: Create had succeeded. Take the machine away, say how to judge.
      machine.setConfigRaw(resultConfig == null || resultConfig.isEmpty() ? before : resultConfig);
      machine.remove(Operation.none());
      throw new CheckSkipped(
          String.format(
              "Create returned its result after %d ms, before the cancel due at %d ms: the cancel"
                  + " came too late to judge (the machine was removed); make Create slower with"
                  + " the driver's own flags after --, or cancel sooner with --cancel-after MS",
              millis(resultAt - started), delay.toMillis()));
    }
    machine.setConfigRaw(before);
    long deadline = System.nanoTime() + CLEANUP_WAIT.toNanos();
    MachineState state = machine.getState();
    while (!gone(state) && System.nanoTime() < deadline) {
      Thread.sleep(250);
      state = machine.getState();
    }
    if (!gone(state)) {
      MachineState left = state;
      try {
        machine.remove(Operation.none());
      } catch (io.machinehost.sdk.DriverException e) {
        // reported below either way
      }
      throw new CheckFailure(
          String.format(
              "the kit cancelled Create at %d ms, before any result, and %d s later the machine is"
                  + " %s: the driver ignored the cancel (a cancelled Create must remove what it"
                  + " made, proto/README.md §12)",
              millis(cancelAt - started), CLEANUP_WAIT.toSeconds(), left));
    }
    return String.format(
        "cancelled at %d ms, before any result; the driver left nothing (%s)",
        millis(cancelAt - started), state);
  }

  private static boolean gone(MachineState state) {
    return state == MachineState.NOT_FOUND || state == MachineState.NONE;
  }

  private static long millis(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }
}
