package io.machinehost.host.command;

import io.machinehost.host.ExitCodes;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs one action per named machine, concurrently when there are several, and reports each failure
 * on its own line; the others still run. Output of each machine is printed in the order the names
 * were given.
 */
final class PerMachine {
  /** What to do with one machine; returns what to print on stdout, or {@code null}. */
  interface Action {
    String apply(String machine) throws Exception;
  }

  private PerMachine() {}

  /**
   * Runs the action for every name.
   *
   * @return {@link ExitCodes#OK} if all succeeded, else the exit code of the first failure
   */
  static int run(List<String> names, PrintWriter out, PrintWriter err, Action action) {
    List<String> unique = names.stream().distinct().toList();
    List<Object> results = new ArrayList<>();
    if (unique.size() == 1) {
      results.add(attempt(action, unique.get(0)));
    } else {
      ExecutorService pool = Executors.newFixedThreadPool(Math.min(16, unique.size()));
      try {
        List<Future<Object>> futures = new ArrayList<>();
        for (String name : unique) {
          futures.add(pool.submit(() -> attempt(action, name)));
        }
        for (Future<Object> f : futures) {
          try {
            results.add(f.get());
          } catch (ExecutionException e) {
            results.add(e.getCause());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            results.add(e);
          }
        }
      } finally {
        pool.shutdownNow();
      }
    }
    int exit = ExitCodes.OK;
    for (Object result : results) {
      if (result instanceof Throwable failure) {
        err.println("Error: " + failure.getMessage());
        if (exit == ExitCodes.OK) {
          exit = ExitCodes.of(failure);
        }
      } else if (result != null) {
        out.println(result);
      }
    }
    out.flush();
    err.flush();
    return exit;
  }

  private static Object attempt(Action action, String name) {
    try {
      return action.apply(name);
    } catch (Exception e) {
      return e;
    }
  }
}
