package io.machinehost.host.server;

import io.machinehost.host.CommandLineShape;
import io.machinehost.host.MachineCli;
import io.machinehost.host.plugin.ReuseSettings;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code machine} executable's entry point. A read-only command (ls, status, inspect …) goes to
 * the user's warm command server when one is up, so it costs a small JVM start and a socket round
 * trip instead of loading the CLI, gRPC and TLS again; when none is up the command runs here, as
 * always, and a server is started in the background for the next one. Every other command, and
 * every command while {@code MACHINEHOST_PLUGIN_REUSE=0}, runs here.
 *
 * <p>This class and {@link Wire} load before anything else and use {@code java.base} only.
 */
public final class FrontEnd {
  /** The read-only commands a server answers. */
  static final Set<String> READS =
      Set.of("ls", "status", "ip", "url", "inspect", "active", "config", "env", "version");

  /**
   * The commands that change things a server answers too: it runs each once, and a front end never
   * runs one again after the server took it. {@code rm} and {@code regenerate-certs} only with
   * their option that skips the question, since a server has no terminal to ask on.
   */
  static final Set<String> WRITES =
      Set.of(
          "create",
          "rm",
          "start",
          "stop",
          "restart",
          "kill",
          "label",
          "provision",
          "regenerate-certs");

  private static boolean cluster(String arg) {
    for (int i = 1; i < arg.length(); i++) {
      if (arg.charAt(i) != 'f' && arg.charAt(i) != 'y') {
        return false;
      }
    }
    return true;
  }

  /**
   * JVM options for the server, before the user's {@code MACHINEHOST_JAVA_OPTS}: the full JIT, with
   * two compiler threads and a smaller code cache, and a heap that starts small and stays small
   * while idle (a fixed young generation; the old one shrinks back after a collection), so that a
   * server idling for its ten minutes holds little memory.
   */
  static final String SERVER_JAVA_OPTS =
      "-XX:TieredStopAtLevel=4 -XX:CICompilerCount=2 -XX:ReservedCodeCacheSize=32m "
          + ReuseSettings.LEAN_HEAP;

  private FrontEnd() {}

  /** Runs a command line and exits with its code. */
  @SuppressWarnings("UnnecessaryStringBuilder") // as in Wire.identity()
  public static void main(String[] args) {
    if (args.length == 1 && args[0].equals(Wire.SERVE)) {
      CommandServer.main();
      return;
    }
    Map<String, String> env = System.getenv();
    String launcher = System.getProperty("machinehost.launcher");
    if (launcher == null || !served(args, env)) {
      System.exit(MachineCli.run(args));
    }
    String identity;
    try {
      identity = Wire.identity(Path.of(launcher));
    } catch (IOException e) {
      System.exit(MachineCli.run(args));
      return;
    }
    Path dir = Wire.socketDir(env);
    Path socket = Wire.socket(dir, identity);
    int code = askServer(dir, socket, identity, args, env);
    if (code >= 0) {
      System.exit(code);
    }
    if (debug(args, env)) {
      System.err.println(
          new StringBuilder("debug: no command server answered at ")
              .append(socket)
              .append("; running here and starting one"));
    }
    code = MachineCli.run(args);
    startServer(
        launcher,
        dir,
        CommandServer.storagePath(args, env, Path.of(System.getProperty("user.home"))));
    System.exit(code);
  }

  /**
   * Returns whether a server may answer this command line: reuse is on, the command is one it
   * serves with only global options the front end knows, no help is asked for, and the store path
   * (if given, wherever it stands) is absolute, since the server runs in another directory.
   */
  static boolean served(String[] args, Map<String, String> env) {
    try {
      if (ReuseSettings.idleFromEnv(env).isEmpty()) {
        return false;
      }
    } catch (IllegalArgumentException e) {
      return false; // the command reports it
    }
    String storage = env.get("MACHINE_STORAGE_PATH");
    if (storage != null && !storage.isBlank() && !Path.of(storage).isAbsolute()) {
      return false;
    }
    CommandLineShape shape = CommandLineShape.of(args);
    return shape.plain()
        && !shape.help()
        && !shape.endOfOptions()
        && (shape.storagePath() == null || Path.of(shape.storagePath()).isAbsolute())
        && shape.command() != null
        && (READS.contains(shape.command())
            || (WRITES.contains(shape.command()) && !asks(shape.command(), args)));
  }

  /** Returns whether a command would ask a question on the terminal: rm without -y or -f. */
  private static boolean asks(String command, String[] args) {
    boolean rm = command.equals("rm");
    if (!rm && !command.equals("regenerate-certs")) {
      return false;
    }
    for (String arg : args) {
      if (arg.equals("-f")
          || arg.equals("--force")
          || (rm && (arg.equals("-y") || arg.equals("--yes")))) {
        return false;
      }
      if (arg.length() > 2 && arg.charAt(0) == '-' && cluster(arg)) {
        return false; // -fy, -yf: picocli's clustered short options
      }
    }
    return true;
  }

  /**
   * Has the server run the command and returns its exit code, or -1 when no server took it (none is
   * up, it is not private to this user, or it refused): the caller then runs it itself.
   */
  // A console means a terminal on the JDK 17 this targets (as in CliEnvironment).
  @SuppressWarnings("SystemConsoleNull")
  static int askServer(
      Path dir, Path socket, String identity, String[] args, Map<String, String> env) {
    if (!Files.exists(socket) || !Wire.privateToMe(dir) || !Wire.privateToMe(socket)) {
      return -1;
    }
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(socket));
      DataOutputStream out = Wire.output(channel);
      new Wire.Request(
              identity,
              System.getProperty("user.dir"),
              System.getProperty("user.home"),
              System.console() != null,
              List.of(args),
              env)
          .write(out);
      return relay(channel, Wire.input(channel), debug(args, env), write(args));
    } catch (IOException e) {
      return -1;
    }
  }

  private static boolean write(String[] args) {
    String command = CommandLineShape.of(args).command();
    return command != null && WRITES.contains(command);
  }

  /**
   * Copies the server's frames to this process's stdout and stderr; returns the exit code. For a
   * command that changes things, the first Ctrl-C is sent on to the server, which cancels the
   * command in its driver and reports how that ended; a second one ends this process at once. A
   * read-only command just ends on Ctrl-C, which the server sees as a hang-up and cancels.
   */
  private static int relay(
      SocketChannel channel, DataInputStream in, boolean debug, boolean write) {
    OutputStream stdout = new FileOutputStream(FileDescriptor.out);
    OutputStream stderr = new FileOutputStream(FileDescriptor.err);
    boolean accepted = false;
    boolean mayRetry = false;
    boolean wrote = false;
    long pid = 0;
    while (true) {
      try {
        byte kind = in.readByte();
        switch (kind) {
          case Wire.SERVER -> pid = in.readLong();
          case Wire.ACCEPTED -> {
            accepted = true;
            mayRetry = in.readBoolean();
            if (write) {
              forwardInterrupts(channel);
            }
          }
          case Wire.STDOUT -> {
            stdout = copy(Wire.readChunk(in), stdout);
            wrote = true;
          }
          case Wire.STDERR -> {
            stderr = copy(Wire.readChunk(in), stderr);
            wrote = true;
          }
          case Wire.EXIT -> {
            int code = in.readInt();
            long micros = in.readLong() / 1000;
            if (debug) {
              copy(
                  ("debug: answered by the command server, pid "
                          + pid
                          + ", in "
                          + micros / 1000
                          + "."
                          + micros % 1000 / 100
                          + " ms\n")
                      .getBytes(StandardCharsets.UTF_8),
                  stderr);
            }
            return code;
          }
          case Wire.REFUSED -> {
            String reason = Wire.readString(in);
            if (debug) {
              copy(
                  ("debug: the command server (pid " + pid + ") refused: " + reason + "\n")
                      .getBytes(StandardCharsets.UTF_8),
                  stderr);
            }
            return accepted ? 1 : -1;
          }
          default -> throw new IOException("unknown frame " + kind);
        }
      } catch (IOException e) {
        if (!accepted || (mayRetry && !wrote)) {
          return -1; // it went away before taking the command, or before a read printed: run it
          // here
        }
        copy(
            ("Error: the machine command server (pid "
                    + pid
                    + ") failed in the middle of the command ("
                    + (e instanceof java.io.EOFException
                        ? "it closed the connection"
                        : e.getMessage())
                    + "). Run it again, or set MACHINEHOST_PLUGIN_REUSE=0 to run every command"
                    + " in its own process.\n")
                .getBytes(StandardCharsets.UTF_8),
            stderr);
        return 1;
      }
    }
  }

  private static void forwardInterrupts(SocketChannel channel) {
    boolean[] once = {false};
    io.machinehost.host.command.Interrupts.onSigint(
        () -> {
          synchronized (once) {
            if (once[0]) {
              Runtime.getRuntime().halt(130);
            }
            once[0] = true;
          }
          try {
            channel.write(java.nio.ByteBuffer.wrap(new byte[] {Wire.INTERRUPT}));
          } catch (IOException e) {
            Runtime.getRuntime().halt(130);
          }
        });
  }

  /**
   * Writes a chunk; returns the stream, or a null stream once writing failed (a closed pipe, as in
   * {@code machine ls | head -1}): the rest is dropped, as a command in its own process drops it,
   * and the exit code still comes from the server.
   */
  private static OutputStream copy(byte[] chunk, OutputStream to) {
    try {
      to.write(chunk);
      return to;
    } catch (IOException e) {
      return OutputStream.nullOutputStream();
    }
  }

  private static boolean debug(String[] args, Map<String, String> env) {
    String value = env.get("MACHINE_DEBUG");
    if (value != null && (value.equals("1") || value.equalsIgnoreCase("true"))) {
      return true;
    }
    for (String arg : args) {
      if (arg.equals("-D") || arg.equals("--debug")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Starts a command server in the background, in a session of its own (so a terminal's Ctrl-C and
   * hang-up do not reach it) and with no terminal. It exits on its own when idle; a second server
   * of the same executable finds the first's lock taken and exits at once.
   */
  static void startServer(String launcher, Path dir, Path store) {
    try {
      Files.createDirectories(dir.getParent());
      if (!Files.isDirectory(dir)) {
        Files.createDirectory(
            dir,
            java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
      }
      if (!Wire.privateToMe(dir)) {
        return;
      }
      // setsid --fork: the server is not this JVM's child, which lets this JVM exit at once (one
      // that exits with a live child waits ~300 ms for its threads in native code). Not a shell's
      // "&": that would start the server, and every plugin it launches, with SIGINT ignored.
      List<String> command = new ArrayList<>();
      for (String setsid : List.of("/usr/bin/setsid", "/bin/setsid")) {
        if (Files.isExecutable(Path.of(setsid))) {
          command.add(setsid);
          command.add("--fork");
          break;
        }
      }
      command.add(launcher);
      command.add(Wire.SERVE);
      ProcessBuilder builder = new ProcessBuilder(command);
      // A long-lived process (later options win, so the user's still do).
      String opts = System.getenv("MACHINEHOST_JAVA_OPTS");
      Map<String, String> env = builder.environment();
      env.put(
          "MACHINEHOST_JAVA_OPTS",
          opts == null ? SERVER_JAVA_OPTS : SERVER_JAVA_OPTS.concat(" ").concat(opts));
      // What it needs to attach ahead to the plugins this command left warm: the store, and the
      // environment those were started with (this one, before the changes above).
      env.put(CommandServer.CALLER_STORE_ENV, store.toAbsolutePath().toString());
      if (opts != null) {
        env.put(CommandServer.CALLER_JAVA_OPTS_ENV, opts);
      }
      // A daemon keeps no directory busy, nor loses its own when that one is removed: the plugins
      // it launches start there too (a shell header in a deleted directory fails at getcwd).
      builder
          .directory(new File("/"))
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
    } catch (IOException | RuntimeException e) {
      // a server is only a speed-up: the next command runs here too
    }
  }
}
