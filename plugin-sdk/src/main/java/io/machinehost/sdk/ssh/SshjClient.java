package io.machinehost.sdk.ssh;

import io.machinehost.sdk.DriverException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import net.schmizz.keepalive.KeepAliveProvider;
import net.schmizz.sshj.Config;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.connection.ConnectionException;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.connection.channel.direct.Signal;
import net.schmizz.sshj.transport.verification.PromiscuousVerifier;
import net.schmizz.sshj.userauth.keyprovider.KeyProvider;
import net.schmizz.sshj.xfer.FileSystemFile;
import net.schmizz.sshj.xfer.scp.SCPDownloadClient;
import net.schmizz.sshj.xfer.scp.SCPRemoteException;
import net.schmizz.sshj.xfer.scp.ScpCommandLine;

/** The native {@link SshClient}, on sshj: no {@code ssh} binary needed. */
public final class SshjClient implements SshClient {
  /** How long connecting and logging in may take unless told otherwise, as Docker Machine. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private static final int KEEP_ALIVE_SECONDS = 30;
  private static final long PUMP_DRAIN_MILLIS = 5_000;
  private static final Config CONFIG = newConfig();

  private final SSHClient ssh;
  private final SshTarget target;

  private SshjClient(SSHClient ssh, SshTarget target) {
    this.ssh = ssh;
    this.target = target;
  }

  private static Config newConfig() {
    DefaultConfig config = new DefaultConfig();
    config.setKeepAliveProvider(KeepAliveProvider.KEEP_ALIVE);
    return config;
  }

  /**
   * Connects and logs in, within {@link #DEFAULT_CONNECT_TIMEOUT}.
   *
   * @param target the machine
   * @return a client logged in to it; close it when done
   * @throws DriverException see {@link #connect(SshTarget, Duration)}
   */
  public static SshjClient connect(SshTarget target) throws DriverException {
    return connect(target, DEFAULT_CONNECT_TIMEOUT, null);
  }

  /**
   * Connects, checks the host key against the target's pin, and logs in with its key.
   *
   * @param target the machine
   * @param timeout how long connecting, the handshake and each step of logging in may take
   * @return a client logged in to it; close it when done
   * @throws DriverException {@link DriverException.Code#UNAVAILABLE} if the machine cannot be
   *     reached or the handshake fails; {@link DriverException.Code#PERMISSION_DENIED} if the key
   *     is refused; {@link DriverException.Code#FAILED_PRECONDITION} if the key file is missing or
   *     unreadable, or the host key differs from the pinned one (the message says how to accept
   *     it); {@link DriverException.Code#CANCELLED} if the thread is interrupted
   */
  public static SshjClient connect(SshTarget target, Duration timeout) throws DriverException {
    return connect(target, timeout, null);
  }

  /** As {@link #connect(SshTarget, Duration)}, handing the socket's closer out first. */
  static SshjClient connect(SshTarget target, Duration timeout, Consumer<Closeable> opening)
      throws DriverException {
    Path key = target.privateKey();
    if (key != null && !Files.isRegularFile(key)) {
      throw DriverException.failedPrecondition("SSH key %s does not exist", key);
    }
    if (key != null && !Files.isReadable(key)) {
      throw DriverException.failedPrecondition("SSH key %s cannot be read", key);
    }
    int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    SSHClient ssh = new SSHClient(CONFIG);
    PinnedHostKeys pins =
        target.knownHosts() == null ? null : new PinnedHostKeys(target.knownHosts());
    ssh.addHostKeyVerifier(pins != null ? pins : new PromiscuousVerifier());
    ssh.setConnectTimeout(millis);
    ssh.setTimeout(millis);
    ssh.getTransport().setTimeoutMs(millis);
    ssh.getConnection().getKeepAlive().setKeepAliveInterval(KEEP_ALIVE_SECONDS);
    if (opening != null) {
      opening.accept(ssh);
    }
    KeyProvider keys = null;
    try {
      if (key != null) {
        try {
          keys = ssh.loadKeys(key.toString());
        } catch (IOException e) {
          throw DriverException.failedPrecondition(
                  "cannot read SSH key %s: %s", key, SshErrors.message(e))
              .withCause(e);
        }
      }
      ssh.connect(target.host(), target.port());
      if (keys == null) {
        ssh.authPublickey(target.user());
      } else {
        ssh.authPublickey(target.user(), keys);
      }
      return new SshjClient(ssh, target);
    } catch (IOException e) {
      closeQuietly(ssh);
      throw SshErrors.connecting(target, e, pins, millis);
    } catch (DriverException | RuntimeException e) {
      closeQuietly(ssh);
      throw e;
    }
  }

  @Override
  public SshTarget target() {
    return target;
  }

  @Override
  public CommandResult run(String command, byte[] stdin, Duration timeout) throws DriverException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status = execute(command, new ByteArrayInputStream(stdin), out, err, timeout);
    return new CommandResult(
        status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Override
  public int exec(String command, InputStream stdin, OutputStream stdout, OutputStream stderr)
      throws DriverException {
    return execute(command, stdin, stdout, stderr, Duration.ZERO);
  }

  private int execute(
      String command, InputStream stdin, OutputStream stdout, OutputStream stderr, Duration timeout)
      throws DriverException {
    String what = "command \"" + command + "\"";
    try (Session session = ssh.startSession()) {
      Session.Command cmd = session.exec(command);
      Thread out = pump(cmd.getInputStream(), stdout, "ssh-stdout");
      Thread err = pump(cmd.getErrorStream(), stderr, "ssh-stderr");
      feed(stdin, cmd.getOutputStream());
      try {
        if (timeout.isZero()) {
          cmd.join();
        } else {
          cmd.join(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
      } catch (ConnectionException e) {
        if (!SshErrors.isCancellation(e) && cmd.isOpen() && !timeout.isZero()) {
          stop(cmd);
          throw DriverException.timeout("%s on %s did not finish within %s", what, target, timeout);
        }
        stop(cmd);
        throw e;
      }
      drain(out);
      drain(err);
      Integer status = cmd.getExitStatus();
      return status == null ? CommandResult.NO_EXIT_STATUS : status;
    } catch (IOException e) {
      throw SshErrors.during(target, what, e);
    }
  }

  @Override
  public int shell(String term, int columns, int rows, InputStream stdin, OutputStream stdout)
      throws DriverException {
    try (Session session = ssh.startSession()) {
      session.allocatePTY(term, columns, rows, 0, 0, Map.of());
      Session.Shell shell = session.startShell();
      Thread out = pump(shell.getInputStream(), stdout, "ssh-stdout");
      Thread err = pump(shell.getErrorStream(), stdout, "ssh-stderr");
      feed(stdin, shell.getOutputStream());
      try {
        shell.join();
      } catch (ConnectionException e) {
        stop(shell);
        throw e;
      }
      drain(out);
      drain(err);
      // sshj's session channel is both; only the Command view exposes the status.
      Integer status = shell instanceof Session.Command command ? command.getExitStatus() : null;
      return status == null ? CommandResult.NO_EXIT_STATUS : status;
    } catch (IOException e) {
      throw SshErrors.during(target, "the shell", e);
    }
  }

  @Override
  public void upload(Path local, String remote, boolean recursive) throws DriverException {
    if (!Files.exists(local)) {
      throw DriverException.invalidArgument(null, "%s does not exist", local);
    }
    if (Files.isDirectory(local) && !recursive) {
      throw DriverException.invalidArgument(null, "%s is a directory; copy it with -r", local);
    }
    String what = "scp of " + local + " to " + target + ":" + remote;
    try {
      int status =
          ssh.newSCPFileTransfer()
              .newSCPUploadClient()
              .copy(
                  new FileSystemFile(local.toFile()),
                  remotePath(remote),
                  ScpCommandLine.EscapeMode.SingleQuote);
      if (status != 0) {
        throw DriverException.failedPrecondition("%s failed with exit status %d", what, status);
      }
    } catch (SCPRemoteException e) {
      throw DriverException.failedPrecondition("%s failed: %s", what, e.getRemoteMessage())
          .withCause(e);
    } catch (IOException e) {
      throw SshErrors.during(target, what, e);
    }
  }

  @Override
  public void download(String remote, Path local, boolean recursive) throws DriverException {
    String what = "scp of " + target + ":" + remote + " to " + local;
    try {
      SCPDownloadClient client = ssh.newSCPFileTransfer().newSCPDownloadClient();
      client.setRecursiveMode(recursive);
      int status =
          client.copy(
              remotePath(remote),
              new FileSystemFile(local.toFile()),
              ScpCommandLine.EscapeMode.SingleQuote);
      if (status != 0) {
        throw DriverException.failedPrecondition("%s failed with exit status %d", what, status);
      }
    } catch (SCPRemoteException e) {
      throw DriverException.failedPrecondition("%s failed: %s", what, e.getRemoteMessage())
          .withCause(e);
    } catch (IOException e) {
      throw SshErrors.during(target, what, e);
    }
  }

  /** Quoted paths are not expanded by the remote shell: {@code ~/x} becomes {@code x}. */
  private static String remotePath(String remote) {
    if (remote.equals("~") || remote.isEmpty()) {
      return ".";
    }
    return remote.startsWith("~/") ? remote.substring(2) : remote;
  }

  @Override
  public void close() {
    closeQuietly(ssh);
  }

  private static void closeQuietly(Closeable closeable) {
    try {
      closeable.close();
    } catch (IOException e) {
      // nothing left to do: the connection is gone either way
    }
  }

  private static void stop(Session.Command command) {
    try {
      command.signal(Signal.TERM);
    } catch (IOException e) {
      // the channel may be gone already
    }
    closeQuietly(command);
  }

  private static void stop(Session.Shell shell) {
    closeQuietly(shell);
  }

  /** Copies a remote stream to a local one on a thread of its own until end of file. */
  private static Thread pump(InputStream from, OutputStream to, String name) {
    Thread thread =
        new Thread(
            () -> {
              byte[] buffer = new byte[8192];
              try {
                for (int n; (n = from.read(buffer)) >= 0; ) {
                  to.write(buffer, 0, n);
                  to.flush();
                }
              } catch (IOException e) {
                // the channel closed or broke: the command's status tells the caller
              }
            },
            name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  /**
   * Copies local input to the remote command and then sends end of file. Runs on a daemon thread
   * that is never waited for: a terminal's stdin may block long after the command ended.
   */
  private static void feed(InputStream from, OutputStream to) {
    if (from == null) {
      closeQuietly(to);
      return;
    }
    Thread thread =
        new Thread(
            () -> {
              byte[] buffer = new byte[8192];
              try (to) {
                for (int n; (n = from.read(buffer)) >= 0; ) {
                  to.write(buffer, 0, n);
                  to.flush();
                }
              } catch (IOException e) {
                // the command ended before reading everything, as `head` does
              }
            },
            "ssh-stdin");
    thread.setDaemon(true);
    thread.start();
  }

  private static void drain(Thread pump) throws ConnectionException {
    try {
      pump.join(PUMP_DRAIN_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ConnectionException("interrupted while reading the command's output", e);
    }
  }
}
