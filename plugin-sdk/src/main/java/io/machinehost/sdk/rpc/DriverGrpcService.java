package io.machinehost.sdk.rpc;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.machinehost.proto.driver.v1.CreateRequest;
import io.machinehost.proto.driver.v1.DriverNameRequest;
import io.machinehost.proto.driver.v1.DriverNameResponse;
import io.machinehost.proto.driver.v1.DriverServiceGrpc;
import io.machinehost.proto.driver.v1.GetConfigRequest;
import io.machinehost.proto.driver.v1.GetConfigResponse;
import io.machinehost.proto.driver.v1.GetCreateFlagsRequest;
import io.machinehost.proto.driver.v1.GetCreateFlagsResponse;
import io.machinehost.proto.driver.v1.GetIpRequest;
import io.machinehost.proto.driver.v1.GetIpResponse;
import io.machinehost.proto.driver.v1.GetMachineNameRequest;
import io.machinehost.proto.driver.v1.GetMachineNameResponse;
import io.machinehost.proto.driver.v1.GetPluginInfoRequest;
import io.machinehost.proto.driver.v1.GetPluginInfoResponse;
import io.machinehost.proto.driver.v1.GetSshHostnameRequest;
import io.machinehost.proto.driver.v1.GetSshHostnameResponse;
import io.machinehost.proto.driver.v1.GetSshKeyPathRequest;
import io.machinehost.proto.driver.v1.GetSshKeyPathResponse;
import io.machinehost.proto.driver.v1.GetSshPortRequest;
import io.machinehost.proto.driver.v1.GetSshPortResponse;
import io.machinehost.proto.driver.v1.GetSshUsernameRequest;
import io.machinehost.proto.driver.v1.GetSshUsernameResponse;
import io.machinehost.proto.driver.v1.GetStateRequest;
import io.machinehost.proto.driver.v1.GetStateResponse;
import io.machinehost.proto.driver.v1.GetUrlRequest;
import io.machinehost.proto.driver.v1.GetUrlResponse;
import io.machinehost.proto.driver.v1.KillRequest;
import io.machinehost.proto.driver.v1.Machine;
import io.machinehost.proto.driver.v1.OperationEvent;
import io.machinehost.proto.driver.v1.OperationResult;
import io.machinehost.proto.driver.v1.PreCreateCheckRequest;
import io.machinehost.proto.driver.v1.PreCreateCheckResponse;
import io.machinehost.proto.driver.v1.Progress;
import io.machinehost.proto.driver.v1.RemoveRequest;
import io.machinehost.proto.driver.v1.RestartRequest;
import io.machinehost.proto.driver.v1.SetConfigFromFlagsRequest;
import io.machinehost.proto.driver.v1.SetConfigFromFlagsResponse;
import io.machinehost.proto.driver.v1.StartRequest;
import io.machinehost.proto.driver.v1.StopRequest;
import io.machinehost.sdk.Capability;
import io.machinehost.sdk.Driver;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.DriverFactory;
import io.machinehost.sdk.FlagValues;
import io.machinehost.sdk.Operation;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serves a {@link DriverFactory} as the {@code machine.driver.v1.DriverService}. Each call gets a
 * fresh driver with the machine's config restored; long operations stream progress and honour
 * cancellation; a stray {@link RuntimeException} becomes INTERNAL with its stack trace on stderr.
 */
public final class DriverGrpcService extends DriverServiceGrpc.DriverServiceImplBase {
  private final DriverFactory factory;
  private final String version;
  private final int protocolVersion;
  private final Set<ServerOperation> running = ConcurrentHashMap.newKeySet();
  private final Map<String, ReentrantLock> machineLocks = new ConcurrentHashMap<>();

  /**
   * Creates the service.
   *
   * @param factory makes drivers
   * @param version the driver's version, reported in plugin info
   * @param protocolVersion the negotiated protocol version
   */
  public DriverGrpcService(DriverFactory factory, String version, int protocolVersion) {
    this.factory = factory;
    this.version = version;
    this.protocolVersion = protocolVersion;
  }

  /** A call body that may fail with a driver error. */
  @FunctionalInterface
  private interface Call<T> {
    T run() throws DriverException;
  }

  /** A long operation on a driver. */
  @FunctionalInterface
  private interface OperationCall {
    void run(Driver driver, Operation operation) throws DriverException;
  }

  private static <T> void unary(StreamObserver<T> observer, Call<T> call) {
    T response;
    try {
      response = call.run();
    } catch (DriverException e) {
      observer.onError(StatusMapping.toStatus(e));
      return;
    } catch (RuntimeException e) {
      observer.onError(internal(e));
      return;
    }
    observer.onNext(response);
    observer.onCompleted();
  }

  private static RuntimeException internal(RuntimeException e) {
    System.err.println("machinehost: the driver failed unexpectedly");
    e.printStackTrace(System.err);
    return StatusMapping.toStatus(
        DriverException.internal("the driver failed unexpectedly: %s", e).withCause(e));
  }

  private Driver plugin() {
    return factory.newDriver("", "");
  }

  private static final java.util.regex.Pattern MACHINE_NAME =
      java.util.regex.Pattern.compile("^[a-zA-Z0-9][a-zA-Z0-9\\-.]*$");

  private Driver load(Machine machine) throws DriverException {
    if (!MACHINE_NAME.matcher(machine.getName()).matches()) {
      throw DriverException.invalidArgument(
          null,
          "machine name \"%s\" is not valid: it must match %s",
          machine.getName(),
          MACHINE_NAME.pattern());
    }
    if (!machine.getStorePath().startsWith("/")) {
      throw DriverException.invalidArgument(
          null, "store path \"%s\" is not absolute", machine.getStorePath());
    }
    Driver driver = factory.newDriver(machine.getName(), machine.getStorePath());
    driver.setConfigRaw(machine.getConfigJson());
    return driver;
  }

  /** Returns what the plugin says about itself. */
  public PluginInfo pluginInfo() throws DriverException {
    Driver driver = plugin();
    return new PluginInfo(
        driver.driverName(),
        version,
        protocolVersion,
        driver.capabilities(),
        driver.description(),
        driver.secretConfigKeys(),
        driver.operationTimeouts());
  }

  @Override
  public void getPluginInfo(
      GetPluginInfoRequest request, StreamObserver<GetPluginInfoResponse> observer) {
    unary(
        observer,
        () -> {
          PluginInfo info = pluginInfo();
          GetPluginInfoResponse.Builder b =
              GetPluginInfoResponse.newBuilder()
                  .setName(info.name())
                  .setVersion(info.version())
                  .setProtocolVersion(info.protocolVersion())
                  .setDescription(info.description())
                  .addAllSecretConfigKeys(info.secretConfigKeys());
          if (!info.operationTimeouts().isEmpty()) {
            b.setOperationTimeouts(ProtoMapping.toProto(info.operationTimeouts()));
          }
          for (Capability capability : Capability.values()) {
            if (info.capabilities().contains(capability)) {
              b.addCapabilities(ProtoMapping.toProto(capability));
            }
          }
          return b.build();
        });
  }

  @Override
  public void driverName(DriverNameRequest request, StreamObserver<DriverNameResponse> observer) {
    unary(observer, () -> DriverNameResponse.newBuilder().setName(plugin().driverName()).build());
  }

  @Override
  public void getCreateFlags(
      GetCreateFlagsRequest request, StreamObserver<GetCreateFlagsResponse> observer) {
    unary(
        observer,
        () -> {
          GetCreateFlagsResponse.Builder b = GetCreateFlagsResponse.newBuilder();
          plugin().getCreateFlags().forEach(flag -> b.addFlags(ProtoMapping.toProto(flag)));
          return b.build();
        });
  }

  @Override
  public void setConfigFromFlags(
      SetConfigFromFlagsRequest request, StreamObserver<SetConfigFromFlagsResponse> observer) {
    unary(
        observer,
        () -> {
          Driver driver = load(request.getMachine());
          Map<String, Object> given = new LinkedHashMap<>();
          request
              .getValuesMap()
              .forEach((name, value) -> given.put(name, ProtoMapping.fromProto(value)));
          given.values().removeIf(v -> v == null);
          driver.setConfigFromFlags(FlagValues.validate(driver.getCreateFlags(), given));
          return SetConfigFromFlagsResponse.newBuilder()
              .setConfigJson(driver.getConfigRaw())
              .build();
        });
  }

  @Override
  public void preCreateCheck(
      PreCreateCheckRequest request, StreamObserver<PreCreateCheckResponse> observer) {
    unary(
        observer,
        () -> {
          load(request.getMachine()).preCreateCheck();
          return PreCreateCheckResponse.getDefaultInstance();
        });
  }

  @Override
  public void create(CreateRequest request, StreamObserver<OperationEvent> observer) {
    operation(request.getMachine(), null, observer, Driver::create);
  }

  @Override
  public void remove(RemoveRequest request, StreamObserver<OperationEvent> observer) {
    operation(request.getMachine(), null, observer, Driver::remove);
  }

  @Override
  public void start(StartRequest request, StreamObserver<OperationEvent> observer) {
    operation(request.getMachine(), Capability.START, observer, Driver::start);
  }

  @Override
  public void stop(StopRequest request, StreamObserver<OperationEvent> observer) {
    operation(request.getMachine(), Capability.STOP, observer, Driver::stop);
  }

  @Override
  public void kill(KillRequest request, StreamObserver<OperationEvent> observer) {
    operation(request.getMachine(), Capability.KILL, observer, Driver::kill);
  }

  @Override
  public void restart(RestartRequest request, StreamObserver<OperationEvent> observer) {
    operation(request.getMachine(), Capability.RESTART, observer, Driver::restart);
  }

  private void operation(
      Machine machine,
      Capability required,
      StreamObserver<OperationEvent> observer,
      OperationCall call) {
    ServerCallStreamObserver<OperationEvent> stream =
        (ServerCallStreamObserver<OperationEvent>) observer;
    ServerOperation operation = new ServerOperation(stream, Thread.currentThread());
    // The call's context is cancelled at once from the transport, while this thread still runs
    // the driver; the stream's cancel handler would only run after the driver returns.
    Context.current().addListener(context -> operation.cancel(), Runnable::run);
    stream.setOnCancelHandler(operation::cancel);
    running.add(operation);
    // Long operations on one machine run one at a time: a Remove after a cancelled Create waits
    // here until the Create's clean-up is over.
    ReentrantLock lock =
        machineLocks.computeIfAbsent(
            machine.getStorePath() + "\0" + machine.getName(), k -> new ReentrantLock());
    boolean locked = false;
    try {
      lock.lockInterruptibly();
      locked = true;
      Driver driver = load(machine);
      if (required != null && !driver.capabilities().contains(required)) {
        throw DriverException.notSupported(
            "the %s driver cannot %s machines",
            driver.driverName(), required.name().toLowerCase(java.util.Locale.ROOT));
      }
      call.run(driver, operation);
      String config = driver.getConfigRaw();
      operation.finish(
          () ->
              stream.onNext(
                  OperationEvent.newBuilder()
                      .setResult(OperationResult.newBuilder().setConfigJson(config))
                      .build()),
          stream::onCompleted);
    } catch (InterruptedException e) {
      operation.finish(
          () ->
              stream.onError(
                  StatusMapping.toStatus(
                      DriverException.cancelled(
                          "operation on machine \"%s\" cancelled while waiting for another",
                          machine.getName()))));
    } catch (DriverException e) {
      operation.finish(() -> stream.onError(StatusMapping.toStatus(e)));
    } catch (RuntimeException e) {
      operation.finish(() -> stream.onError(internal(e)));
    } finally {
      running.remove(operation);
      if (locked) {
        lock.unlock();
      }
      Thread.interrupted(); // a cancel may have interrupted this pooled thread: clear it
    }
  }

  /** Cancels every running operation, as when the host is gone. */
  public void cancelAll() {
    running.forEach(ServerOperation::cancel);
  }

  /**
   * Waits until no operation runs.
   *
   * @return whether none runs
   */
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!running.isEmpty()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  @Override
  public void getState(GetStateRequest request, StreamObserver<GetStateResponse> observer) {
    unary(
        observer,
        () ->
            GetStateResponse.newBuilder()
                .setState(ProtoMapping.toProto(load(request.getMachine()).getState()))
                .build());
  }

  @Override
  public void getIp(GetIpRequest request, StreamObserver<GetIpResponse> observer) {
    unary(
        observer,
        () -> GetIpResponse.newBuilder().setIp(load(request.getMachine()).getIp()).build());
  }

  @Override
  public void getUrl(GetUrlRequest request, StreamObserver<GetUrlResponse> observer) {
    unary(
        observer,
        () -> GetUrlResponse.newBuilder().setUrl(load(request.getMachine()).getUrl()).build());
  }

  @Override
  public void getMachineName(
      GetMachineNameRequest request, StreamObserver<GetMachineNameResponse> observer) {
    unary(
        observer,
        () ->
            GetMachineNameResponse.newBuilder()
                .setName(load(request.getMachine()).getMachineName())
                .build());
  }

  @Override
  public void getSshHostname(
      GetSshHostnameRequest request, StreamObserver<GetSshHostnameResponse> observer) {
    unary(
        observer,
        () ->
            GetSshHostnameResponse.newBuilder()
                .setHostname(load(request.getMachine()).getSshHostname())
                .build());
  }

  @Override
  public void getSshPort(GetSshPortRequest request, StreamObserver<GetSshPortResponse> observer) {
    unary(
        observer,
        () ->
            GetSshPortResponse.newBuilder()
                .setPort(load(request.getMachine()).getSshPort())
                .build());
  }

  @Override
  public void getSshUsername(
      GetSshUsernameRequest request, StreamObserver<GetSshUsernameResponse> observer) {
    unary(
        observer,
        () ->
            GetSshUsernameResponse.newBuilder()
                .setUsername(load(request.getMachine()).getSshUsername())
                .build());
  }

  @Override
  public void getSshKeyPath(
      GetSshKeyPathRequest request, StreamObserver<GetSshKeyPathResponse> observer) {
    unary(
        observer,
        () ->
            GetSshKeyPathResponse.newBuilder()
                .setPath(load(request.getMachine()).getSshKeyPath())
                .build());
  }

  @Override
  public void getConfig(GetConfigRequest request, StreamObserver<GetConfigResponse> observer) {
    unary(
        observer,
        () ->
            GetConfigResponse.newBuilder()
                .setConfigJson(load(request.getMachine()).getConfigRaw())
                .build());
  }

  /** The server side of one long operation. */
  private static final class ServerOperation implements Operation {
    private final ServerCallStreamObserver<OperationEvent> stream;
    private final Thread thread;
    private final List<Runnable> onCancel = new CopyOnWriteArrayList<>();
    private volatile boolean cancelled;
    private boolean finished;

    ServerOperation(ServerCallStreamObserver<OperationEvent> stream, Thread thread) {
      this.stream = stream;
      this.thread = thread;
    }

    @Override
    public void progress(String step, String message) {
      send(Progress.newBuilder().setStep(step).setMessage(message));
    }

    @Override
    public void progress(String step, String message, double fraction) {
      send(Progress.newBuilder().setStep(step).setMessage(message).setFraction(fraction));
    }

    private synchronized void send(Progress.Builder progress) {
      if (!cancelled && !finished) {
        stream.onNext(OperationEvent.newBuilder().setProgress(progress).build());
      }
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public void onCancel(Runnable action) {
      onCancel.add(action);
      if (cancelled) {
        action.run();
      }
    }

    synchronized void cancel() {
      if (cancelled || finished) {
        return;
      }
      cancelled = true;
      onCancel.forEach(Runnable::run);
      thread.interrupt();
    }

    synchronized void finish(Runnable... steps) {
      finished = true;
      if (stream.isCancelled()) {
        return;
      }
      try {
        for (Runnable step : steps) {
          step.run();
        }
      } catch (io.grpc.StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.CANCELLED) {
          throw e;
        }
      }
    }
  }
}
