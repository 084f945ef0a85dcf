package io.machinehost.sdk.rpc;

import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * One-time identities for the plugin channel, as go-plugin's AutoMTLS makes them: a self-signed
 * ECDSA P-256 certificate for {@code localhost}, valid for a day, that each side trusts exactly.
 */
public final class PluginTls {
  private PluginTls() {}

  /**
   * A private key and its self-signed certificate.
   *
   * @param keyPair the key pair
   * @param certificate the certificate
   */
  public record Identity(KeyPair keyPair, X509Certificate certificate) {
    /** Returns the certificate as PEM. */
    public String certificatePem() {
      return pem("CERTIFICATE", der());
    }

    /** Returns the private key as PKCS#8 PEM. */
    public String privateKeyPem() {
      return pem("PRIVATE KEY", keyPair.getPrivate().getEncoded());
    }

    /** Returns the certificate as base64 of DER, as the handshake line carries it. */
    public String certificateBase64() {
      return Base64.getEncoder().encodeToString(der());
    }

    private byte[] der() {
      try {
        return certificate.getEncoded();
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /**
   * Loads the TLS engine ahead of use, so a caller can overlap its cost with other start-up work.
   * Safe to call from any thread, any number of times.
   */
  public static void warmUp() {
    try {
      io.grpc.netty.shaded.io.netty.handler.ssl.OpenSsl.isAvailable();
      javax.net.ssl.SSLContext.getDefault();
    } catch (GeneralSecurityException | RuntimeException | LinkageError e) {
      // warming is an optimisation; the real use reports any failure
    }
  }

  /** Makes a fresh identity. */
  public static Identity generate() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      KeyPair keyPair = generator.generateKeyPair();
      X500Name subject = new X500Name("CN=localhost,O=machinehost plugin");
      Instant now = Instant.now();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              subject,
              new BigInteger(127, new SecureRandom()),
              Date.from(now.minus(Duration.ofMinutes(1))),
              Date.from(now.plus(Duration.ofDays(1))),
              subject,
              keyPair.getPublic());
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      builder.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(
              KeyUsage.digitalSignature | KeyUsage.keyEncipherment | KeyUsage.keyCertSign));
      builder.addExtension(
          Extension.extendedKeyUsage,
          false,
          new ExtendedKeyUsage(
              new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      builder.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(
              new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1")
              }));
      X509Certificate certificate =
          new JcaX509CertificateConverter()
              .getCertificate(
                  builder.build(
                      new JcaContentSignerBuilder("SHA256withECDSA").build(keyPair.getPrivate())));
      return new Identity(keyPair, certificate);
    } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
      throw new IllegalStateException("cannot make a one-time certificate: " + e.getMessage(), e);
    }
  }

  /**
   * Reads a PEM certificate.
   *
   * @throws IllegalArgumentException if it is not one
   */
  public static X509Certificate fromPem(String pem) {
    return certificate(pem.getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * Reads a certificate from base64 of DER, with or without padding.
   *
   * @throws IllegalArgumentException if it is not one
   */
  public static X509Certificate fromBase64(String base64) {
    String padded = base64.strip();
    while (padded.length() % 4 != 0) {
      padded += "=";
    }
    try {
      return certificate(Base64.getDecoder().decode(padded));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("certificate field is not base64: " + e.getMessage(), e);
    }
  }

  private static X509Certificate certificate(byte[] bytes) {
    try {
      return (X509Certificate)
          CertificateFactory.getInstance("X.509")
              .generateCertificate(new ByteArrayInputStream(bytes));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not an X.509 certificate: " + e.getMessage(), e);
    }
  }

  /** Returns a certificate as PEM. */
  public static String toPem(X509Certificate certificate) {
    try {
      return pem("CERTIFICATE", certificate.getEncoded());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  /** Server credentials: present {@code own}, require a client presenting {@code peer}. */
  public static ServerCredentials serverCredentials(Identity own, X509Certificate peer) {
    try {
      return TlsServerCredentials.newBuilder()
          .keyManager(stream(own.certificatePem()), stream(own.privateKeyPem()))
          .trustManager(stream(toPem(peer)))
          .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Channel credentials: present {@code own}, accept only a server presenting {@code peer}. */
  public static ChannelCredentials channelCredentials(Identity own, X509Certificate peer) {
    try {
      return TlsChannelCredentials.newBuilder()
          .keyManager(stream(own.certificatePem()), stream(own.privateKeyPem()))
          .trustManager(stream(toPem(peer)))
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ByteArrayInputStream stream(String text) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII));
  }
}
