package io.machinehost.host.command;

import io.machinehost.sdk.Operation;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A long operation as the host runs it: the driver's progress events go to stderr as they come (one
 * line each; on a terminal the line is redrawn with a spinner), time passing shows while the driver
 * is silent (on a terminal the spinner line counts seconds; otherwise a "still waiting" line every
 * {@value #INTERVAL_ENV} seconds, 30 by default, 0 for none), and Ctrl-C cancels it.
 */
public final class HostOperation implements Operation, AutoCloseable {
  private static final char[] SPINNER = {'|', '/', '-', '\\'};

  /** Seconds between "still waiting" lines when stderr is not a terminal (0: none). */
  static final String INTERVAL_ENV = "MACHINEHOST_PROGRESS_INTERVAL";

  private static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);
  private static final ScheduledExecutorService TICKS =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "machinehost-progress");
            t.setDaemon(true);
            return t;
          });

  private final String machine;
  private final PrintWriter err;
  private final boolean terminal;
  private final boolean prefix;
  private final List<Runnable> cancelActions = new ArrayList<>();
  private boolean cancelled;
  private int frame;
  private boolean lineOpen;
  private final long started = System.nanoTime();
  private final Duration interval;
  private final ScheduledFuture<?> ticker;
  private String last = "";
  private long lastOutput = System.nanoTime();
  private boolean ended;

  /**
   * Creates an operation and registers it for Ctrl-C.
   *
   * @param machine the machine it is about
   * @param err where progress goes
   * @param terminal whether err is a terminal a person watches
   * @param prefix whether lines name the machine (several run at once)
   */
  public HostOperation(String machine, PrintWriter err, boolean terminal, boolean prefix) {
    this(machine, err, terminal, prefix, intervalFromEnv(System.getenv().get(INTERVAL_ENV)));
  }

  /** As above, with "still waiting" lines every {@code interval} off a terminal (zero: none). */
  HostOperation(
      String machine, PrintWriter err, boolean terminal, boolean prefix, Duration interval) {
    this.machine = machine;
    this.err = err;
    this.terminal = terminal;
    this.prefix = prefix;
    this.interval = interval;
    Duration tick = spinning() ? Duration.ofSeconds(1) : interval;
    this.ticker =
        tick.isZero()
            ? null
            : TICKS.scheduleAtFixedRate(
                this::tick,
                tick.toMillis(),
                Math.min(tick.toMillis(), 1000),
                TimeUnit.MILLISECONDS);
    Interrupts.register(this);
  }

  static Duration intervalFromEnv(String value) {
    if (value == null || !value.strip().matches("[0-9]{1,6}")) {
      return DEFAULT_INTERVAL;
    }
    return Duration.ofSeconds(Long.parseLong(value.strip()));
  }

  private boolean spinning() {
    return terminal && !prefix;
  }

  /** Shows that time passes while the driver says nothing. */
  private void tick() {
    long now = System.nanoTime();
    long seconds = TimeUnit.NANOSECONDS.toSeconds(now - started);
    synchronized (err) {
      if (ended) {
        return;
      }
      if (spinning()) {
        String line = last.isEmpty() ? "Waiting for the driver" : last;
        err.print(
            "\r\033[K" + SPINNER[frame++ % SPINNER.length] + " " + line + " (" + seconds + " s)");
        lineOpen = true;
      } else if (now - lastOutput >= interval.toNanos()) {
        err.println(
            (prefix ? "[" + machine + "] " : "")
                + "still waiting for machine \""
                + machine
                + "\" after "
                + seconds
                + " s"
                + (last.isEmpty() ? "" : " (last: " + last + ")"));
        lastOutput = now;
      } else {
        return;
      }
      err.flush();
    }
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
      last = message.isEmpty() ? step : message;
      lastOutput = System.nanoTime();
      if (spinning()) {
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
    if (ticker != null) {
      ticker.cancel(false);
    }
    synchronized (err) {
      ended = true;
    }
    finishLine();
    Interrupts.unregister(this);
  }
}
