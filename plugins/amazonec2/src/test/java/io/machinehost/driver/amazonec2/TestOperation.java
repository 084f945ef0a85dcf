package io.machinehost.driver.amazonec2;

import io.machinehost.sdk.Operation;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An operation that records progress and cancels itself on a message, or when told to. */
final class TestOperation implements Operation {
  private final List<String> messages = new CopyOnWriteArrayList<>();
  private final List<Runnable> onCancel = new CopyOnWriteArrayList<>();
  private final String cancelOn;
  private volatile boolean cancelled;

  private TestOperation(String cancelOn) {
    this.cancelOn = cancelOn;
  }

  static TestOperation recording() {
    return new TestOperation(null);
  }

  /** Cancels when a progress message first contains {@code text}. */
  static TestOperation cancellingOn(String text) {
    return new TestOperation(text);
  }

  @Override
  public void progress(String step, String message) {
    messages.add(step + ": " + message);
    if (cancelOn != null && !cancelled && message.contains(cancelOn)) {
      cancel();
    }
  }

  @Override
  public void progress(String step, String message, double fraction) {
    progress(step, message);
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

  void cancel() {
    cancelled = true;
    onCancel.forEach(Runnable::run);
  }

  List<String> messages() {
    return List.copyOf(messages);
  }
}
