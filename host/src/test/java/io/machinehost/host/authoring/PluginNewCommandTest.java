package io.machinehost.host.authoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.machinehost.host.CliEnvironment;
import io.machinehost.host.MachineCli;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PluginNewCommandTest {
  @TempDir Path temp;

  record Result(int exitCode, String out, String err) {}

  private Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CliEnvironment environment =
        new CliEnvironment(
            Map.of("PATH", ""),
            temp.resolve("home"),
            null,
            InputStream.nullInputStream(),
            false,
            session -> {
              throw new AssertionError("plugin new starts no driver");
            });
    int code =
        MachineCli.execute(
            environment, new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Result(code, out.toString(), err.toString());
  }

  private static List<String> tree(Path dir) throws Exception {
    try (Stream<Path> paths = Files.walk(dir)) {
      return paths
          .filter(Files::isRegularFile)
          .map(p -> dir.relativize(p).toString())
          .sorted()
          .toList();
    }
  }

  @Test
  void new_validName_writesAStandaloneDriverProject() throws Exception {
    Path dir = temp.resolve("acme");

    Result r = run("plugin", "new", "acme", "--dir", dir.toString());

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(tree(dir))
        .containsExactly(
            ".gitignore",
            "README.md",
            "pom.xml",
            "src/main/java/com/example/acme/AcmeDriver.java",
            "src/main/java/com/example/acme/AcmeDriverMain.java",
            "src/test/java/com/example/acme/AcmeDriverTest.java");
    String pom = Files.readString(dir.resolve("pom.xml"));
    assertThat(pom)
        .contains("<artifactId>machinehost-driver-parent</artifactId>")
        .contains("<version>" + PluginNewCommand.sdkVersion() + "</version>")
        .contains("<artifactId>machine-driver-acme</artifactId>")
        .contains("<executable.main>com.example.acme.AcmeDriverMain</executable.main>")
        .contains("<artifactId>machinehost-plugin-sdk</artifactId>");
    String driver = Files.readString(dir.resolve("src/main/java/com/example/acme/AcmeDriver.java"));
    assertThat(driver)
        .startsWith("package com.example.acme;")
        .contains("public final class AcmeDriver extends BaseDriver")
        .contains("\"acme-example\"", "\"ACME_EXAMPLE\"")
        .contains("throw notImplemented(\"Create\")", "throw notImplemented(\"GetState\")");
    assertThat(r.out())
        .contains("Wrote the acme driver project in " + dir)
        .contains("mvn package")
        .contains("machine plugin test target/bin/machine-driver-acme -- --acme-example hello");
  }

  @Test
  void new_everyFile_hasNoTokenLeft() throws Exception {
    Path dir = temp.resolve("p");

    assertThat(run("plugin", "new", "my-cloud", "--dir", dir.toString()).exitCode()).isZero();

    for (String file : tree(dir)) {
      assertThat(Files.readString(dir.resolve(file))).as(file).doesNotContain("{{");
    }
  }

  @Test
  void new_versionFromTheBuild_isAMavenVersion() {
    assertThat(PluginNewCommand.sdkVersion()).matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
  }

  @ParameterizedTest
  @CsvSource({
    "a,A,com.example.a",
    "acme,Acme,com.example.acme",
    "my-cloud,MyCloud,com.example.mycloud",
    "ec2-west,Ec2West,com.example.ec2west",
    "new,New,com.example.new_"
  })
  void new_name_givesClassAndPackage(String name, String stem, String pkg) throws Exception {
    Path dir = temp.resolve(name);

    Result r = run("plugin", "new", name, "--dir", dir.toString());

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(dir.resolve("src/main/java/" + pkg.replace('.', '/') + "/" + stem + "Driver.java"))
        .isRegularFile();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Acme",
        "1cloud",
        "-acme",
        "acme-",
        "ac--me",
        "ac_me",
        "ac.me",
        "ac me",
        "acmé",
        "abcdefghijklmnopqrstuvwxy"
      })
  void new_invalidName_failsSayingWhatIsAllowedAndWritesNothing(String name) {
    Path dir = temp.resolve("out");

    Result r = run("plugin", "new", "--dir", dir.toString(), "--", name);

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("Error: driver name \"" + name + "\" is not valid")
        .contains("lower-case letters, digits and single dashes");
    assertThat(dir).doesNotExist();
  }

  @Test
  void new_nameWithPrefix_failsSuggestingTheShortName() {
    Result r = run("plugin", "new", "machine-driver-acme", "--dir", temp.resolve("o").toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("\"machine plugin new acme\"");
  }

  @Test
  void new_nonEmptyDir_refusedAndLeftAsItWas() throws Exception {
    Path dir = Files.createDirectories(temp.resolve("busy"));
    Files.writeString(dir.resolve("notes.txt"), "mine");

    Result r = run("plugin", "new", "acme", "--dir", dir.toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("Error: directory " + dir + " is not empty")
        .contains("choose another --dir");
    assertThat(tree(dir)).containsExactly("notes.txt");
    assertThat(Files.readString(dir.resolve("notes.txt"))).isEqualTo("mine");
  }

  @Test
  void new_dirIsAFile_refused() throws Exception {
    Path file = Files.writeString(temp.resolve("file"), "x");

    Result r = run("plugin", "new", "acme", "--dir", file.toString());

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains(file + " exists and is not a directory");
    assertThat(Files.readString(file)).isEqualTo("x");
  }

  @Test
  void new_emptyExistingDir_isUsed() throws Exception {
    Path dir = Files.createDirectories(temp.resolve("empty"));

    assertThat(run("plugin", "new", "acme", "--dir", dir.toString()).exitCode()).isZero();
    assertThat(dir.resolve("pom.xml")).isRegularFile();
  }

  @Test
  void new_packageGiven_usedForClassesAndGroupId() throws Exception {
    Path dir = temp.resolve("p");

    Result r = run("plugin", "new", "acme", "--dir", dir.toString(), "--package", "org.acme.m");

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(dir.resolve("src/test/java/org/acme/m/AcmeDriverTest.java")).isRegularFile();
    assertThat(Files.readString(dir.resolve("pom.xml")))
        .contains("<groupId>org.acme.m</groupId>")
        .contains("<executable.main>org.acme.m.AcmeDriverMain</executable.main>");
  }

  @ParameterizedTest
  @ValueSource(strings = {"org.acme.", "org..acme", "org.new.acme", "1org.acme", "org-acme"})
  void new_invalidPackage_refused(String pkg) {
    Path dir = temp.resolve("p");

    Result r = run("plugin", "new", "acme", "--dir", dir.toString(), "--package", pkg);

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("--package \"" + pkg + "\" is not a Java package name");
    assertThat(dir).doesNotExist();
  }

  @Test
  void new_sdkNotInTheLocalMavenRepository_saysToInstallIt() {
    Result r = run("plugin", "new", "acme", "--dir", temp.resolve("p").toString());

    assertThat(r.out())
        .contains("is not in " + temp.resolve("home/.m2/repository"), "make install");
  }

  @Test
  void new_sdkInTheLocalMavenRepository_saysNothingAboutIt() throws Exception {
    String version = PluginNewCommand.sdkVersion();
    Path pom =
        temp.resolve(
            "home/.m2/repository/io/machinehost/machinehost-driver-parent/"
                + version
                + "/machinehost-driver-parent-"
                + version
                + ".pom");
    Files.createDirectories(pom.getParent());
    Files.writeString(pom, "<project/>", StandardCharsets.UTF_8);

    Result r = run("plugin", "new", "acme", "--dir", temp.resolve("p").toString());

    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).doesNotContain("make install");
  }

  @Test
  void pluginHelp_listsNew() {
    assertThat(run("plugin", "--help").out())
        .containsPattern("(?m)^\\s+new\\s+Write a Maven project");
  }
}
