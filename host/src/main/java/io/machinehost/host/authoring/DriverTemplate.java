package io.machinehost.host.authoring;

import io.machinehost.host.ExitCodes;
import io.machinehost.host.command.CliException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The files of a new driver project, kept as resources beside this class ({@code template/}) with
 * {@code {{token}}}s for the names that {@link DriverProject#tokens()} gives.
 */
final class DriverTemplate {
  /** A template resource and the project path it becomes (which may hold tokens too). */
  record Entry(String resource, String target) {}

  static final List<Entry> FILES =
      List.of(
          new Entry("pom.xml", "pom.xml"),
          new Entry("README.md", "README.md"),
          new Entry("gitignore", ".gitignore"),
          new Entry("Driver.java", "src/main/java/{{packagePath}}/{{Name}}Driver.java"),
          new Entry("DriverMain.java", "src/main/java/{{packagePath}}/{{Name}}DriverMain.java"),
          new Entry("DriverTest.java", "src/test/java/{{packagePath}}/{{Name}}DriverTest.java"));

  private static final Pattern TOKEN = Pattern.compile("\\{\\{([A-Za-z]+)}}");

  private DriverTemplate() {}

  /**
   * Writes the project into a directory that does not exist or is empty.
   *
   * @return the files written, relative to the directory, in template order
   * @throws CliException with {@link ExitCodes#USAGE} if the directory has anything in it or is not
   *     a directory; with {@link ExitCodes#FAILURE} if a file cannot be written (what was written
   *     is removed again)
   */
  static List<Path> write(DriverProject project, Path directory) throws CliException {
    Path dir = directory.toAbsolutePath().normalize();
    refuseUnusable(dir);
    Map<String, String> tokens = project.tokens();
    boolean created = !Files.exists(dir);
    List<Path> written = new ArrayList<>();
    try {
      Files.createDirectories(dir);
      for (Entry entry : FILES) {
        Path relative = Path.of(render(entry.target(), tokens));
        Path file = dir.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(
            file,
            render(read(entry.resource()), tokens),
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE_NEW);
        written.add(relative);
      }
      return written;
    } catch (IOException | UncheckedIOException e) {
      undo(dir, created, written);
      if (e instanceof FileAlreadyExistsException exists) {
        throw new CliException(
            ExitCodes.USAGE,
            String.format(
                "%s appeared while the project was being written; choose another --dir",
                exists.getFile()),
            e);
      }
      throw new CliException(
          ExitCodes.FAILURE,
          String.format(
              "cannot write the driver project into %s: %s; check that the directory is writable",
              dir, e.getMessage()),
          e);
    }
  }

  private static void refuseUnusable(Path dir) throws CliException {
    if (!Files.exists(dir)) {
      return;
    }
    if (!Files.isDirectory(dir)) {
      throw new CliException(
          ExitCodes.USAGE,
          dir + " exists and is not a directory; choose another --dir for the driver project",
          null);
    }
    try (Stream<Path> entries = Files.list(dir)) {
      if (entries.findAny().isPresent()) {
        throw new CliException(
            ExitCodes.USAGE,
            String.format(
                "directory %s is not empty; choose another --dir, or empty it first (nothing was"
                    + " written)",
                dir),
            null);
      }
    } catch (IOException e) {
      throw new CliException(
          ExitCodes.FAILURE, "cannot read directory " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Removes the files written (and the directories made for them) after a failure. */
  private static void undo(Path dir, boolean created, List<Path> written) {
    try {
      if (created) {
        try (Stream<Path> paths = Files.walk(dir)) {
          paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      } else {
        for (Path file : written) {
          Files.deleteIfExists(dir.resolve(file));
        }
        try (Stream<Path> paths = Files.walk(dir)) {
          paths
              .filter(p -> !p.equals(dir) && Files.isDirectory(p))
              .sorted(Comparator.reverseOrder())
              .forEach(p -> p.toFile().delete());
        }
      }
    } catch (IOException | UncheckedIOException e) {
      // best effort: the error reported is the one that stopped the writing
    }
  }

  /** Returns the text of a template resource. */
  static String read(String resource) {
    String path = "template/" + resource + ".tmpl";
    try (InputStream in = DriverTemplate.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("template resource " + path + " is missing from machine");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Replaces every {@code {{token}}}.
   *
   * @throws IllegalStateException on a token the project has no value for
   */
  static String render(String text, Map<String, String> tokens) {
    Matcher m = TOKEN.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = tokens.get(m.group(1));
      if (value == null) {
        throw new IllegalStateException("the template uses an unknown token " + m.group());
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }
}
