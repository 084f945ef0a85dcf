package io.machinehost.sdk.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.x509.Certificate;
import org.junit.jupiter.api.Test;

class PluginTlsTest {
  @Test
  void generate_always_selfSignedLocalhostCertificateForBothAuthUses() throws Exception {
    PluginTls.Identity identity = PluginTls.generate();
    X509Certificate cert = identity.certificate();

    cert.verify(identity.keyPair().getPublic());
    cert.checkValidity();
    assertThat(cert.getVersion()).isEqualTo(3);
    assertThat(cert.getSigAlgName()).isEqualTo("SHA256withECDSA");
    assertThat(cert.getSubjectX500Principal().getName())
        .isEqualTo("O=machinehost plugin,CN=localhost");
    assertThat(cert.getIssuerX500Principal()).isEqualTo(cert.getSubjectX500Principal());
    assertThat(cert.getBasicConstraints()).isEqualTo(Integer.MAX_VALUE); // a CA, no path limit
    assertThat(cert.getCriticalExtensionOIDs()).containsExactlyInAnyOrder("2.5.29.19", "2.5.29.15");
    boolean[] usage = cert.getKeyUsage();
    assertThat(usage[0]).as("digitalSignature").isTrue();
    assertThat(usage[2]).as("keyEncipherment").isTrue();
    assertThat(usage[5]).as("keyCertSign").isTrue();
    assertThat(usage[1] || usage[3] || usage[4]).isFalse();
    assertThat(cert.getExtendedKeyUsage())
        .containsExactly("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    assertThat(cert.getSubjectAlternativeNames())
        .containsExactlyInAnyOrder(List.of(2, "localhost"), List.of(7, "127.0.0.1"));
    assertThat(cert.getNotAfter().toInstant()).isAfter(Instant.now().plusSeconds(23 * 3600));
    assertThat(cert.getPublicKey()).isEqualTo(identity.keyPair().getPublic());
  }

  @Test
  void generate_twice_differentKeysAndSerials() {
    PluginTls.Identity a = PluginTls.generate();
    PluginTls.Identity b = PluginTls.generate();

    assertThat(a.certificate().getSerialNumber()).isNotEqualTo(b.certificate().getSerialNumber());
    assertThat(a.certificate().getSerialNumber().signum()).isPositive();
    assertThat(a.keyPair().getPublic()).isNotEqualTo(b.keyPair().getPublic());
  }

  @Test
  void generate_derParsedByAnIndependentAsn1Reader_sameFields() throws Exception {
    PluginTls.Identity identity = PluginTls.generate();

    Certificate parsed = Certificate.getInstance(identity.certificate().getEncoded());

    assertThat(parsed.getSubject().toString()).isEqualTo("CN=localhost,O=machinehost plugin");
    assertThat(parsed.getSerialNumber().getValue())
        .isEqualTo(identity.certificate().getSerialNumber());
    assertThat(parsed.getTBSCertificate().getExtensions().getExtensionOIDs()).hasSize(4);
  }

  @Test
  void pem_roundTrip_sameCertificate() {
    PluginTls.Identity identity = PluginTls.generate();

    assertThat(PluginTls.fromPem(identity.certificatePem())).isEqualTo(identity.certificate());
    assertThat(PluginTls.fromBase64(identity.certificateBase64().replace("=", "")))
        .isEqualTo(identity.certificate());
  }

  @Test
  void fromBase64_notACertificate_saysSo() {
    assertThatThrownBy(() -> PluginTls.fromBase64("aGVsbG8"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not an X.509 certificate");
  }

  @Test
  void oid_multiByteArcs_encodedBase128() {
    assertThat(SelfSignedCertificate.oid(1, 2, 840, 10045, 4, 3, 2))
        .containsExactly(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02);
  }

  @Test
  void tlv_longContent_usesLongFormLength() {
    byte[] der = SelfSignedCertificate.tlv(0x04, new byte[300]);

    assertThat(der).startsWith(0x04, 0x82, 0x01, 0x2c);
    assertThat(der).hasSize(304);
  }
}
