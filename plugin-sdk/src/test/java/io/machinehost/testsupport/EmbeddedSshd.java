package io.machinehost.testsupport;

import io.machinehost.sdk.ssh.SshTarget;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.apache.sshd.server.session.ServerSession;

/**
 * An SSH server in the test's JVM (Apache MINA SSHD) on 127.0.0.1, for fast tests of the SSH layer
 * and of drivers: no processes, no Docker. It accepts one public key and runs pretend commands:
 *
 * <ul>
 *   <li>{@code echo TEXT} prints TEXT; {@code err TEXT} prints TEXT on stderr and exits 1;
 *   <li>{@code exit N} exits N; {@code cat} copies stdin to stdout; {@code sleep} never ends;
 *   <li>a command given to {@link #refuse} prints its message on stderr and exits 1;
 *   <li>anything else exits 0, and is passed to the {@link #onCommand} hook after it exits.
 * </ul>
 *
 * The shell echoes each line it reads and ends on {@code exit N}.
 */
public final class EmbeddedSshd implements AutoCloseable {
  private final SshServer server;
  private final List<String> commands = new CopyOnWriteArrayList<>();
  private volatile Consumer<String> onCommand = command -> {};
  private volatile Consumer<ServerSession> onLogin = session -> {};
  private final Map<String, String> refused = new ConcurrentHashMap<>();
  private final int port;

  private EmbeddedSshd(SshServer server) {
    this.server = server;
    this.port = server.getPort();
  }

  /**
   * Starts a server on a free port of 127.0.0.1.
   *
   * @param hostKey where its host key is kept (made if missing): the same file gives the same key
   * @param authorizedKey the one {@code authorized_keys} line it accepts
   */
  public static EmbeddedSshd start(Path hostKey, String authorizedKey) throws IOException {
    return start(hostKey, authorizedKey, 0);
  }

  /** As {@link #start(Path, String)}, on a given port (0 for any). */
  public static EmbeddedSshd start(Path hostKey, String authorizedKey, int port)
      throws IOException {
    String accepted = authorizedKey.trim().split("\\s+")[1];
    SshServer server = SshServer.setUpDefaultServer();
    server.setHost("127.0.0.1");
    server.setPort(port);
    server.setKeyPairProvider(new SimpleGeneratorHostKeyProvider(hostKey));
    EmbeddedSshd[] self = new EmbeddedSshd[1];
    server.setPublickeyAuthenticator(
        (user, key, session) -> {
          self[0].onLogin.accept(session);
          return PublicKeyEntry.toString(key).split("\\s+")[1].equals(accepted);
        });
    server.setCommandFactory((channel, command) -> self[0].new FakeCommand(command));
    server.setShellFactory(channel -> new FakeShell());
    server.start();
    self[0] = new EmbeddedSshd(server);
    return self[0];
  }

  /** Reads a public key file's line. */
  public static String publicKeyLine(Path publicKey) throws IOException {
    return Files.readString(publicKey, StandardCharsets.UTF_8).trim();
  }

  /** Returns the port it listens on (also after {@link #stop()}). */
  public int port() {
    return port;
  }

  /** Returns a target for this server. */
  public SshTarget target(String user, Path privateKey) {
    return SshTarget.of("127.0.0.1", port, user, privateKey);
  }

  /** Returns the commands run so far. */
  public List<String> commands() {
    return List.copyOf(commands);
  }

  /** Sets what happens after a command that is not a built-in one has exited. */
  public void onCommand(Consumer<String> hook) {
    this.onCommand = hook;
  }

  /**
   * Sets what happens when a client offers a key, before it is checked: a misbehaving server may
   * close the session or stall here.
   */
  public void onLogin(Consumer<ServerSession> hook) {
    this.onLogin = hook;
  }

  /** Makes a command fail with exit status 1 and this message on stderr. */
  public void refuse(String command, String stderr) {
    refused.put(command, stderr);
  }

  /** Stops listening and drops every session; the port is then closed. */
  public void stop() {
    try {
      server.stop(true);
    } catch (IOException e) {
      throw new IllegalStateException("cannot stop the embedded sshd", e);
    }
  }

  @Override
  public void close() {
    stop();
  }

  private abstract static class FakeBase implements Command {
    InputStream in;
    OutputStream out;
    OutputStream err;
    ExitCallback exit;
    Thread thread;

    @Override
    public void setInputStream(InputStream in) {
      this.in = in;
    }

    @Override
    public void setOutputStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {
      this.err = err;
    }

    @Override
    public void setExitCallback(ExitCallback callback) {
      this.exit = callback;
    }

    @Override
    public void start(ChannelSession channel, Environment env) {
      thread = new Thread(this::runSafely, "fake-sshd-command");
      thread.setDaemon(true);
      thread.start();
    }

    private void runSafely() {
      int status;
      try {
        status = run();
      } catch (IOException | InterruptedException e) {
        status = 255;
      }
      exit.onExit(status);
      after();
    }

    abstract int run() throws IOException, InterruptedException;

    void after() {}

    @Override
    public void destroy(ChannelSession channel) {
      if (thread != null) {
        thread.interrupt();
      }
    }

    void print(OutputStream stream, String text) throws IOException {
      stream.write(text.getBytes(StandardCharsets.UTF_8));
      stream.flush();
    }
  }

  private final class FakeCommand extends FakeBase {
    private final String command;

    FakeCommand(String command) {
      this.command = command;
    }

    @Override
    int run() throws IOException, InterruptedException {
      commands.add(command);
      String refusal = refused.get(command);
      if (refusal != null) {
        print(err, refusal + "\n");
        return 1;
      }
      String[] words = command.trim().split("\\s+", 2);
      String rest = words.length > 1 ? words[1] : "";
      switch (words[0]) {
        case "echo" -> print(out, rest + "\n");
        case "err" -> {
          print(err, rest + "\n");
          return 1;
        }
        case "exit" -> {
          return Integer.parseInt(rest.trim());
        }
        case "cat" -> {
          in.transferTo(out);
          out.flush();
        }
        case "sleep" -> new CountDownLatch(1).await();
        default -> {}
      }
      return 0;
    }

    @Override
    void after() {
      String first = command.trim().split("\\s+")[0];
      if (!List.of("echo", "err", "exit", "cat", "sleep").contains(first)
          && !refused.containsKey(command)) {
        onCommand.accept(command);
      }
    }
  }

  private static final class FakeShell extends FakeBase {
    @Override
    int run() throws IOException {
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line; (line = reader.readLine()) != null; ) {
        if (line.startsWith("exit ")) {
          return Integer.parseInt(line.substring(5).trim());
        }
        print(out, "echo: " + line + "\r\n");
      }
      return 0;
    }
  }
}
