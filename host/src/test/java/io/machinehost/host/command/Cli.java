package io.machinehost.host.command;

import io.machinehost.host.CliEnvironment;
import io.machinehost.host.MachineCli;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Runs {@code machine} in process against a store in a temp dir, with in-process drivers. */
final class Cli {
  /** What a run printed and returned. */
  record Result(int exitCode, String out, String err) {}

  private final Path store;
  private final Map<String, String> env = new HashMap<>();
  private String stdin = "";
  private HarnessPool lastPool;

  Cli(Path store) {
    this.store = store;
    env.put("MACHINE_STORAGE_PATH", store.toString());
    env.put("PATH", "");
  }

  Cli env(String name, String value) {
    env.put(name, value);
    return this;
  }

  Cli stdin(String text) {
    stdin = text;
    return this;
  }

  Path store() {
    return store;
  }

  Path machineDir(String name) {
    return store.resolve("machines").resolve(name);
  }

  /** Returns how many drivers the last run started. */
  int launches() {
    return lastPool == null ? 0 : lastPool.launches();
  }

  Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    lastPool = null;
    CliEnvironment environment =
        new CliEnvironment(
            env,
            store.getParent(),
            null,
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            false,
            session -> {
              lastPool = new HarnessPool(session.storagePath());
              return lastPool;
            });
    int code =
        MachineCli.execute(
            environment, new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Result(code, out.toString(), err.toString());
  }

  /** Creates a none machine and checks it worked. */
  Result createNone(String name) {
    Result r = run("create", "-d", "none", "--url", "tcp://127.0.0.1:2376", name);
    if (r.exitCode() != 0) {
      throw new AssertionError("create " + name + " failed: " + r);
    }
    return r;
  }
}
