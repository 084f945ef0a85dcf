package io.machinehost.host.certs;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The store's TLS material, as Docker Machine lays it out: a CA and a client certificate in {@code
 * <storage>/certs/} made on first use, and per machine a server certificate signed by that CA,
 * beside copies of the CA and client certificates so {@code DOCKER_CERT_PATH} can point at the
 * machine's directory. Keys are ECDSA P-256, written 0600.
 */
public final class CertificateStore {
  /** The CA certificate's file name. */
  public static final String CA = "ca.pem";

  /** The CA key's file name. */
  public static final String CA_KEY = "ca-key.pem";

  /** The client certificate's file name. */
  public static final String CERT = "cert.pem";

  /** The client key's file name. */
  public static final String KEY = "key.pem";

  /** The machine's server certificate's file name. */
  public static final String SERVER = "server.pem";

  /** The machine's server key's file name. */
  public static final String SERVER_KEY = "server-key.pem";

  /** A server certificate this close to its end is renewed by the next provisioning. */
  public static final int RENEW_BEFORE_DAYS = 30;

  private static final Duration VALIDITY = Duration.ofDays(3 * 365);

  private final Path certsDir;

  /** A store whose shared certificates live in {@code <storage>/certs}. */
  public CertificateStore(Path storage) {
    this.certsDir = storage.resolve("certs");
  }

  /** Returns the directory of the CA and client certificates. */
  public Path certsDir() {
    return certsDir;
  }

  /**
   * Makes the CA and client certificate unless they exist; safe against concurrent creates.
   *
   * @param regenerate make new ones even if they exist
   * @throws IOException if they cannot be written
   */
  public void ensureClientCertificates(boolean regenerate) throws IOException {
    mkdirs(certsDir);
    // A file lock guards against other processes, the monitor against other threads of this one
    // (a second lock of the same file in one JVM throws instead of waiting).
    synchronized (CertificateStore.class) {
      lockedEnsure(regenerate);
    }
  }

  private void lockedEnsure(boolean regenerate) throws IOException {
    try (FileChannel lock =
        FileChannel.open(
            certsDir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      // Concurrent first creates must not each make a CA: one waits for the other.
      FileLock held = lock.lock();
      assert held.isValid();
      if (!regenerate
          && Files.exists(certsDir.resolve(CA))
          && Files.exists(certsDir.resolve(CERT))) {
        return;
      }
      KeyPair caKey = newKeyPair();
      X509Certificate ca = caCertificate(caKey);
      KeyPair clientKey = newKeyPair();
      X509Certificate client =
          signed(
              ca,
              caKey.getPrivate(),
              clientKey,
              "machinehost client",
              List.of(),
              KeyPurposeId.id_kp_clientAuth);
      writeKey(certsDir.resolve(CA_KEY), caKey);
      writePem(certsDir.resolve(CA), ca);
      writeKey(certsDir.resolve(KEY), clientKey);
      writePem(certsDir.resolve(CERT), client);
    }
  }

  /**
   * Makes the machine's server certificate, for the given names and addresses, and copies the CA
   * and client certificates beside it.
   *
   * @param machineDir the machine's directory
   * @param sans host names and IP addresses the engine is reached at
   * @throws IOException if the CA cannot be read or files cannot be written
   */
  public void issueServerCertificate(Path machineDir, List<String> sans) throws IOException {
    ensureClientCertificates(false);
    X509Certificate ca = readCertificate(certsDir.resolve(CA));
    PrivateKey caKey = readPrivateKey(certsDir.resolve(CA_KEY));
    KeyPair serverKey = newKeyPair();
    X509Certificate server =
        signed(ca, caKey, serverKey, "machinehost engine", sans, KeyPurposeId.id_kp_serverAuth);
    mkdirs(machineDir);
    // Both files are replaced atomically, but not together: the check in
    // ensureServerCertificate notices a key and certificate that do not belong together.
    writeKey(machineDir.resolve(SERVER_KEY), serverKey);
    writePem(machineDir.resolve(SERVER), server);
    copyClientCertificates(machineDir);
  }

  /**
   * Keeps the machine's server certificate when it is still good, otherwise makes a new one (see
   * {@link #issueServerCertificate}); the CA and client certificates beside it are refreshed either
   * way. Good means: signed by the store's CA, valid for at least {@value #RENEW_BEFORE_DAYS} more
   * days, holding every one of {@code sans}, with its key beside it.
   *
   * @return whether a new server certificate was made
   * @throws IOException if the CA cannot be read or files cannot be written
   */
  public boolean ensureServerCertificate(Path machineDir, List<String> sans) throws IOException {
    ensureClientCertificates(false);
    if (serverCertificateIsGood(machineDir, sans)) {
      copyClientCertificates(machineDir);
      return false;
    }
    issueServerCertificate(machineDir, sans);
    return true;
  }

  private boolean serverCertificateIsGood(Path machineDir, List<String> sans) {
    Path cert = machineDir.resolve(SERVER);
    Path key = machineDir.resolve(SERVER_KEY);
    if (!Files.isRegularFile(cert) || !Files.isRegularFile(key)) {
      return false;
    }
    try {
      X509Certificate server = readCertificate(cert);
      server.verify(readCertificate(certsDir.resolve(CA)).getPublicKey());
      server.checkValidity(Date.from(Instant.now().plus(Duration.ofDays(RENEW_BEFORE_DAYS))));
      Set<String> held = new LinkedHashSet<>();
      subjectAlternativeNames(cert).forEach(n -> held.add(normalized(n)));
      for (String san : sans) {
        if (!held.contains(normalized(san))) {
          return false;
        }
      }
      return belongTogether(readPrivateKey(key), server);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  /** Whether a key signs what the certificate's public key verifies. */
  private static boolean belongTogether(PrivateKey key, X509Certificate cert)
      throws GeneralSecurityException {
    byte[] probe = new byte[32];
    new SecureRandom().nextBytes(probe);
    java.security.Signature signer = java.security.Signature.getInstance("SHA256withECDSA");
    signer.initSign(key);
    signer.update(probe);
    byte[] signature = signer.sign();
    java.security.Signature verifier = java.security.Signature.getInstance("SHA256withECDSA");
    verifier.initVerify(cert.getPublicKey());
    verifier.update(probe);
    return verifier.verify(signature);
  }

  private static String normalized(String name) {
    if (isIpAddress(name)) {
      try {
        return InetAddress.getByName(name).getHostAddress();
      } catch (IOException e) {
        return name;
      }
    }
    return name.toLowerCase(java.util.Locale.ROOT);
  }

  /** Copies the store's CA and client certificate and key into a machine's directory. */
  public void copyClientCertificates(Path machineDir) throws IOException {
    mkdirs(machineDir);
    for (String file : List.of(CA, CERT, KEY)) {
      Path source = certsDir.resolve(file);
      Path target = machineDir.resolve(file);
      if (Files.isRegularFile(target) && Files.mismatch(source, target) < 0) {
        continue;
      }
      Path temp = Files.createTempFile(machineDir, file, ".tmp");
      Files.copy(source, temp, StandardCopyOption.REPLACE_EXISTING);
      if (file.equals(KEY)) {
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
      }
      move(temp, target);
    }
  }

  /** Returns the names a machine's server certificate should hold. */
  public static List<String> serverNames(String machine, String ip, List<String> extra) {
    Set<String> names = new LinkedHashSet<>();
    if (ip != null && !ip.isBlank()) {
      names.add(ip);
    }
    names.add(machine);
    names.add("localhost");
    names.add("127.0.0.1");
    names.addAll(extra);
    return new ArrayList<>(names);
  }

  /** Reads the SANs of a certificate file (for checks and tests). */
  public static List<String> subjectAlternativeNames(Path pem) throws IOException {
    try {
      List<String> names = new ArrayList<>();
      var sans = readCertificate(pem).getSubjectAlternativeNames();
      if (sans != null) {
        sans.forEach(san -> names.add(String.valueOf(san.get(1))));
      }
      return names;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot read " + pem + ": " + e.getMessage(), e);
    }
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static X509Certificate caCertificate(KeyPair key) throws IOException {
    try {
      X500Name name = new X500Name("CN=machinehost CA,O=machinehost");
      Instant now = Instant.now();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              name,
              serial(),
              Date.from(now.minus(Duration.ofMinutes(5))),
              Date.from(now.plus(VALIDITY)),
              name,
              key.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
      b.addExtension(
          Extension.subjectKeyIdentifier,
          false,
          new JcaX509ExtensionUtils().createSubjectKeyIdentifier(key.getPublic()));
      return sign(b, key.getPrivate());
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot make the CA certificate: " + e.getMessage(), e);
    }
  }

  private static X509Certificate signed(
      X509Certificate ca,
      PrivateKey caKey,
      KeyPair key,
      String commonName,
      List<String> sans,
      KeyPurposeId purpose)
      throws IOException {
    try {
      Instant now = Instant.now();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              ca,
              serial(),
              Date.from(now.minus(Duration.ofMinutes(5))),
              Date.from(now.plus(VALIDITY)),
              new X500Name("CN=" + commonName + ",O=machinehost"),
              key.getPublic());
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(
              KeyUsage.digitalSignature | KeyUsage.keyEncipherment | KeyUsage.keyAgreement));
      b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
      b.addExtension(
          Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(ca));
      if (!sans.isEmpty()) {
        List<GeneralName> names = new ArrayList<>();
        for (String san : sans) {
          names.add(
              isIpAddress(san)
                  ? new GeneralName(GeneralName.iPAddress, san)
                  : new GeneralName(GeneralName.dNSName, san));
        }
        b.addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(names.toArray(new GeneralName[0])));
      }
      return sign(b, caKey);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot make the certificate: " + e.getMessage(), e);
    }
  }

  private static boolean isIpAddress(String s) {
    if (!s.matches("[0-9.]+|[0-9a-fA-F:]+") || !(s.contains(".") || s.contains(":"))) {
      return false;
    }
    try {
      InetAddress.getByName(s); // a literal: no lookup happens for these patterns
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key)
      throws IOException {
    try {
      X509CertificateHolder holder =
          b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key));
      return new JcaX509CertificateConverter().getCertificate(holder);
    } catch (OperatorCreationException | GeneralSecurityException e) {
      throw new IOException("cannot sign the certificate: " + e.getMessage(), e);
    }
  }

  private static BigInteger serial() {
    return new BigInteger(127, new SecureRandom());
  }

  private static void mkdirs(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
  }

  private static void writePem(Path file, Object object) throws IOException {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter pem = new JcaPEMWriter(text)) {
      pem.writeObject(object);
    }
    write(file, text.toString(), "rw-r--r--");
  }

  private static void writeKey(Path file, KeyPair key) throws IOException {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter pem = new JcaPEMWriter(text)) {
      // PKCS#8 ("PRIVATE KEY"): carries the curve, and OpenSSL, Go and Java all read it.
      pem.writeObject(new JcaPKCS8Generator(key.getPrivate(), null));
    }
    write(file, text.toString(), "rw-------");
  }

  private static void write(Path file, String content, String permissions) throws IOException {
    Path temp =
        Files.createTempFile(
            file.getParent(),
            file.getFileName().toString(),
            ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
      channel.write(java.nio.ByteBuffer.wrap(content.getBytes(StandardCharsets.US_ASCII)));
      channel.force(true);
    }
    Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString(permissions));
    move(temp, file);
  }

  private static void move(Path temp, Path target) throws IOException {
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * Reads a PEM certificate.
   *
   * @throws IOException if the file is missing or holds no certificate
   */
  public static X509Certificate readCertificate(Path file) throws IOException {
    try (PEMParser parser = new PEMParser(new StringReader(Files.readString(file)))) {
      Object object = parser.readObject();
      if (!(object instanceof X509CertificateHolder holder)) {
        throw new IOException(file + " holds no certificate; run \"machine regenerate-certs\"");
      }
      return new JcaX509CertificateConverter().getCertificate(holder);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads a PEM private key (PKCS#8, or the traditional OpenSSL form).
   *
   * @throws IOException if the file is missing or holds no private key
   */
  public static PrivateKey readPrivateKey(Path file) throws IOException {
    try (PEMParser parser = new PEMParser(new StringReader(Files.readString(file)))) {
      Object object = parser.readObject();
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      if (object instanceof PEMKeyPair pair) {
        return converter.getPrivateKey(pair.getPrivateKeyInfo());
      }
      if (object instanceof org.bouncycastle.asn1.pkcs.PrivateKeyInfo info) {
        return converter.getPrivateKey(info);
      }
      throw new IOException(file + " holds no private key; run \"machine regenerate-certs\"");
    }
  }
}
