package io.machinehost.sdk.rpc;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * A self-signed X.509 v3 certificate for {@code localhost} written directly in DER with the JDK's
 * own signature engine. The plugin channel needs exactly one shape of certificate, and a general
 * certificate library costs hundreds of milliseconds of class loading on every cold start.
 */
final class SelfSignedCertificate {
  private static final int SEQUENCE = 0x30;
  private static final int SET = 0x31;
  private static final int INTEGER = 0x02;
  private static final int BIT_STRING = 0x03;
  private static final int OCTET_STRING = 0x04;
  private static final int OID = 0x06;
  private static final int UTF8_STRING = 0x0c;
  private static final int UTC_TIME = 0x17;
  private static final int GENERALIZED_TIME = 0x18;
  private static final int BOOLEAN = 0x01;

  // ecdsa-with-SHA256, commonName, organizationName and the extensions used, as DER OID bodies.
  private static final byte[] ECDSA_SHA256 = oid(1, 2, 840, 10045, 4, 3, 2);
  private static final byte[] COMMON_NAME = oid(2, 5, 4, 3);
  private static final byte[] ORGANIZATION = oid(2, 5, 4, 10);
  private static final byte[] BASIC_CONSTRAINTS = oid(2, 5, 29, 19);
  private static final byte[] KEY_USAGE = oid(2, 5, 29, 15);
  private static final byte[] EXTENDED_KEY_USAGE = oid(2, 5, 29, 37);
  private static final byte[] SUBJECT_ALT_NAME = oid(2, 5, 29, 17);
  private static final byte[] SERVER_AUTH = oid(1, 3, 6, 1, 5, 5, 7, 3, 1);
  private static final byte[] CLIENT_AUTH = oid(1, 3, 6, 1, 5, 5, 7, 3, 2);

  private SelfSignedCertificate() {}

  /**
   * Makes the certificate: CA (so that each side can trust it directly), digital signature, key
   * encipherment and cert sign usages, server and client auth, SANs {@code localhost} and {@code
   * 127.0.0.1}, signed with SHA256withECDSA by its own EC key.
   */
  static X509Certificate create(
      KeyPair keyPair, BigInteger serial, Instant notBefore, Instant notAfter)
      throws GeneralSecurityException {
    byte[] algorithm = tlv(SEQUENCE, tlv(OID, ECDSA_SHA256));
    byte[] name =
        tlv(
            SEQUENCE,
            tlv(SET, tlv(SEQUENCE, tlv(OID, COMMON_NAME), utf8("localhost"))),
            tlv(SET, tlv(SEQUENCE, tlv(OID, ORGANIZATION), utf8("machinehost plugin"))));
    byte[] extensions =
        tlv(
            0xa3,
            tlv(
                SEQUENCE,
                extension(BASIC_CONSTRAINTS, true, tlv(SEQUENCE, tlv(BOOLEAN, new byte[] {-1}))),
                // digitalSignature (bit 0), keyEncipherment (bit 2), keyCertSign (bit 5)
                extension(KEY_USAGE, true, tlv(BIT_STRING, new byte[] {2, (byte) 0xa4})),
                extension(
                    EXTENDED_KEY_USAGE,
                    false,
                    tlv(SEQUENCE, tlv(OID, SERVER_AUTH), tlv(OID, CLIENT_AUTH))),
                extension(
                    SUBJECT_ALT_NAME,
                    false,
                    tlv(
                        SEQUENCE,
                        tlv(0x82, "localhost".getBytes(StandardCharsets.US_ASCII)),
                        tlv(0x87, new byte[] {127, 0, 0, 1})))));
    byte[] tbs =
        tlv(
            SEQUENCE,
            tlv(0xa0, tlv(INTEGER, new byte[] {2})), // v3
            tlv(INTEGER, serial.toByteArray()),
            algorithm,
            name,
            tlv(SEQUENCE, time(notBefore), time(notAfter)),
            name,
            keyPair.getPublic().getEncoded(), // already a DER SubjectPublicKeyInfo
            extensions);
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(keyPair.getPrivate());
    signer.update(tbs);
    byte[] signature = signer.sign(); // DER ECDSA-Sig-Value, as X.509 carries it
    byte[] bits = new byte[signature.length + 1];
    System.arraycopy(signature, 0, bits, 1, signature.length);
    byte[] der = tlv(SEQUENCE, tbs, algorithm, tlv(BIT_STRING, bits));
    return (X509Certificate)
        CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
  }

  private static byte[] extension(byte[] oid, boolean critical, byte[] value) {
    return critical
        ? tlv(SEQUENCE, tlv(OID, oid), tlv(BOOLEAN, new byte[] {-1}), tlv(OCTET_STRING, value))
        : tlv(SEQUENCE, tlv(OID, oid), tlv(OCTET_STRING, value));
  }

  private static byte[] utf8(String s) {
    return tlv(UTF8_STRING, s.getBytes(StandardCharsets.UTF_8));
  }

  /** UTCTime until 2049, GeneralizedTime from 2050 on (RFC 5280 §4.1.2.5). */
  private static byte[] time(Instant instant) {
    ZonedDateTime t = instant.atZone(ZoneOffset.UTC);
    if (t.getYear() < 2050) {
      return tlv(
          UTC_TIME,
          t.format(DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'"))
              .getBytes(StandardCharsets.US_ASCII));
    }
    return tlv(
        GENERALIZED_TIME,
        t.format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'"))
            .getBytes(StandardCharsets.US_ASCII));
  }

  /** A DER tag-length-value of the concatenated parts. */
  static byte[] tlv(int tag, byte[]... parts) {
    int length = 0;
    for (byte[] part : parts) {
      length += part.length;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(length + 6);
    out.write(tag);
    if (length < 0x80) {
      out.write(length);
    } else {
      int bytes = length > 0xffffff ? 4 : length > 0xffff ? 3 : length > 0xff ? 2 : 1;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(length >>> (8 * i));
      }
    }
    for (byte[] part : parts) {
      out.write(part, 0, part.length);
    }
    return out.toByteArray();
  }

  /** The body of a DER OBJECT IDENTIFIER. */
  static byte[] oid(int... arcs) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(arcs[0] * 40 + arcs[1]);
    for (int i = 2; i < arcs.length; i++) {
      int arc = arcs[i];
      int groups = 1;
      for (int v = arc >>> 7; v != 0; v >>>= 7) {
        groups++;
      }
      for (int g = groups - 1; g >= 0; g--) {
        int b = (arc >>> (7 * g)) & 0x7f;
        out.write(g == 0 ? b : b | 0x80);
      }
    }
    return out.toByteArray();
  }
}
