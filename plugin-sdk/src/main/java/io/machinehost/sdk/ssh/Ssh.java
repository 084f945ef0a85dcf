package io.machinehost.sdk.ssh;

import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.Operation;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What a driver needs of SSH, in three calls: wait until a new machine answers, run a command, and
 * tell whether anything answers at all.
 *
 * <pre>{@code
 * SshTarget target = SshTarget.of(ip, 22, "root", resolveStorePath("id_ed25519"))
 *     .withKnownHosts(resolveStorePath("known_hosts"));
 * operation.progress("wait-ssh", "Waiting for SSH on " + target);
 * Ssh.waitFor(target, Duration.ofMinutes(3), operation);
 * Ssh.run(target, "sudo hostname " + name).orThrow("set the host name");
 * }</pre>
 */
public final class Ssh {
  /**
   * How long, in seconds, a refused key is retried by {@link #waitFor}: cloud-init may add it late.
   */
  public static final int AUTH_GRACE_SECONDS = 10;

  private static final Duration AUTH_GRACE = Duration.ofSeconds(AUTH_GRACE_SECONDS);

  private static final Duration FIRST_DELAY = Duration.ofMillis(250);
  private static final Duration MAX_DELAY = Duration.ofSeconds(3);

  private Ssh() {}

  /**
   * Waits until the machine accepts an SSH login and runs {@code exit 0}, retrying with backoff
   * (250 ms doubling to 3 s). Connection failures are retried until the timeout; a refused key for
   * {@value #AUTH_GRACE_SECONDS} s at most; a changed host key or a missing key file not at all.
   *
   * @param target the machine's address, user, key and pinned host keys
   * @param timeout how long to wait in all
   * @param operation reports nothing, but its cancellation (or the thread's interruption) ends the
   *     wait
   * @throws DriverException {@link DriverException.Code#TIMEOUT} naming {@code host:port} and the
   *     last failure; {@link DriverException.Code#PERMISSION_DENIED} if the key stays refused;
   *     {@link DriverException.Code#FAILED_PRECONDITION} for a changed host key or bad key file;
   *     {@link DriverException.Code#CANCELLED} if cancelled
   */
  public static void waitFor(SshTarget target, Duration timeout, Operation operation)
      throws DriverException {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    long authRefusedSince = 0;
    boolean authRefused = false;
    Duration delay = FIRST_DELAY;
    AtomicReference<Closeable> current = new AtomicReference<>();
    operation.onCancel(() -> closeQuietly(current.get()));
    DriverException last;
    while (true) {
      checkCancelled(target, operation);
      long remaining = deadline - System.nanoTime();
      Duration attempt =
          Duration.ofNanos(
              Math.max(
                  Duration.ofMillis(100).toNanos(),
                  Math.min(remaining, SshjClient.DEFAULT_CONNECT_TIMEOUT.toNanos())));
      try (SshjClient client = SshjClient.connect(target, attempt, current::set)) {
        client.run("exit 0");
        return;
      } catch (DriverException e) {
        checkCancelled(target, operation);
        switch (e.code()) {
          case UNAVAILABLE, TIMEOUT -> authRefused = false;
          case PERMISSION_DENIED -> {
            long now = System.nanoTime();
            if (!authRefused) {
              authRefused = true;
              authRefusedSince = now;
            } else if (now - authRefusedSince >= AUTH_GRACE.toNanos()) {
              throw e;
            }
          }
          default -> throw e;
        }
        last = e;
      } finally {
        current.set(null);
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        if (last.code() == DriverException.Code.PERMISSION_DENIED) {
          throw last;
        }
        throw DriverException.timeout(
                "SSH at %s did not answer within %s: %s",
                target, format(timeout), last.getMessage())
            .withCause(last);
      }
      sleep(Math.min(delay.toNanos(), left), target, operation);
      delay = delay.multipliedBy(2).compareTo(MAX_DELAY) > 0 ? MAX_DELAY : delay.multipliedBy(2);
    }
  }

  /**
   * Connects, runs one command with no input, and disconnects.
   *
   * @param target the machine
   * @param command a shell command line, run by the user's login shell
   * @return the exit status and output; a non-zero status is not an error here (see {@link
   *     CommandResult#orThrow})
   * @throws DriverException as {@link SshjClient#connect(SshTarget, Duration)} and {@link
   *     SshClient#run(String)}
   */
  public static CommandResult run(SshTarget target, String command) throws DriverException {
    try (SshClient client = SshjClient.connect(target)) {
      return client.run(command);
    }
  }

  /**
   * As {@link #run(SshTarget, String)}, with a limit on how long the command may take.
   *
   * @param target the machine
   * @param command a shell command line
   * @param timeout how long the command may run
   * @return the exit status and output
   * @throws DriverException {@link DriverException.Code#TIMEOUT} if the command took longer
   */
  public static CommandResult run(SshTarget target, String command, Duration timeout)
      throws DriverException {
    try (SshClient client = SshjClient.connect(target)) {
      return client.run(command, new byte[0], timeout);
    }
  }

  /**
   * Returns whether an SSH server answers at {@code host:port}: a TCP connection is accepted and
   * the server sends its {@code SSH-} identification line, all within {@code timeout}. It never
   * logs in. A port forwarded by a proxy with nothing behind it (as Docker's is for a stopped
   * container's sshd) does not count.
   *
   * @param host the host name or IP address
   * @param port the port
   * @param timeout how long to try in all
   * @return whether an SSH server answered in time
   */
  public static boolean answers(String host, int port, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), millisLeft(deadline));
      InputStream in = socket.getInputStream();
      // RFC 4253 4.2: the server may send other lines before its identification line.
      StringBuilder line = new StringBuilder();
      for (int read = 0; read < 8192; read++) {
        socket.setSoTimeout(millisLeft(deadline));
        int c = in.read();
        if (c < 0) {
          return false;
        }
        if (c == '\n') {
          if (line.toString().startsWith("SSH-")) {
            return true;
          }
          line.setLength(0);
        } else if (line.length() < 255) {
          line.append((char) c);
          if (line.length() == 4 && line.toString().equals("SSH-")) {
            return true;
          }
        }
      }
      return false;
    } catch (IOException | IllegalArgumentException e) {
      return false;
    }
  }

  private static int millisLeft(long deadline) throws IOException {
    long left = (deadline - System.nanoTime()) / 1_000_000;
    if (left <= 0) {
      throw new IOException("timed out");
    }
    return (int) Math.min(Integer.MAX_VALUE, left);
  }

  private static void checkCancelled(SshTarget target, Operation operation) throws DriverException {
    if (operation.isCancelled() || Thread.currentThread().isInterrupted()) {
      throw DriverException.cancelled("waiting for SSH at %s was cancelled", target);
    }
  }

  private static void sleep(long nanos, SshTarget target, Operation operation)
      throws DriverException {
    try {
      Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw DriverException.cancelled("waiting for SSH at %s was cancelled", target);
    }
    checkCancelled(target, operation);
  }

  private static void closeQuietly(Closeable closeable) {
    if (closeable != null) {
      try {
        closeable.close();
      } catch (IOException e) {
        // cancelling: the attempt fails either way
      }
    }
  }

  static String format(Duration duration) {
    long millis = duration.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
  }
}
