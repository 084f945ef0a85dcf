package io.machinehost.driver.docker;

import io.machinehost.sdk.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** An operation that records progress and, if asked, cancels itself when a step is reported. */
final class RecordingOperation implements Operation {
  private final List<String> steps = new CopyOnWriteArrayList<>();
  private final List<String> messages = new CopyOnWriteArrayList<>();
  private final List<Double> fractions = new CopyOnWriteArrayList<>();
  private final List<Runnable> onCancel = new CopyOnWriteArrayList<>();
  private final String cancelAt;
  private final Consumer<String> beforeCancel;
  private volatile boolean cancelled;

  private RecordingOperation(String cancelAt, Consumer<String> beforeCancel) {
    this.cancelAt = cancelAt;
    this.beforeCancel = beforeCancel;
  }

  /** Records and never cancels. */
  RecordingOperation() {
    this(null, step -> {});
  }

  /** Cancels when {@code step} is first reported, after running {@code beforeCancel}. */
  static RecordingOperation cancellingAt(String step, Consumer<String> beforeCancel) {
    return new RecordingOperation(step, beforeCancel);
  }

  @Override
  public void progress(String step, String message) {
    steps.add(step);
    messages.add(step + ": " + message);
    if (!cancelled && step.equals(cancelAt)) {
      beforeCancel.accept(step);
      cancel();
    }
  }

  @Override
  public void progress(String step, String message, double fraction) {
    fractions.add(fraction);
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

  List<String> steps() {
    return new ArrayList<>(steps);
  }

  List<String> messages() {
    return new ArrayList<>(messages);
  }

  List<Double> fractions() {
    return new ArrayList<>(fractions);
  }
}
