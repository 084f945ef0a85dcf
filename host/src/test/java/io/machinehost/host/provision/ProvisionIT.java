package io.machinehost.host.provision;

import static org.assertj.core.api.Assertions.assertThat;

import io.machinehost.host.certs.CertificateStore;
import io.machinehost.sdk.ssh.SshKeys;
import io.machinehost.testsupport.SshdTargetContainer;
import io.machinehost.testsupport.TestImages;
import io.machinehost.testsupport.Testbed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.GenericContainer;

/**
 * Provisioning end to end, as a user runs it: {@code dist/bin/machine} creates a machine with the
 * generic driver on a container that behaves like a Docker host, and the real {@code docker} CLI
 * then reaches the engine inside it through {@code eval $(machine env NAME)}.
 */
@ExtendWith(Testbed.class)
@Timeout(600)
class ProvisionIT {
  @TempDir Path dir;
  private Cli cli;
  private Path key;
  private String publicKey;
  private final List<GenericContainer<?>> containers = new ArrayList<>();
  private final List<String> machines = new ArrayList<>();

  @BeforeAll
  static void images() {
    Testbed.requireImage(TestImages.MACHINE);
    Testbed.requireImage(TestImages.SYSTEMD_TARGET);
  }

  @BeforeEach
  void setUp() throws Exception {
    cli = new Cli(dir.resolve("store"));
    key = dir.resolve("id_ed25519");
    publicKey = SshKeys.generate(key);
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (String name : machines) {
      cli.machine("rm", "-f", name);
    }
    containers.forEach(GenericContainer::stop);
  }

  private DockerHostContainer dockerHost() {
    return started(DockerHostContainer.machineImage(publicKey));
  }

  private DockerHostContainer started(DockerHostContainer host) {
    containers.add(host);
    host.start();
    return host;
  }

  private Cli.Result create(DockerHostContainer host, String name, String... extra)
      throws Exception {
    return create(host.sshPort(), host.enginePort(), name, extra);
  }

  private Cli.Result create(int sshPort, int enginePort, String name, String... extra)
      throws Exception {
    List<String> args =
        new ArrayList<>(
            List.of(
                "create",
                "-d",
                "generic",
                "--generic-ip-address",
                "127.0.0.1",
                "--generic-ssh-port",
                String.valueOf(sshPort),
                "--generic-ssh-key",
                key.toString(),
                "--generic-engine-port",
                String.valueOf(enginePort)));
    args.addAll(List.of(extra));
    args.add(name);
    machines.add(name);
    return cli.machine(args.toArray(new String[0]));
  }

  /** Runs {@code docker ARGS} in a shell configured by {@code eval "$(machine env NAME)"}. */
  private Cli.Result dockerVia(String name, String dockerArgs) throws Exception {
    // A failing command substitution does not stop eval: check it, or docker reaches the bench.
    return cli.bash(
        "env=$(machine env " + name + ") || exit 1; eval \"$env\"; docker " + dockerArgs);
  }

  @Test
  void create_genericDockerHost_dockerCliReachesTheMachinesOwnEngine() throws Exception {
    DockerHostContainer host = dockerHost();

    Cli.Result created =
        create(
            host,
            "p1",
            "--engine-label",
            "env=it",
            "--engine-opt",
            "debug",
            "--engine-env",
            "MACHINEHOST_IT=yes",
            "--engine-insecure-registry",
            "registry.test:5000",
            "--tls-san",
            "p1.test");

    assertThat(created.exitCode()).as(created.toString()).isZero();
    assertThat(created.out()).contains("Machine \"p1\" was created and runs Docker.");
    assertThat(created.err())
        .contains("Waiting for SSH on root@127.0.0.1:" + host.sshPort())
        .contains("Detecting the operating system")
        .contains("Setting the host name to p1")
        .contains("Installing the TLS certificates for 127.0.0.1, p1, localhost, p1.test")
        .contains("is up and running at tcp://127.0.0.1:" + host.enginePort());
    Cli.Result info =
        dockerVia(
            "p1",
            "info --format '{{.Name}}|{{.Debug}}|{{join .Labels \",\"}}|"
                + "{{range $k, $v := .RegistryConfig.IndexConfigs}}{{$k}}={{$v.Secure}} {{end}}'");
    assertThat(info.exitCode()).as(info.toString()).isZero();
    String[] fields = info.out().strip().split("\\|");
    assertThat(fields[0]).isEqualTo("p1");
    assertThat(fields[1]).isEqualTo("true");
    assertThat(fields[2].split(",")).contains("provider=generic", "env=it");
    assertThat(fields[3]).contains("registry.test:5000=false");
    assertThat(host.sh("tr '\\0' '\\n' < /proc/$(cat /var/run/docker.pid)/environ"))
        .contains("MACHINEHOST_IT=yes");
    Cli.Result volume = dockerVia("p1", "volume create made-in-p1");
    assertThat(volume.exitCode()).as(volume.toString()).isZero();
    assertThat(host.sh("docker volume ls -q")).contains("made-in-p1");

    Cli.Result config = cli.bash("docker $(machine config p1) info --format '{{.Name}}'");
    assertThat(config.exitCode()).as(config.toString()).isZero();
    assertThat(config.out().strip()).isEqualTo("p1");
    Cli.Result version = cli.machine("version", "p1");
    assertThat(version.exitCode()).as(version.toString()).isZero();
    assertThat(version.out().strip()).matches("\\d+\\.\\d+\\.\\d+.*");
    Cli.Result ls = cli.machine("ls");
    assertThat(ls.out())
        .containsPattern(
            "p1 +- +generic +Running +tcp://127.0.0.1:" + host.enginePort() + " +v\\d+\\.\\d+");
    Cli.Result active =
        cli.machineWith(
            Map.of("DOCKER_HOST", "tcp://127.0.0.1:" + host.enginePort()),
            "",
            "ls",
            "--format",
            "{{.Name}} {{.Active}} {{.DockerVersion}}");
    assertThat(active.out().strip()).isEqualTo("p1 * v" + version.out().strip());
  }

  @Test
  void engine_clientWithoutTheMachinesCertificate_refused() throws Exception {
    DockerHostContainer host = dockerHost();
    assertThat(create(host, "p1").exitCode()).isZero();
    String url = "tcp://127.0.0.1:" + host.enginePort();
    Path caOnly = Files.createDirectories(dir.resolve("ca-only"));
    Files.copy(cli.machineDir("p1").resolve("ca.pem"), caOnly.resolve("ca.pem"));
    Path stranger = dir.resolve("stranger");
    CertificateStore other = new CertificateStore(stranger);
    other.ensureClientCertificates(false);
    Path otherClient = Files.createDirectories(dir.resolve("other-client"));
    Files.copy(cli.machineDir("p1").resolve("ca.pem"), otherClient.resolve("ca.pem"));
    Files.copy(stranger.resolve("certs/cert.pem"), otherClient.resolve("cert.pem"));
    Files.copy(stranger.resolve("certs/key.pem"), otherClient.resolve("key.pem"));

    Cli.Result plain = cli.bash(Map.of("DOCKER_HOST", url), "docker info --format '{{.Name}}'");
    Cli.Result noCert =
        cli.bash(
            "docker --tlsverify --tlscacert "
                + caOnly.resolve("ca.pem")
                + " -H "
                + url
                + " info --format '{{.Name}}'");
    Cli.Result wrongCert =
        cli.bash(
            Map.of(
                "DOCKER_HOST",
                url,
                "DOCKER_TLS_VERIFY",
                "1",
                "DOCKER_CERT_PATH",
                otherClient.toString()),
            "docker info --format '{{.Name}}'");
    Cli.Result right = dockerVia("p1", "info --format '{{.Name}}'");

    // docker info exits 0 when its format renders, even after the daemon's error
    assertThat(plain.out().strip()).as(plain.toString()).isEmpty();
    assertThat(plain.err()).contains("Client sent an HTTP request to an HTTPS server");
    assertThat(noCert.exitCode()).as(noCert.toString()).isNotZero();
    assertThat(noCert.err()).contains("tls");
    assertThat(wrongCert.exitCode()).as(wrongCert.toString()).isNotZero();
    assertThat(wrongCert.err()).contains("tls");
    assertThat(right.out().strip()).as(right.toString()).isEqualTo("p1");
  }

  /** What provisioning leaves on a machine, to compare two runs. */
  private static String machineState(DockerHostContainer host) throws Exception {
    return host.sh(
        "hostname; cat /etc/hostname; grep -c p1 /etc/hosts; cat /etc/docker/daemon.json;"
            + " cat /etc/machinehost/engine-start; sha256sum /etc/docker/*.pem;"
            + " stat -c '%n %a' /etc/docker/*.pem; cat /var/run/docker.pid");
  }

  @Test
  void provision_twice_sameMachineWithTheEngineLeftRunning() throws Exception {
    DockerHostContainer host = dockerHost();
    Cli.Result created = create(host, "p1", "--no-provision");
    assertThat(created.exitCode()).as(created.toString()).isZero();
    assertThat(created.err()).doesNotContain("Provisioning");
    assertThat(cli.machine("ls", "--format", "{{.Name}} {{.State}} [{{.DockerVersion}}]").out())
        .isEqualTo("p1 Running []\n");
    Cli.Result notYet = cli.machine("env", "p1");
    assertThat(notYet.exitCode()).isEqualTo(1);
    assertThat(notYet.err()).contains("has no TLS certificates").contains("machine provision p1");

    Cli.Result first = cli.machine("provision", "p1");
    assertThat(first.exitCode()).as(first.toString()).isZero();
    assertThat(first.err()).contains("Starting the Docker engine");
    String afterFirst = machineState(host);
    byte[] serverCert = cli.read("p1", "server.pem");
    Cli.Result second = cli.machine("provision", "p1");

    assertThat(second.exitCode()).as(second.toString()).isZero();
    assertThat(second.err()).contains("The Docker engine runs with this configuration already");
    assertThat(second.out()).contains("Machine \"p1\" runs Docker").doesNotContain("restarted");
    assertThat(machineState(host)).isEqualTo(afterFirst);
    assertThat(afterFirst).contains("/etc/docker/server-key.pem 600");
    assertThat(cli.read("p1", "server.pem")).isEqualTo(serverCert);
    assertThat(dockerVia("p1", "info --format '{{.Name}}'").out().strip()).isEqualTo("p1");
    assertThat(cli.machine("ls", "--format", "{{.DockerVersion}}").out()).startsWith("v");
  }

  @Test
  void regenerateCerts_force_newCertificatesAndTheEngineStillAnswers() throws Exception {
    DockerHostContainer host = dockerHost();
    assertThat(create(host, "p1").exitCode()).isZero();
    byte[] serverBefore = cli.read("p1", "server.pem");
    byte[] caBefore = cli.read("p1", "ca.pem");
    String pidBefore = host.sh("cat /var/run/docker.pid");

    Cli.Result regenerated = cli.machine("regenerate-certs", "-f", "p1");

    assertThat(regenerated.exitCode()).as(regenerated.toString()).isZero();
    assertThat(regenerated.out()).contains("Regenerated the TLS certificates of \"p1\"");
    assertThat(cli.read("p1", "server.pem")).isNotEqualTo(serverBefore);
    assertThat(cli.read("p1", "ca.pem")).isEqualTo(caBefore);
    assertThat(
            host.sh("cat /etc/docker/server.pem")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII))
        .isEqualTo(cli.read("p1", "server.pem"));
    assertThat(host.sh("cat /var/run/docker.pid")).isNotEqualTo(pidBefore);
    assertThat(dockerVia("p1", "info --format '{{.Name}}'").out().strip()).isEqualTo("p1");

    Cli.Result withClient = cli.machine("regenerate-certs", "-f", "--client-certs", "p1");

    assertThat(withClient.exitCode()).as(withClient.toString()).isZero();
    assertThat(cli.read("p1", "ca.pem")).isNotEqualTo(caBefore);
    assertThat(cli.read("p1", "ca.pem"))
        .isEqualTo(Files.readAllBytes(cli.store().resolve("certs/ca.pem")));
    Cli.Result info = dockerVia("p1", "info --format '{{.Name}}'");
    assertThat(info.out().strip()).as(info.toString()).isEqualTo("p1");
  }

  @Test
  void create_hostWithoutDocker_installsDockerIoFromTheDistribution() throws Exception {
    DockerHostContainer host = dockerHost();
    host.sh(
        "DEBIAN_FRONTEND=noninteractive dpkg --purge docker.io >/dev/null 2>&1; ! command -v dockerd");

    Cli.Result created = create(host, "p1");

    assertThat(created.exitCode()).as(created.toString()).isZero();
    assertThat(created.err())
        .contains("Installing the Docker engine (Debian GNU/Linux 12 (bookworm)");
    assertThat(host.sh("dpkg-query -W -f '${Status}' docker.io")).isEqualTo("install ok installed");
    assertThat(dockerVia("p1", "info --format '{{.Name}}'").out().strip()).isEqualTo("p1");
  }

  @Test
  void create_engineRefusesItsOptions_failsAtTheCheckWithTheEngineLog() throws Exception {
    DockerHostContainer host = dockerHost();

    Cli.Result created = create(host, "p1", "--engine-opt", "no-such-flag=1");

    assertThat(created.exitCode()).as(created.toString()).isEqualTo(1);
    assertThat(created.err())
        .contains("machine \"p1\" was created, but provisioning it failed")
        .contains("step \"check the Docker engine over TLS\" failed: the engine exited")
        .contains("no-such-flag")
        .contains("machine provision p1")
        .contains("machine rm p1");
    assertThat(cli.machine("ls", "--format", "{{.Name}}: {{.Error}}").out())
        .contains("p1: provisioning failed at step \"check the Docker engine over TLS\"");
  }

  @Test
  void create_noOsRelease_failsAsUnsupportedAndKeepsTheMachineMarked() throws Exception {
    try (SshdTargetContainer host = new SshdTargetContainer(publicKey)) {
      host.start();
      host.execInContainer("rm", "-f", "/etc/os-release");

      Cli.Result created = create(host.sshPort(), 2376, "p2");

      assertThat(created.exitCode()).as(created.toString()).isEqualTo(1);
      assertThat(created.err())
          .contains("machine \"p2\" was created, but provisioning it failed")
          .contains("step \"detect the operating system\" failed")
          .contains("the operating system is not supported: the machine has no /etc/os-release")
          .contains("uname: Linux")
          .contains("\"machine provision p2\" again, or remove the machine with \"machine rm p2\"");
      assertThat(cli.machine("ls", "--format", "{{.Name}} {{.State}}: {{.Error}}").out())
          .contains("p2 Running: provisioning failed at step \"detect the operating system\"");
      Cli.Result again = cli.machine("provision", "p2");
      assertThat(again.exitCode()).isEqualTo(1);
      assertThat(again.err()).contains("no /etc/os-release");
      assertThat(cli.machine("rm", "-y", "p2").out()).contains("Successfully removed p2");
      machines.remove("p2");
    }
  }

  @Test
  void create_otherDistribution_failsNamingWhatWasFound() throws Exception {
    try (SshdTargetContainer host = new SshdTargetContainer(publicKey)) {
      host.start();
      host.execInContainer(
          "sh",
          "-c",
          "rm -f /etc/os-release; printf 'NAME=\"Alpine Linux\"\\nID=alpine\\nVERSION_ID=3.20.0\\n"
              + "PRETTY_NAME=\"Alpine Linux v3.20\"\\n' > /etc/os-release");

      Cli.Result created = create(host.sshPort(), 2376, "p3");

      assertThat(created.exitCode()).as(created.toString()).isEqualTo(1);
      assertThat(created.err())
          .contains(
              "the operating system is not supported: /etc/os-release names Alpine Linux v3.20"
                  + " (ID=alpine); provisioning supports Debian and Ubuntu");
    }
  }

  @Test
  void create_systemdHost_installsConfiguresAndEnablesDockerThroughSystemd() throws Exception {
    DockerHostContainer host = started(DockerHostContainer.systemd(publicKey));

    Cli.Result created = create(host, "s1", "--engine-env", "MACHINEHOST_IT=systemd");

    assertThat(created.exitCode()).as(created.toString()).isZero();
    assertThat(created.err())
        .contains("Installing the Docker engine")
        .contains(
            "Configuring the engine for TLS on port 2376, " + host.enginePort() + " (systemd)");
    assertThat(dockerVia("s1", "info --format '{{.Name}}'").out().strip()).isEqualTo("s1");
    assertThat(host.sh("systemctl is-enabled docker.service").strip()).isEqualTo("enabled");
    assertThat(host.sh("cat " + EngineConfig.SYSTEMD_DROP_IN))
        .contains("Environment=\"MACHINEHOST_IT=systemd\"")
        .contains("ExecStart=\n");
    assertThat(host.sh("systemctl show -p MainPID --value docker.service").strip())
        .isNotEqualTo("0");
    String pid = host.sh("systemctl show -p MainPID --value docker.service");

    Cli.Result again = cli.machine("provision", "s1");

    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(again.err()).contains("The Docker engine runs with this configuration already");
    assertThat(host.sh("systemctl show -p MainPID --value docker.service")).isEqualTo(pid);
  }
}
