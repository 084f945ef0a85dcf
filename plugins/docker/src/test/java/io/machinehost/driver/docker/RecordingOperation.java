package io.machinehost.driver.docker;

import io.machinehost.sdk.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** An operation that records progress and, if asked, cancels itself when a step is reported. */
final class RecordingOperation implements Operation {
  private final List<String> steps = new CopyOnWriteArrayList<>();
  private final List<String> messages = new CopyOnWriteArrayList<>();
  private final List<Double> fractions = new CopyOnWriteArrayList<>();
  private final List<Runnable> onCancel = new CopyOnWriteArrayList<>();
  private final Predicate<String> cancelAt;
  private final Consumer<String> beforeCancel;
  private volatile boolean cancelled;

  private RecordingOperation(Predicate<String> cancelAt, Consumer<String> beforeCancel) {
    this.cancelAt = cancelAt;
    this.beforeCancel = beforeCancel;
  }

  /** Records and never cancels. */
  RecordingOperation() {
    this(message -> false, message -> {});
  }

  /** Cancels when {@code step} is first reported, after running {@code beforeCancel}. */
  static RecordingOperation cancellingAt(String step, Consumer<String> beforeCancel) {
    return new RecordingOperation(message -> message.startsWith(step + ": "), beforeCancel);
  }

  /** Cancels when a progress message ({@code step: message}) first contains {@code text}. */
  static RecordingOperation cancellingOnMessage(String text) {
    return new RecordingOperation(message -> message.contains(text), message -> {});
  }

  @Override
  public void progress(String step, String message) {
    String line = step + ": " + message;
    steps.add(step);
    messages.add(line);
    if (!cancelled && cancelAt.test(line)) {
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
