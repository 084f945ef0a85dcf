package io.machinehost.host.conformance;

import io.machinehost.sdk.Operation;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An operation the kit cancels a moment after it starts. */
final class CancellingOperation implements Operation {
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private volatile boolean cancelled;

  @Override
  public void progress(String step, String message) {}

  @Override
  public void progress(String step, String message, double fraction) {}

  @Override
  public boolean isCancelled() {
    return cancelled;
  }

  @Override
  public void onCancel(Runnable action) {
    listeners.add(action);
    if (cancelled) {
      action.run();
    }
  }

  void cancelSoon(Duration delay) {
    Thread t =
        new Thread(
            () -> {
              try {
                Thread.sleep(delay.toMillis());
              } catch (InterruptedException e) {
                return;
              }
              cancelled = true;
              listeners.forEach(Runnable::run);
            },
            "kit-cancel");
    t.setDaemon(true);
    t.start();
  }
}
