package io.machinehost.sdk;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A driver whose machines live in its config: state transitions are recorded there, so they survive
 * the per-call instance the SDK makes. A static hook lets a test make it fail.
 */
public final class FakeDriver extends BaseDriver {
  /** When set, every machine-scoped call throws an error with this code, message and flag. */
  static volatile String[] failWith;

  /** Create blocks on this latch when set (for cancellation tests). */
  static volatile CountDownLatch createGate;

  /** Records what cancelled creates cleaned up. */
  static final List<String> CLEANED = java.util.Collections.synchronizedList(new ArrayList<>());

  @JsonProperty("State")
  String state = "";

  @JsonProperty("Size")
  long size;

  @Secret
  @JsonProperty("Token")
  String token = "";

  @JsonProperty("Tags")
  List<String> tags = new ArrayList<>();

  transient String notPersisted = "x";

  public FakeDriver(String machineName, String storePath) {
    super(machineName, storePath);
  }

  static void reset() {
    failWith = null;
    createGate = null;
    CLEANED.clear();
  }

  private void maybeFail() throws DriverException {
    String[] e = failWith;
    if (e != null) {
      throw new DriverException(DriverException.Code.valueOf(e[0]), e[1], e[2], null);
    }
  }

  @Override
  public String driverName() {
    return "fake";
  }

  @Override
  public List<CreateFlag> getCreateFlags() {
    return List.of(
        CreateFlag.integer("fake-size").usage("size").defaultValue(2).range(1, 64).build(),
        CreateFlag.string("fake-token")
            .usage("token")
            .envVar("FAKE_TOKEN")
            .required()
            .secret()
            .build(),
        CreateFlag.string("fake-mode").choices("fast", "slow").defaultValue("fast").build(),
        CreateFlag.stringList("fake-tag").usage("tags").build(),
        CreateFlag.bool("fake-debug").build());
  }

  @Override
  public void setConfigFromFlags(DriverOptions options) throws DriverException {
    size = options.getInt("fake-size");
    token = options.getString("fake-token");
    tags = options.getStringList("fake-tag");
  }

  @Override
  public void create(Operation operation) throws DriverException {
    maybeFail();
    operation.progress("make", "making " + machineName, 0.5);
    CountDownLatch gate = createGate;
    if (gate != null) {
      try {
        if (!gate.await(10, TimeUnit.SECONDS)) {
          throw DriverException.timeout("gate never opened");
        }
      } catch (InterruptedException e) {
        try {
          Thread.sleep(300); // clean-up takes a while
        } catch (InterruptedException again) {
          Thread.currentThread().interrupt();
        }
        CLEANED.add(machineName);
        throw DriverException.cancelled(
            "create of %s cancelled; removed what was made", machineName);
      }
    }
    ipAddress = "192.0.2.10";
    state = "Running";
    operation.progress("done", "made " + machineName);
  }

  @Override
  public void remove(Operation operation) throws DriverException {
    maybeFail();
    state = "NotFound";
  }

  @Override
  public void start(Operation operation) throws DriverException {
    maybeFail();
    requireExists();
    state = "Running";
  }

  @Override
  public void stop(Operation operation) throws DriverException {
    maybeFail();
    requireExists();
    state = "Stopped";
  }

  @Override
  public void kill(Operation operation) throws DriverException {
    stop(operation);
  }

  @Override
  public void restart(Operation operation) throws DriverException {
    start(operation);
  }

  private void requireExists() throws DriverException {
    if (state.isEmpty() || state.equals("NotFound")) {
      throw DriverException.notFound("machine %s does not exist", machineName);
    }
  }

  @Override
  public MachineState getState() throws DriverException {
    maybeFail();
    return state.isEmpty() ? MachineState.NONE : MachineState.fromDisplayName(state);
  }

  @Override
  public String getUrl() throws DriverException {
    return "tcp://" + getIp() + ":2376";
  }
}
