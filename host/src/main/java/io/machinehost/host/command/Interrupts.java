package io.machinehost.host.command;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;

/**
 * Ctrl-C while operations run: the first SIGINT cancels them, so drivers clean up and the command
 * ends by itself; a second one exits at once (plugins are still ended by the launcher's reaper).
 * Without running operations, SIGINT ends the process as usual.
 */
final class Interrupts {
  private static final List<HostOperation> RUNNING = new ArrayList<>();
  private static boolean installed;
  private static boolean interruptedOnce;

  private Interrupts() {}

  static synchronized void register(HostOperation operation) {
    RUNNING.add(operation);
    if (!installed) {
      installed = install();
    }
  }

  static synchronized void unregister(HostOperation operation) {
    RUNNING.remove(operation);
  }

  private static void interrupt() {
    List<HostOperation> running;
    synchronized (Interrupts.class) {
      if (RUNNING.isEmpty() || interruptedOnce) {
        Runtime.getRuntime().exit(130);
        return;
      }
      interruptedOnce = true;
      running = new ArrayList<>(RUNNING);
    }
    System.err.println();
    System.err.println("Interrupted: cancelling; the driver cleans up (Ctrl-C again to quit now)");
    running.forEach(HostOperation::cancel);
  }

  // sun.misc.Signal is the only way to handle SIGINT without ending the JVM; it is reached by
  // reflection because the compiler warns on its direct use, and when it is missing Ctrl-C simply
  // ends the process (the launcher's reaper still ends the plugins).
  private static boolean install() {
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handler = Class.forName("sun.misc.SignalHandler");
      Object target = signal.getConstructor(String.class).newInstance("INT");
      InvocationHandler call =
          (proxy, method, args) ->
              switch (method.getName()) {
                case "handle" -> {
                  interrupt();
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
