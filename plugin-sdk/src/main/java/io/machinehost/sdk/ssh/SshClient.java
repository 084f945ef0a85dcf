package io.machinehost.sdk.ssh;

import io.machinehost.sdk.DriverException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A logged-in SSH connection to one machine (Docker Machine's {@code ssh.Client}). Open one with
 * {@link SshjClient#connect(SshTarget)}; close it when done. Calls may be made one after another; a
 * connection is not meant to be shared between threads.
 *
 * <p>Every failure is a {@link DriverException}: {@link DriverException.Code#UNAVAILABLE} when the
 * connection is lost, {@link DriverException.Code#CANCELLED} when the calling thread is
 * interrupted, {@link DriverException.Code#TIMEOUT} when a time limit passes.
 */
public interface SshClient extends AutoCloseable {

  /**
   * Returns the machine this client is logged in to.
   *
   * @return the target it connected with
   */
  SshTarget target();

  /**
   * Runs a command with no input and collects its output.
   *
   * @param command a shell command line, run by the user's login shell
   * @return its exit status and output
   * @throws DriverException if the connection is lost or the thread interrupted
   */
  default CommandResult run(String command) throws DriverException {
    return run(command, new byte[0], Duration.ZERO);
  }

  /**
   * Runs a command, feeds it {@code stdin} then end of file, and collects its output.
   *
   * @param command a shell command line
   * @param stdin what the command reads
   * @param timeout how long the command may take; {@link Duration#ZERO} for no limit
   * @return its exit status and output
   * @throws DriverException {@link DriverException.Code#TIMEOUT} if it took longer, or as {@link
   *     #run(String)}
   */
  CommandResult run(String command, byte[] stdin, Duration timeout) throws DriverException;

  /**
   * Runs a command with its standard streams connected to the given ones, as {@code ssh host cmd}
   * does: {@code stdin} is read until end of file (on a background thread, which may stay blocked
   * on a terminal after the command ends), output is written as it arrives.
   *
   * @param command a shell command line
   * @param stdin what the command reads, or {@code null} for nothing
   * @param stdout where its standard output goes
   * @param stderr where its standard error goes
   * @return the command's exit status ({@link CommandResult#NO_EXIT_STATUS} if none was reported)
   * @throws DriverException if the connection is lost or the thread interrupted
   */
  int exec(String command, InputStream stdin, OutputStream stdout, OutputStream stderr)
      throws DriverException;

  /**
   * Starts the user's login shell on a pseudo-terminal and connects it to the given streams until
   * it exits. The local terminal should be put in raw mode by the caller, so that keys reach the
   * remote shell unchanged and are echoed once.
   *
   * @param term the terminal type, e.g. "xterm"
   * @param columns the terminal width, e.g. 80
   * @param rows the terminal height, e.g. 24
   * @param stdin the keys typed
   * @param stdout where the terminal's output goes
   * @return the shell's exit status
   * @throws DriverException if the connection is lost or the thread interrupted
   */
  int shell(String term, int columns, int rows, InputStream stdin, OutputStream stdout)
      throws DriverException;

  /**
   * Copies a local file, or with {@code recursive} a directory, to the machine with {@code scp}.
   *
   * @param local the file or directory to copy
   * @param remote the destination; relative paths (and {@code ~/…}) are in the user's home
   * @param recursive whether directories are copied
   * @throws DriverException {@link DriverException.Code#INVALID_ARGUMENT} if {@code local} is
   *     missing or a directory without {@code recursive}; {@link
   *     DriverException.Code#FAILED_PRECONDITION} if the machine's {@code scp} refuses
   */
  void upload(Path local, String remote, boolean recursive) throws DriverException;

  /**
   * Copies a file, or with {@code recursive} a directory, from the machine with {@code scp}.
   *
   * @param remote the source; relative paths (and {@code ~/…}) are in the user's home
   * @param local the destination file or existing directory
   * @param recursive whether directories are copied
   * @throws DriverException {@link DriverException.Code#FAILED_PRECONDITION} if the machine's
   *     {@code scp} refuses (no such file, a directory without {@code recursive})
   */
  void download(String remote, Path local, boolean recursive) throws DriverException;

  /** Disconnects; never throws. */
  @Override
  void close();
}
