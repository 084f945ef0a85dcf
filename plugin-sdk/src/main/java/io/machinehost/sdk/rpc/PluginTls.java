package io.machinehost.sdk.rpc;

import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.io.ByteArrayInputStream;
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
      Instant now = Instant.now();
      X509Certificate certificate =
          SelfSignedCertificate.create(
              keyPair,
              new BigInteger(127, new SecureRandom()),
              now.minus(Duration.ofMinutes(1)),
              now.plus(Duration.ofDays(1)));
      return new Identity(keyPair, certificate);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot make a one-time certificate: " + e.getMessage(), e);
    }
  }

  /**
   * Reads an identity back from its PEM certificate and PKCS#8 PEM EC private key, as {@link
   * Identity#certificatePem} and {@link Identity#privateKeyPem} wrote them.
   *
   * @throws IllegalArgumentException if either is unreadable
   */
  public static Identity fromPem(String certificatePem, String privateKeyPem) {
    X509Certificate certificate = fromPem(certificatePem);
    String body =
        privateKeyPem
            .replace("-----BEGIN PRIVATE KEY-----", "")
            .replace("-----END PRIVATE KEY-----", "")
            .replaceAll("\\s", "");
    try {
      java.security.PrivateKey key =
          java.security.KeyFactory.getInstance("EC")
              .generatePrivate(
                  new java.security.spec.PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
      return new Identity(new KeyPair(certificate.getPublicKey(), key), certificate);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException("not a PKCS#8 EC private key: " + e.getMessage(), e);
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

  /**
   * Server credentials: present {@code own}, require a client presenting {@code peer}. Keys and
   * certificates are handed over as objects, not PEM, so that nothing is parsed again (and no PEM
   * library is loaded).
   */
  public static ServerCredentials serverCredentials(Identity own, X509Certificate peer) {
    return TlsServerCredentials.newBuilder()
        .keyManager(new OwnKey(own))
        .trustManager(new ExactTrust(peer))
        .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
        .build();
  }

  /** Channel credentials: present {@code own}, accept only a server presenting {@code peer}. */
  public static ChannelCredentials channelCredentials(Identity own, X509Certificate peer) {
    return TlsChannelCredentials.newBuilder()
        .keyManager(new OwnKey(own))
        .trustManager(new ExactTrust(peer))
        .build();
  }
}
