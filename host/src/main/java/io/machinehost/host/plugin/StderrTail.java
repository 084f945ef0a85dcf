package io.machinehost.host.plugin;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Reads a plugin's stderr to the end, keeping its last lines for error messages and, in debug mode,
 * forwarding each line prefixed with the plugin's name.
 */
final class StderrTail {
  private static final int LINES = 20;

  private final Deque<String> lines = new ArrayDeque<>();
  private final Thread reader;

  StderrTail(String plugin, InputStream stderr, PrintStream forward) {
    reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(new InputStreamReader(stderr, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  add(line);
                  if (forward != null) {
                    forward.println("(" + plugin + ") " + line);
                  }
                }
              } catch (IOException e) {
                // the plugin is gone; what was read is kept
              }
            },
            "machinehost-stderr-" + plugin);
    reader.setDaemon(true);
    reader.start();
  }

  private synchronized void add(String line) {
    if (lines.size() == LINES) {
      lines.removeFirst();
    }
    lines.addLast(line);
  }

  /** Waits briefly for the rest of the output of a plugin that has exited. */
  void drain() {
    try {
      reader.join(500);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Returns the last lines, or an empty string when there were none. */
  synchronized String tail() {
    return String.join("\n", lines);
  }

  /** Returns the tail indented for a message, or a note that there was none. */
  String describe() {
    String tail = tail();
    return tail.isEmpty()
        ? "(the plugin wrote nothing on stderr)"
        : "its stderr ended with:\n    " + tail.replace("\n", "\n    ");
  }
}
