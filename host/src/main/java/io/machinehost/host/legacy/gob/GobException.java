package io.machinehost.host.legacy.gob;

import java.io.IOException;

/** A gob stream that cannot be encoded or decoded: names what was wrong with it. */
public final class GobException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a formatted message. */
  @SuppressWarnings("AnnotateFormatMethod") // error_prone_annotations is not a dependency
  public GobException(String format, Object... args) {
    super(String.format(format, args));
  }
}
