package io.machinehost.host.certs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateStoreTest {
  @TempDir Path storage;

  private static X509Certificate read(Path pem) throws Exception {
    return (X509Certificate)
        CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(pem)));
  }

  @Test
  void ensureClientCertificates_firstUse_makesCaAndClientCertWithPrivateKeys() throws Exception {
    CertificateStore store = new CertificateStore(storage);

    store.ensureClientCertificates(false);

    Path certs = storage.resolve("certs");
    X509Certificate ca = read(certs.resolve("ca.pem"));
    X509Certificate client = read(certs.resolve("cert.pem"));
    client.verify(ca.getPublicKey());
    assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    assertThat(client.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
    assertThat(Files.getPosixFilePermissions(certs.resolve("ca-key.pem")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.getPosixFilePermissions(certs.resolve("key.pem")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
  }

  @Test
  void ensureClientCertificates_secondCall_keepsTheSameCa() throws Exception {
    CertificateStore store = new CertificateStore(storage);
    store.ensureClientCertificates(false);
    byte[] first = Files.readAllBytes(storage.resolve("certs/ca.pem"));

    store.ensureClientCertificates(false);

    assertThat(Files.readAllBytes(storage.resolve("certs/ca.pem"))).isEqualTo(first);
  }

  @Test
  void issueServerCertificate_machine_signedByCaWithAllNames() throws Exception {
    CertificateStore store = new CertificateStore(storage);
    Path machine = storage.resolve("machines/p1");

    store.issueServerCertificate(
        machine, CertificateStore.serverNames("p1", "192.0.2.7", List.of("p1.example.test")));

    X509Certificate server = read(machine.resolve("server.pem"));
    server.verify(read(storage.resolve("certs/ca.pem")).getPublicKey());
    assertThat(CertificateStore.subjectAlternativeNames(machine.resolve("server.pem")))
        .containsExactly("192.0.2.7", "p1", "localhost", "127.0.0.1", "p1.example.test");
    assertThat(server.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
    assertThat(machine.resolve("ca.pem")).hasSameBinaryContentAs(storage.resolve("certs/ca.pem"));
    assertThat(Files.getPosixFilePermissions(machine.resolve("server-key.pem")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.getPosixFilePermissions(machine.resolve("key.pem")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
  }

  @Test
  void ensureServerCertificate_stillGood_keptAsItIs() throws Exception {
    CertificateStore store = new CertificateStore(storage);
    Path machine = storage.resolve("machines/p1");
    List<String> names = CertificateStore.serverNames("p1", "127.0.0.1", List.of());
    assertThat(store.ensureServerCertificate(machine, names)).isTrue();
    byte[] first = Files.readAllBytes(machine.resolve("server.pem"));

    boolean issued = store.ensureServerCertificate(machine, List.of("P1", "localhost"));

    assertThat(issued).isFalse();
    assertThat(Files.readAllBytes(machine.resolve("server.pem"))).isEqualTo(first);
  }

  @Test
  void ensureServerCertificate_newName_issuesOneHoldingIt() throws Exception {
    CertificateStore store = new CertificateStore(storage);
    Path machine = storage.resolve("machines/p1");
    store.ensureServerCertificate(machine, CertificateStore.serverNames("p1", "", List.of()));

    boolean issued =
        store.ensureServerCertificate(
            machine, CertificateStore.serverNames("p1", "192.0.2.9", List.of("extra.test")));

    assertThat(issued).isTrue();
    assertThat(CertificateStore.subjectAlternativeNames(machine.resolve("server.pem")))
        .contains("192.0.2.9", "extra.test");
  }

  @Test
  void ensureServerCertificate_newCa_reissuesAndRefreshesTheMachineCopies() throws Exception {
    CertificateStore store = new CertificateStore(storage);
    Path machine = storage.resolve("machines/p1");
    List<String> names = CertificateStore.serverNames("p1", "", List.of());
    store.ensureServerCertificate(machine, names);

    store.ensureClientCertificates(true);
    boolean issued = store.ensureServerCertificate(machine, names);

    assertThat(issued).isTrue();
    read(machine.resolve("server.pem"))
        .verify(read(storage.resolve("certs/ca.pem")).getPublicKey());
    assertThat(machine.resolve("ca.pem")).hasSameBinaryContentAs(storage.resolve("certs/ca.pem"));
    assertThat(machine.resolve("cert.pem"))
        .hasSameBinaryContentAs(storage.resolve("certs/cert.pem"));
    assertThat(machine.resolve("key.pem")).hasSameBinaryContentAs(storage.resolve("certs/key.pem"));
  }

  @Test
  void ensureServerCertificate_keyNotOfTheCertificate_reissues() throws Exception {
    CertificateStore store = new CertificateStore(storage);
    Path machine = storage.resolve("machines/p1");
    List<String> names = CertificateStore.serverNames("p1", "", List.of());
    store.ensureServerCertificate(machine, names);
    // another key, as a crash between writing the key and the certificate would leave
    Files.copy(
        storage.resolve("certs/key.pem"),
        machine.resolve("server-key.pem"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    assertThat(store.ensureServerCertificate(machine, names)).isTrue();
    assertThat(store.ensureServerCertificate(machine, names)).isFalse();
  }

  @Test
  void readPrivateKey_notAKey_saysHowToRepair() throws Exception {
    Path file = storage.resolve("bad.pem");
    Files.writeString(file, "not pem");

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> CertificateStore.readPrivateKey(file))
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("regenerate-certs");
  }

  @Test
  void ensureClientCertificates_manyThreadsAtOnce_allSeeOneCa() throws Exception {
    CertificateStore store = new CertificateStore(storage);
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      List<java.util.concurrent.Future<byte[]>> results = new java.util.ArrayList<>();
      for (int i = 0; i < 8; i++) {
        results.add(
            pool.submit(
                () -> {
                  store.ensureClientCertificates(false);
                  return Files.readAllBytes(storage.resolve("certs/ca.pem"));
                }));
      }
      byte[] first = results.get(0).get();
      for (var result : results) {
        assertThat(result.get()).isEqualTo(first);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
