package io.machinehost.host.authoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A Maven local repository for building a generated driver project against this build's own
 * artifacts (the parents, the proto and SDK jars, from their modules' target directories), with
 * everything else copied in from the user's local repository through a file: mirror. No network is
 * used. The user's repository is not used directly because other builds on the machine install
 * their own snapshots of the same artifacts into it at any moment.
 */
final class BuildRepository {
  private BuildRepository() {}

  /** The settings file to pass with {@code -s}; the repository is {@code <dir>/repository}. */
  static Path prepare(Path dir, String version) throws IOException {
    Path root = Command.distDir().getParent();
    Path repository = dir.resolve("repository");
    seed(repository, "machinehost-parent", version, root.resolve("target"), false);
    seed(repository, "machinehost-driver-parent", version, root.resolve("plugins/target"), false);
    seed(repository, "machinehost-proto", version, root.resolve("proto/target"), true);
    seed(repository, "machinehost-plugin-sdk", version, root.resolve("plugin-sdk/target"), true);
    Path shared =
        Path.of(
                System.getProperty(
                    "machinehost.maven.repository",
                    System.getProperty("user.home") + "/.m2/repository"))
            .toAbsolutePath();
    Path settings = dir.resolve("settings.xml");
    Files.writeString(
        settings,
        "<settings>\n"
            + "  <mirrors>\n"
            + "    <mirror>\n"
            + "      <id>user-local-repository</id>\n"
            + "      <mirrorOf>*</mirrorOf>\n"
            + "      <url>"
            + shared.toUri()
            + "</url>\n"
            + "    </mirror>\n"
            + "  </mirrors>\n"
            + "</settings>\n");
    return settings;
  }

  static Path repository(Path dir) {
    return dir.resolve("repository");
  }

  private static void seed(
      Path repository, String artifact, String version, Path target, boolean jar)
      throws IOException {
    Path into = repository.resolve("io/machinehost").resolve(artifact).resolve(version);
    Files.createDirectories(into);
    Path pom = target.resolve(".flattened-pom.xml");
    assertThat(pom).as("the build's POM of %s (run the build first)", artifact).isRegularFile();
    Files.copy(
        pom, into.resolve(artifact + "-" + version + ".pom"), StandardCopyOption.REPLACE_EXISTING);
    if (jar) {
      Path file = target.resolve(artifact + "-" + version + ".jar");
      assertThat(file).as("the build's jar of %s (run the build first)", artifact).isRegularFile();
      Files.copy(
          file,
          into.resolve(artifact + "-" + version + ".jar"),
          StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
