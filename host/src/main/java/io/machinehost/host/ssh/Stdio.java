package io.machinehost.host.ssh;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;

/**
 * The standard streams a remote command or a child {@code ssh} gets: the process's own when the CLI
 * runs on them (binary data passes unchanged and a child inherits the terminal), otherwise the
 * streams the CLI was given, as in tests.
 *
 * @param in standard input
 * @param out standard output, as bytes
 * @param err standard error, as bytes
 * @param inherited whether these are the process's own streams, which a child can inherit
 */
public record Stdio(InputStream in, OutputStream out, OutputStream err, boolean inherited) {

  /**
   * Returns the streams for a command whose input is {@code stdin} and whose output goes to the
   * given writers. When {@code stdin} is the process's {@link System#in}, the command runs on the
   * process's own streams: the writers are flushed first so that their output comes before.
   */
  public static Stdio of(InputStream stdin, PrintWriter out, PrintWriter err) {
    if (stdin == System.in) {
      out.flush();
      err.flush();
      return new Stdio(
          System.in,
          new FileOutputStream(FileDescriptor.out),
          new FileOutputStream(FileDescriptor.err),
          true);
    }
    return new Stdio(stdin, new WriterOutputStream(out), new WriterOutputStream(err), false);
  }
}
