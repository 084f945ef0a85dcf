package io.machinehost.host.ssh;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The local terminal, for the native shell: its size, and raw mode so that keys (Ctrl-C included)
 * reach the remote shell as typed and are echoed once, by the remote side. Uses {@code stty} on
 * {@code /dev/tty}.
 */
public final class Terminal {
  private static final File TTY = new File("/dev/tty");

  private final String saved;

  private Terminal(String saved) {
    this.saved = saved;
  }

  /** Returns the controlling terminal, if there is one and {@code stty} can drive it. */
  public static Optional<Terminal> open() {
    if (!TTY.canRead()) {
      return Optional.empty();
    }
    return stty("-g").map(String::strip).filter(s -> !s.isEmpty()).map(Terminal::new);
  }

  /** Returns {columns, rows}, or 80×24 when the terminal does not say. */
  public int[] size() {
    Optional<String> size = stty("size");
    if (size.isPresent()) {
      String[] fields = size.get().strip().split("\\s+");
      try {
        int rows = Integer.parseInt(fields[0]);
        int columns = Integer.parseInt(fields[1]);
        if (rows > 0 && columns > 0) {
          return new int[] {columns, rows};
        }
      } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
        // fall through to the classic size
      }
    }
    return new int[] {80, 24};
  }

  /** Restores the terminal's settings. */
  public interface Restore extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Puts the terminal in raw mode until the returned handle is closed (or the process exits).
   *
   * @return restores the terminal's previous settings
   */
  public Restore raw() {
    Thread restore = new Thread(() -> stty(saved), "terminal-restore");
    Runtime.getRuntime().addShutdownHook(restore);
    stty("raw", "-echo");
    return () -> {
      stty(saved);
      try {
        Runtime.getRuntime().removeShutdownHook(restore);
      } catch (IllegalStateException e) {
        // already shutting down: the hook restores it too
      }
    };
  }

  private static Optional<String> stty(String... args) {
    List<String> command = new ArrayList<>();
    command.add("stty");
    command.addAll(List.of(args));
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectInput(TTY)
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return process.waitFor() == 0 ? Optional.of(output) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
