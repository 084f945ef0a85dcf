package io.machinehost.host.command;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Ctrl-C while operations run: the first SIGINT cancels them, so drivers clean up and the command
 * ends by itself; a second one exits at once (plugins are still ended by the launcher's reaper).
 * Without running operations, SIGINT ends the process as usual.
 *
 * <p>A command server runs several commands at once, each in a {@linkplain #enterScope scope} of
 * its own (its thread and the threads it starts): its front end's Ctrl-C {@linkplain
 * #cancel(Object, java.io.PrintStream) cancels} that scope's operations only, and no SIGINT handler
 * is involved.
 */
public final class Interrupts {
  /** What the first Ctrl-C of a command with running operations prints. */
  public static final String CANCELLING =
      "Interrupted: cancelling; the driver cleans up (Ctrl-C again to quit now)";

  private static final Object PROCESS = new Object();
  private static final InheritableThreadLocal<Object> SCOPE = new InheritableThreadLocal<>();
  private static final Map<HostOperation, Object> RUNNING = new HashMap<>();
  private static boolean installed;
  private static boolean interruptedOnce;

  private Interrupts() {}

  static synchronized void register(HostOperation operation) {
    Object scope = SCOPE.get();
    RUNNING.put(operation, scope == null ? PROCESS : scope);
    if (scope == null && !installed) {
      installed = install();
    }
  }

  static synchronized void unregister(HostOperation operation) {
    RUNNING.remove(operation);
  }

  /**
   * Makes the current thread, and the threads it starts from now on, one command's scope; returns
   * its token for {@link #cancel(Object, java.io.PrintStream)}. End it with {@link #leaveScope()}.
   */
  public static Object enterScope() {
    Object scope = new Object();
    SCOPE.set(scope);
    return scope;
  }

  /** Ends the current thread's scope. */
  public static void leaveScope() {
    SCOPE.remove();
  }

  /**
   * Cancels the running operations of a scope as the first Ctrl-C does in a process of its own,
   * saying so first.
   *
   * @param err where the command's errors go
   * @return whether any were running (if none, the caller ends the command its own way)
   */
  public static boolean cancel(Object scope, java.io.PrintStream err) {
    List<HostOperation> running = running(scope);
    if (!running.isEmpty()) {
      err.println();
      err.println(CANCELLING);
      err.flush();
      running.forEach(HostOperation::cancel);
    }
    return !running.isEmpty();
  }

  private static synchronized List<HostOperation> running(Object scope) {
    List<HostOperation> running = new ArrayList<>();
    RUNNING.forEach(
        (operation, owner) -> {
          if (owner == scope) {
            running.add(operation);
          }
        });
    return running;
  }

  private static void interrupt() {
    List<HostOperation> running;
    synchronized (Interrupts.class) {
      running = running(PROCESS);
      if (running.isEmpty() || interruptedOnce) {
        Runtime.getRuntime().exit(130);
        return;
      }
      interruptedOnce = true;
    }
    System.err.println();
    System.err.println(CANCELLING);
    running.forEach(HostOperation::cancel);
  }

  private static boolean install() {
    return onSigint(Interrupts::interrupt);
  }

  /**
   * Handles SIGINT with an action instead of ending the JVM.
   *
   * @return whether the handler is installed (if not, Ctrl-C ends the process as usual)
   */
  // sun.misc.Signal is the only way to handle SIGINT without ending the JVM; it is reached by
  // reflection because the compiler warns on its direct use, and when it is missing Ctrl-C simply
  // ends the process (the launcher's reaper still ends the plugins).
  public static boolean onSigint(Runnable action) {
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handler = Class.forName("sun.misc.SignalHandler");
      Object target = signal.getConstructor(String.class).newInstance("INT");
      InvocationHandler call =
          (proxy, method, args) ->
              switch (method.getName()) {
                case "handle" -> {
                  action.run();
                  yield null;
                }
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                default -> "machine-interrupts";
              };
      Object proxy =
          Proxy.newProxyInstance(Interrupts.class.getClassLoader(), new Class<?>[] {handler}, call);
      signal.getMethod("handle", signal, handler).invoke(null, target, proxy);
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }
}
