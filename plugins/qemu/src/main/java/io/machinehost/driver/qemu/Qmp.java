package io.machinehost.driver.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A QEMU Machine Protocol client for one command at a time: connects to the VM's QMP socket, reads
 * the greeting, leaves capabilities negotiation, runs the command and returns its {@code return}
 * value, skipping asynchronous events. A whole exchange has a deadline, after which the socket is
 * closed.
 */
final class Qmp {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ScheduledExecutorService WATCHDOG =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "qmp-watchdog");
            t.setDaemon(true);
            return t;
          });

  /** A QMP error reply, or a socket that would not answer. */
  static final class QmpException extends IOException {
    private static final long serialVersionUID = 1L;

    QmpException(String message) {
      super(message);
    }

    QmpException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private Qmp() {}

  /**
   * Runs one command.
   *
   * @param socket the VM's QMP socket
   * @param command e.g. {@code query-status}
   * @param timeout for the whole exchange
   * @return the reply's {@code return} value
   * @throws QmpException if the socket does not answer in time, or QEMU replies with an error
   */
  static JsonNode execute(Path socket, String command, Duration timeout) throws QmpException {
    SocketChannel channel;
    try {
      channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    } catch (IOException e) {
      throw new QmpException("cannot open a Unix socket: " + e.getMessage(), e);
    }
    ScheduledFuture<?> watchdog =
        WATCHDOG.schedule(() -> closeQuietly(channel), timeout.toMillis(), TimeUnit.MILLISECONDS);
    try (channel) {
      channel.connect(UnixDomainSocketAddress.of(socket));
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
      OutputStream out = Channels.newOutputStream(channel);
      JsonNode greeting = read(in, socket);
      if (!greeting.has("QMP")) {
        throw new QmpException("the QMP socket " + socket + " did not greet: " + greeting);
      }
      send(out, "qmp_capabilities");
      reply(in, socket, "qmp_capabilities");
      send(out, command);
      return reply(in, socket, command);
    } catch (QmpException e) {
      throw e;
    } catch (IOException e) {
      throw new QmpException(
          "the QMP socket " + socket + " did not answer " + command + ": " + e.getMessage(), e);
    } finally {
      watchdog.cancel(false);
    }
  }

  private static void send(OutputStream out, String command) throws IOException {
    ObjectNode request = JSON.createObjectNode().put("execute", command);
    out.write((JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static JsonNode reply(BufferedReader in, Path socket, String command) throws IOException {
    while (true) {
      JsonNode message = read(in, socket);
      if (message.has("return")) {
        return message.get("return");
      }
      if (message.has("error")) {
        JsonNode error = message.get("error");
        throw new QmpException(
            "QEMU refused " + command + ": " + error.path("desc").asText(error.toString()));
      }
      // an event ({"event": ...}) arrives whenever it happens: skip it
    }
  }

  private static JsonNode read(BufferedReader in, Path socket) throws IOException {
    String line = in.readLine();
    if (line == null) {
      throw new QmpException("the QMP socket " + socket + " closed the connection");
    }
    return JSON.readTree(line);
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // closing is all the watchdog can do
    }
  }
}
