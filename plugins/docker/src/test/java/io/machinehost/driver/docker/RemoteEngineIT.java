package io.machinehost.driver.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.machinehost.host.certs.CertificateStore;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.Operation;
import io.machinehost.sdk.rpc.GrpcDriverClient;
import io.machinehost.sdk.ssh.SshjClient;
import io.machinehost.testsupport.Testbed;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A remote engine that speaks TLS: a machine of the test bench runs a Docker engine with TLS on its
 * published port 2376, certificates from the host's store, and the driver talks to it there.
 */
@ExtendWith(Testbed.class)
@Timeout(180)
class RemoteEngineIT {
  @TempDir static Path store;
  private static DockerPlugin plugin;
  private static String engineUrl;
  private static CertificateStore certs;

  @BeforeAll
  static void tlsEngine() throws Exception {
    Bench.requireMachineImage();
    plugin = DockerPlugin.launch(store);
    String name = Bench.uniqueName("tls");
    GrpcDriverClient host = plugin.machine(name);
    host.create(Operation.none());
    certs = new CertificateStore(store);
    Path machineDir = store.resolve("machines").resolve(name);
    certs.issueServerCertificate(
        machineDir, CertificateStore.serverNames(name, "127.0.0.1", List.of()));
    try (SshjClient ssh = SshjClient.connect(plugin.sshTarget(host))) {
      ssh.run("mkdir -p /etc/docker").orThrow("mkdir");
      for (String file : List.of("ca.pem", "server.pem", "server-key.pem")) {
        ssh.upload(machineDir.resolve(file), "/etc/docker/" + file, false);
      }
    }
    plugin.ssh(
        host,
        "(setsid dockerd --tlsverify --tlscacert /etc/docker/ca.pem --tlscert"
            + " /etc/docker/server.pem --tlskey /etc/docker/server-key.pem -H tcp://0.0.0.0:2376"
            + " -H unix:///var/run/docker.sock >/var/log/dockerd.log 2>&1 </dev/null &);"
            + " for i in $(seq 1 120); do docker version >/dev/null 2>&1 && exit 0; sleep 0.5;"
            + " done; tail /var/log/dockerd.log; exit 1");
    engineUrl = host.getUrl();
  }

  @AfterAll
  static void cleanUp() {
    try {
      Bench.removeContainersOf(store);
    } finally {
      if (plugin != null) {
        plugin.close();
      }
    }
  }

  @Test
  void preCreateCheck_tlsEngineWithCertPath_answersThroughTls() throws Exception {
    GrpcDriverClient m =
        plugin.machine(
            Bench.uniqueName("remote"),
            Map.of(
                DockerFlags.HOST, engineUrl, DockerFlags.CERT_PATH, certs.certsDir().toString()));

    // The engine answered through TLS: it has no images, and says so.
    DriverException e = catchThrowableOfType(DriverException.class, m::preCreateCheck);

    assertThat(m.getConfigRaw()).contains("\"TLS\":true");
    assertThat(e.code()).isEqualTo(DriverException.Code.FAILED_PRECONDITION);
    assertThat(e.getMessage())
        .contains("is not on the Docker engine at " + engineUrl)
        .contains(MachineImage.BASE);
    assertThat(m.getState()).isEqualTo(MachineState.NOT_FOUND);
  }

  @Test
  void preCreateCheck_tlsEngineWithoutCertificates_invalidArgumentNamingTlsVerify()
      throws Exception {
    GrpcDriverClient m =
        plugin.machine(Bench.uniqueName("plain"), Map.of(DockerFlags.HOST, engineUrl));

    DriverException e = catchThrowableOfType(DriverException.class, m::preCreateCheck);

    assertThat(e.code()).isEqualTo(DriverException.Code.INVALID_ARGUMENT);
    assertThat(e.flag()).contains(DockerFlags.TLS_VERIFY);
    assertThat(e.getMessage()).contains("speaks TLS");
  }

  @Test
  void preCreateCheck_certificatesOfAnotherCa_permissionDeniedNamingCertPath() throws Exception {
    CertificateStore stranger = new CertificateStore(store.resolve("stranger"));
    stranger.ensureClientCertificates(false);
    GrpcDriverClient m =
        plugin.machine(
            Bench.uniqueName("stranger"),
            Map.of(
                DockerFlags.HOST,
                engineUrl,
                DockerFlags.TLS_VERIFY,
                true,
                DockerFlags.CERT_PATH,
                stranger.certsDir().toString()));

    DriverException e = catchThrowableOfType(DriverException.class, m::preCreateCheck);

    assertThat(e.code()).isEqualTo(DriverException.Code.PERMISSION_DENIED);
    assertThat(e.getMessage()).contains("--docker-cert-path").contains(engineUrl);
  }
}
