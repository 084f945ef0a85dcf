package io.machinehost.host.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.machinehost.host.certs.CertificateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EnvCommandTest {
  @TempDir Path home;
  private Path store;
  private Path machineDir;

  @BeforeEach
  void machine() throws Exception {
    store = home.resolve("store");
    addMachine("p1", "tcp://127.0.0.1:32768");
    machineDir = store.resolve("machines/p1");
    new CertificateStore(store)
        .issueServerCertificate(
            machineDir, CertificateStore.serverNames("p1", "127.0.0.1", List.of()));
  }

  /** Creates a none machine pointing at {@code url}. */
  private void addMachine(String name, String url) {
    Cli.Result created = new Cli(store).run("create", "-d", "none", "--url", url, name);
    assertThat(created.exitCode()).as(created.toString()).isZero();
  }

  /** Runs a command line with extra environment and {@code stdin} as its input. */
  private Cli.Result run(Map<String, String> env, String stdin, String... args) {
    Cli cli = new Cli(store).stdin(stdin);
    env.forEach(cli::env);
    return cli.run(args);
  }

  @Test
  void env_bash_exportsTheFourVariablesAndTheHint() {
    Cli.Result run = run(Map.of("SHELL", "/bin/bash"), "", "env", "p1");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out())
        .isEqualTo(
            String.join(
                "\n",
                "export DOCKER_TLS_VERIFY=\"1\"",
                "export DOCKER_HOST=\"tcp://127.0.0.1:32768\"",
                "export DOCKER_CERT_PATH=\"" + machineDir + "\"",
                "export DOCKER_MACHINE_NAME=\"p1\"",
                "# Run this command to configure your shell:",
                "# eval $(machine env p1)",
                ""));
  }

  static Stream<Arguments> shells() {
    String host = "tcp://127.0.0.1:32768";
    return Stream.of(
        Arguments.of(
            "/usr/bin/fish",
            null,
            "set -gx DOCKER_HOST \"" + host + "\";",
            "# machine env p1 | source"),
        Arguments.of(
            "/bin/zsh", null, "export DOCKER_HOST=\"" + host + "\"", "# eval $(machine env p1)"),
        Arguments.of(
            "/bin/bash",
            "fish",
            "set -gx DOCKER_HOST \"" + host + "\";",
            "# machine env --shell fish p1 | source"),
        Arguments.of(
            "/bin/bash",
            "powershell",
            "$Env:DOCKER_HOST = \"" + host + "\"",
            "# & machine env --shell powershell p1 | Invoke-Expression"),
        Arguments.of(
            "/bin/bash",
            "cmd",
            "SET DOCKER_HOST=" + host,
            "REM     @FOR /f \"tokens=*\" %i IN ('machine env --shell cmd p1') DO @%i"),
        Arguments.of(
            "/bin/bash",
            "tcsh",
            "setenv DOCKER_HOST '" + host + "';",
            "# eval `machine env --shell tcsh p1`"),
        Arguments.of(
            "/usr/bin/pwsh",
            null,
            "$Env:DOCKER_HOST = \"" + host + "\"",
            "# & machine env p1 | Invoke-Expression"));
  }

  @ParameterizedTest
  @MethodSource("shells")
  void env_perShell_writesItsSyntaxAndHint(
      String shellVariable, String option, String hostLine, String hint) {
    Cli.Result run =
        option == null
            ? run(Map.of("SHELL", shellVariable), "", "env", "p1")
            : run(Map.of("SHELL", shellVariable), "", "env", "--shell", option, "p1");

    assertThat(run.exitCode()).as(run.err()).isZero();
    List<String> lines = run.out().lines().toList();
    assertThat(lines).hasSize(6).contains(hostLine);
    assertThat(lines.get(5)).isEqualTo(hint);
  }

  @Test
  void env_unset_removesTheVariablesWithoutAMachine() {
    Cli.Result run = run(Map.of("SHELL", "/usr/bin/fish"), "", "env", "-u");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out().lines())
        .containsExactly(
            "set -e DOCKER_TLS_VERIFY;",
            "set -e DOCKER_HOST;",
            "set -e DOCKER_CERT_PATH;",
            "set -e DOCKER_MACHINE_NAME;",
            "# Run this command to configure your shell:",
            "# machine env -u | source");
  }

  @Test
  void env_noProxy_appendsTheMachineIpToTheCurrentList() {
    Cli.Result run =
        run(
            Map.of("SHELL", "/bin/bash", "NO_PROXY", "localhost,.corp"),
            "",
            "env",
            "--no-proxy",
            "p1");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("export NO_PROXY=\"localhost,.corp,127.0.0.1\"\n")
        .contains("# eval $(machine env --no-proxy p1)");
  }

  @Test
  void env_noProxyWithOnlyLowerCaseSet_keepsThatName() {
    Cli.Result run =
        run(Map.of("SHELL", "/bin/bash", "no_proxy", "127.0.0.1"), "", "env", "--no-proxy", "p1");

    assertThat(run.out()).contains("export no_proxy=\"127.0.0.1\"\n").doesNotContain("NO_PROXY");
  }

  @Test
  void env_storeGivenWithOption_hintRepeatsIt() {
    Path other = home.resolve("other store");
    Cli.Result run = run(Map.of("SHELL", "/bin/bash"), "", "-s", other.toString(), "env", "-u");

    assertThat(run.out()).contains("# eval $(machine -s \"" + other + "\" env -u)");
  }

  @Test
  void env_unknownShell_usageErrorListingTheShells() {
    Cli.Result run = run(Map.of(), "", "env", "--shell", "nushell", "p1");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err())
        .contains(
            "unknown shell \"nushell\" for --shell; use one of bash, fish, tcsh, powershell, cmd");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void env_noCertificates_saysToProvision() throws Exception {
    addMachine("bare", "tcp://127.0.0.1:2376");

    Cli.Result run = run(Map.of(), "", "env", "bare");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .contains("machine \"bare\" has no TLS certificates in " + store.resolve("machines/bare"))
        .contains("the none driver does not provision machines")
        .contains("\"machine provision bare\"");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void env_certificateForAnotherHost_saysToRegenerate() throws Exception {
    addMachine("moved", "tcp://192.0.2.10:2376");
    new CertificateStore(store)
        .issueServerCertificate(
            store.resolve("machines/moved"), CertificateStore.serverNames("moved", "", List.of()));

    Cli.Result run = run(Map.of(), "", "env", "moved");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .contains("the TLS certificate of machine \"moved\" is not valid for 192.0.2.10")
        .contains("machine regenerate-certs moved");
  }

  @Test
  void env_unknownMachine_namesIt() {
    Cli.Result run = run(Map.of(), "", "env", "nope");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("\"nope\"").contains("machine ls");
  }

  @Test
  void config_machine_printsTheDockerTlsFlags() {
    Cli.Result run = run(Map.of(), "", "config", "p1");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out().lines())
        .containsExactly(
            "--tlsverify",
            "--tlscacert=\"" + machineDir.resolve("ca.pem") + "\"",
            "--tlscert=\"" + machineDir.resolve("cert.pem") + "\"",
            "--tlskey=\"" + machineDir.resolve("key.pem") + "\"",
            "-H=tcp://127.0.0.1:32768");
    assertThat(machineDir.resolve("key.pem")).exists();
  }

  @Test
  void regenerateCerts_answeredNo_changesNothing() throws Exception {
    byte[] before = Files.readAllBytes(machineDir.resolve("server.pem"));

    Cli.Result run = run(Map.of(), "n\n", "regenerate-certs", "p1");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out())
        .startsWith("Regenerate TLS machine certs?  Warning: this is irreversible. (y/n): ")
        .contains("No certificates were regenerated.");
    assertThat(Files.readAllBytes(machineDir.resolve("server.pem"))).isEqualTo(before);
  }

  @Test
  void provision_noneDriver_refusedSayingWhy() {
    Cli.Result run = run(Map.of(), "", "provision", "p1");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err())
        .contains("machine \"p1\" uses the none driver, which has no machine to provision");
  }
}
