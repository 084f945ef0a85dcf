package io.machinehost.sdk.rpc;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The plugin side of warm reuse (proto/README.md §7.1): a plugin the host asked to stay warm
 * outlives its launching host's stdin and exits instead when no call has been in flight for the
 * idle period, when its store directory is gone, or when its executable was replaced. A host that
 * uses the plugin holds a {@code Health.Watch} open, which counts as a call in flight; so does the
 * launching host's stdin until it closes, so that the idle period only starts once every host has
 * let go.
 */
final class WarmPlugin implements ServerInterceptor {
  /** How long without calls before the heap is trimmed. */
  static final Duration TRIM_AFTER = Duration.ofSeconds(2);

  private final Duration idle;
  private final Path store;
  private final Path executable;
  private final Optional<String> executableStamp;
  private final Consumer<String> exit;
  private int inFlight;
  private boolean stdinOpen = true;
  private long lastActivity = System.nanoTime();
  private long trimmedFor = -1;
  private boolean exiting;

  private WarmPlugin(Duration idle, Path store, Path executable, Consumer<String> exit) {
    this.idle = idle;
    this.store = store;
    this.executable = executable;
    this.executableStamp = stamp(executable);
    this.exit = exit;
  }

  /**
   * Returns the warm mode the host asked for, or empty: {@code MACHINE_PLUGIN_REUSE_IDLE_MS} (a
   * positive number of milliseconds) turns it on.
   *
   * @param exit called once, from the watchdog thread, with the reason to exit
   */
  static Optional<WarmPlugin> fromEnv(Map<String, String> env, Consumer<String> exit) {
    String idle = env.get(PluginEnv.REUSE_IDLE_MS);
    if (idle == null || idle.isBlank()) {
      return Optional.empty();
    }
    long millis;
    try {
      millis = Long.parseLong(idle.strip());
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    if (millis <= 0) {
      return Optional.empty();
    }
    return Optional.of(
        new WarmPlugin(
            Duration.ofMillis(millis),
            path(env.get(PluginEnv.REUSE_STORE)),
            path(env.get(PluginEnv.REUSE_EXECUTABLE)),
            exit));
  }

  private static Path path(String value) {
    return value == null || value.isBlank() ? null : Path.of(value);
  }

  /** Starts the watchdog thread. */
  void start() {
    long tick = Math.max(50, Math.min(1000, idle.toMillis() / 4));
    Thread watchdog =
        new Thread(
            () -> {
              while (true) {
                try {
                  Thread.sleep(tick);
                } catch (InterruptedException e) {
                  return;
                }
                String why = reasonToExit();
                if (why != null) {
                  exit.accept(why);
                  return;
                }
                if (shouldTrim()) {
                  System.gc(); // the heap shrinks to what is live: a small footprint while idle
                }
              }
            },
            "machinehost-plugin-warm-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  /** Returns why the plugin should exit now, or {@code null}; once non-null, no call is taken. */
  synchronized String reasonToExit() {
    if (exiting) {
      return null;
    }
    String why = null;
    if (store != null && !Files.isDirectory(store)) {
      why = "its store " + store + " is gone";
    } else if (inFlight == 0 && !stdinOpen) {
      if (executable != null && !stamp(executable).equals(executableStamp)) {
        why = "its executable " + executable + " was replaced";
      } else if (System.nanoTime() - lastActivity >= idle.toNanos()) {
        why = "idle for " + idle.toMillis() + " ms";
      }
    }
    if (why != null) {
      exiting = true;
    }
    return why;
  }

  /**
   * Whether the plugin has just become idle (nothing in flight for {@link #TRIM_AFTER}), once per
   * idle stretch: the moment to give the heap a burst of calls grew back to the system.
   */
  synchronized boolean shouldTrim() {
    if (exiting || inFlight > 0 || stdinOpen || trimmedFor == lastActivity) {
      return false;
    }
    if (System.nanoTime() - lastActivity < TRIM_AFTER.toNanos()) {
      return false;
    }
    trimmedFor = lastActivity;
    return true;
  }

  /** Size and modification time, or empty when the file is gone. */
  private static Optional<String> stamp(Path file) {
    if (file == null) {
      return Optional.empty();
    }
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return Optional.of(a.size() + "@" + a.lastModifiedTime().toMillis());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** The launching host let go of stdin (it exited, or crashed): the idle period may start. */
  synchronized void stdinClosed() {
    stdinOpen = false;
    lastActivity = System.nanoTime();
  }

  private synchronized boolean enter() {
    if (exiting) {
      return false;
    }
    inFlight++;
    lastActivity = System.nanoTime();
    return true;
  }

  private synchronized void leave() {
    inFlight--;
    lastActivity = System.nanoTime();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (!enter()) {
      call.close(Status.UNAVAILABLE.withDescription("the plugin is exiting"), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    ServerCall.Listener<Q> delegate;
    try {
      delegate = next.startCall(call, headers);
    } catch (RuntimeException e) {
      leave();
      throw e;
    }
    // gRPC ends every call with exactly one of onComplete and onCancel.
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
      @Override
      public void onComplete() {
        try {
          super.onComplete();
        } finally {
          leave();
        }
      }

      @Override
      public void onCancel() {
        try {
          super.onCancel();
        } finally {
          leave();
        }
      }
    };
  }
}
