package io.machinehost.host.command;

import io.machinehost.sdk.Operation;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A long operation as the host runs it: the driver's progress events go to stderr as they come (one
 * line each; on a terminal the line is redrawn with a spinner), and Ctrl-C cancels it.
 */
public final class HostOperation implements Operation, AutoCloseable {
  private static final char[] SPINNER = {'|', '/', '-', '\\'};

  private final String machine;
  private final PrintWriter err;
  private final boolean terminal;
  private final boolean prefix;
  private final List<Runnable> cancelActions = new ArrayList<>();
  private boolean cancelled;
  private int frame;
  private boolean lineOpen;

  /**
   * Creates an operation and registers it for Ctrl-C.
   *
   * @param machine the machine it is about
   * @param err where progress goes
   * @param terminal whether err is a terminal a person watches
   * @param prefix whether lines name the machine (several run at once)
   */
  public HostOperation(String machine, PrintWriter err, boolean terminal, boolean prefix) {
    this.machine = machine;
    this.err = err;
    this.terminal = terminal;
    this.prefix = prefix;
    Interrupts.register(this);
  }

  @Override
  public void progress(String step, String message) {
    print(step, message, -1);
  }

  @Override
  public void progress(String step, String message, double fraction) {
    print(step, message, fraction);
  }

  private void print(String step, String message, double fraction) {
    StringBuilder line = new StringBuilder();
    if (prefix) {
      line.append('[').append(machine).append("] ");
    }
    line.append(message.isEmpty() ? step : message);
    if (fraction >= 0) {
      line.append(String.format(Locale.ROOT, " (%d%%)", Math.round(fraction * 100)));
    }
    synchronized (err) {
      if (terminal && !prefix) {
        err.print("\r\033[K" + SPINNER[frame++ % SPINNER.length] + " " + line);
        lineOpen = true;
      } else {
        err.println(line);
      }
      err.flush();
    }
  }

  /** Ends a spinner line so what follows starts on a fresh line. */
  public void finishLine() {
    synchronized (err) {
      if (lineOpen) {
        err.println();
        err.flush();
        lineOpen = false;
      }
    }
  }

  @Override
  public synchronized boolean isCancelled() {
    return cancelled;
  }

  @Override
  public void onCancel(Runnable action) {
    boolean now;
    synchronized (this) {
      now = cancelled;
      if (!now) {
        cancelActions.add(action);
      }
    }
    if (now) {
      action.run();
    }
  }

  /** Cancels the operation: the driver is told and cleans up what it made. */
  public void cancel() {
    List<Runnable> actions;
    synchronized (this) {
      if (cancelled) {
        return;
      }
      cancelled = true;
      actions = new ArrayList<>(cancelActions);
      cancelActions.clear();
    }
    actions.forEach(Runnable::run);
  }

  @Override
  public void close() {
    finishLine();
    Interrupts.unregister(this);
  }
}
