package io.machinehost.host.plugin;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

/**
 * Loads, on a second core, the classes a command that talks to drivers is about to need (JSON,
 * gRPC, Netty, TLS), while the main thread parses the command line and reads the store. Only
 * loading: no class is initialised, so nothing runs earlier than it would. The list ({@code
 * preload.txt} beside this class) is recorded from real runs by {@code .ci/bench/preload-list.sh};
 * a name that no longer exists is skipped. {@code MACHINEHOST_PRELOAD=0} turns it off.
 */
public final class ClassPreload {
  /** The commands that reach a driver; others (version, help, completion …) load no gRPC. */
  private static final Set<String> DRIVER_COMMANDS =
      Set.of(
          "ls",
          "list",
          "status",
          "ip",
          "url",
          "inspect",
          "create",
          "rm",
          "start",
          "stop",
          "restart",
          "kill",
          "active",
          "ssh",
          "scp",
          "env",
          "provision",
          "regenerate-certs",
          "upgrade",
          "config");

  /** Global options that take a value, so that it is not taken for the command. */
  private static final Set<String> VALUED = Set.of("-s", "--storage-path");

  private ClassPreload() {}

  /** Starts preloading if the command line runs a driver command (and not only its help). */
  public static void startFor(String[] args) {
    if ("0".equals(System.getenv("MACHINEHOST_PRELOAD")) || !needsDrivers(List.of(args))) {
      return;
    }
    Thread t = new Thread(ClassPreload::run, "machinehost-preload");
    t.setDaemon(true);
    t.start();
  }

  static boolean needsDrivers(List<String> args) {
    String command = null;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("-h") || a.equals("--help") || a.equals("-V") || a.equals("--version")) {
        return false;
      }
      if (command == null) {
        if (VALUED.contains(a)) {
          i++;
        } else if (!a.startsWith("-")) {
          command = a;
        }
      }
    }
    return command != null && DRIVER_COMMANDS.contains(command);
  }

  private static void run() {
    ClassLoader loader = ClassPreload.class.getClassLoader();
    try (InputStream in = ClassPreload.class.getResourceAsStream("preload.txt")) {
      if (in == null) {
        return;
      }
      BufferedReader names = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      String name;
      while ((name = names.readLine()) != null) {
        if (name.isBlank() || name.startsWith("#")) {
          continue;
        }
        try {
          Class.forName(name.strip(), false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
          // renamed or gone in this build: the main thread loads what it really needs
        }
      }
    } catch (IOException e) {
      // preloading is an optimisation only
    }
  }
}
