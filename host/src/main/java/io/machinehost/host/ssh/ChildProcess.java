package io.machinehost.host.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;

/** Runs a program such as {@code ssh}, {@code scp} or {@code rsync} on the command's streams. */
public final class ChildProcess {
  private ChildProcess() {}

  /**
   * Runs a program to its end: with {@link Stdio#inherited()} streams it inherits them (and so the
   * terminal); otherwise input is copied to it, then end of file, and its output copied back.
   *
   * @param args the program and its arguments
   * @param directory the working directory, or {@code null} for the current one
   * @return its exit status
   * @throws IOException if it cannot be started
   * @throws InterruptedException if interrupted while it runs; it is ended first
   */
  public static int run(List<String> args, Path directory, Stdio stdio)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(args);
    if (directory != null) {
      builder.directory(directory.toFile());
    }
    if (stdio.inherited()) {
      builder.inheritIO();
    }
    Process process = builder.start();
    try {
      if (stdio.inherited()) {
        return process.waitFor();
      }
      feed(stdio.in(), process.getOutputStream());
      Thread out = pump(process.getInputStream(), stdio.out(), "child-stdout");
      Thread err = pump(process.getErrorStream(), stdio.err(), "child-stderr");
      int status = process.waitFor();
      out.join();
      err.join();
      return status;
    } finally {
      if (process.isAlive()) {
        process.destroy();
      }
    }
  }

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
                // the child ended
              }
            },
            name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  // Not waited for: the input may block long after the child ended.
  private static void feed(InputStream from, OutputStream to) {
    Thread thread =
        new Thread(
            () -> {
              byte[] buffer = new byte[8192];
              try (to) {
                if (from == null) {
                  return;
                }
                for (int n; (n = from.read(buffer)) >= 0; ) {
                  to.write(buffer, 0, n);
                  to.flush();
                }
              } catch (IOException e) {
                // the child stopped reading
              }
            },
            "child-stdin");
    thread.setDaemon(true);
    thread.start();
  }
}
