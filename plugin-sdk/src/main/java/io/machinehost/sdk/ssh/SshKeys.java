package io.machinehost.sdk.ssh;

import io.machinehost.sdk.DriverException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.generators.Ed25519KeyPairGenerator;
import org.bouncycastle.crypto.generators.RSAKeyPairGenerator;
import org.bouncycastle.crypto.params.Ed25519KeyGenerationParameters;
import org.bouncycastle.crypto.params.RSAKeyGenerationParameters;
import org.bouncycastle.crypto.util.OpenSSHPrivateKeyUtil;
import org.bouncycastle.crypto.util.OpenSSHPublicKeyUtil;

/**
 * Makes SSH key pairs for machines, as Docker Machine's {@code ssh.GenerateSSHKey} does.
 *
 * <p>The default type is Ed25519: OpenSSH has accepted it since 6.5 (2014), sshj reads it, it is
 * made in about a millisecond (start-up time is this project's main cost; RSA-3072 takes hundreds),
 * and it has none of RSA's SHA-1 signature trouble (OpenSSH 8.8 and later refuse {@code ssh-rsa}
 * signatures). {@link Type#RSA} remains for providers or old servers that accept only RSA.
 */
public final class SshKeys {
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");
  private static final SecureRandom RANDOM = new SecureRandom();

  /** Key types. */
  public enum Type {
    /** Ed25519 in OpenSSH's {@code OPENSSH PRIVATE KEY} format. */
    ED25519,
    /** RSA 3072 in PKCS#1 {@code RSA PRIVATE KEY} PEM, as Docker Machine wrote (at 2048). */
    RSA
  }

  private SshKeys() {}

  /**
   * Writes a new Ed25519 key pair: the private key at {@code privateKey} (mode 0600) and the public
   * key, one {@code authorized_keys} line, at {@code privateKey + ".pub"}. Existing files are
   * replaced.
   *
   * @param privateKey where the private key goes; its directory is made if missing
   * @return the public key line, e.g. {@code ssh-ed25519 AAAA... machinehost}
   * @throws DriverException {@link DriverException.Code#INTERNAL} if the files cannot be written
   */
  public static String generate(Path privateKey) throws DriverException {
    return generate(privateKey, Type.ED25519);
  }

  /**
   * Writes a new key pair of the given type; see {@link #generate(Path)}.
   *
   * @param privateKey where the private key goes
   * @param type the key type
   * @return the public key line
   * @throws DriverException {@link DriverException.Code#INTERNAL} if the files cannot be written
   */
  public static String generate(Path privateKey, Type type) throws DriverException {
    AsymmetricCipherKeyPair pair;
    String pemType;
    String algorithm;
    if (type == Type.ED25519) {
      Ed25519KeyPairGenerator generator = new Ed25519KeyPairGenerator();
      generator.init(new Ed25519KeyGenerationParameters(RANDOM));
      pair = generator.generateKeyPair();
      pemType = "OPENSSH PRIVATE KEY";
      algorithm = "ssh-ed25519";
    } else {
      RSAKeyPairGenerator generator = new RSAKeyPairGenerator();
      generator.init(new RSAKeyGenerationParameters(BigInteger.valueOf(65537), RANDOM, 3072, 144));
      pair = generator.generateKeyPair();
      pemType = "RSA PRIVATE KEY";
      algorithm = "ssh-rsa";
    }
    String publicLine;
    try {
      byte[] privateBytes = OpenSSHPrivateKeyUtil.encodePrivateKey(pair.getPrivate());
      byte[] publicBytes = OpenSSHPublicKeyUtil.encodePublicKey(pair.getPublic());
      publicLine =
          algorithm + " " + Base64.getEncoder().encodeToString(publicBytes) + " machinehost";
      writeOwnerOnly(privateKey, pem(pemType, privateBytes).getBytes(StandardCharsets.US_ASCII));
      writeOwnerOnly(
          publicKeyPath(privateKey), (publicLine + "\n").getBytes(StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw DriverException.internal("cannot write SSH key %s: %s", privateKey, e.getMessage())
          .withCause(e);
    }
    return publicLine;
  }

  /**
   * Returns where the public key of a private key is.
   *
   * @param privateKey the private key's path
   * @return the same path plus {@code .pub}
   */
  public static Path publicKeyPath(Path privateKey) {
    return privateKey.resolveSibling(privateKey.getFileName() + ".pub");
  }

  private static String pem(String type, byte[] der) {
    // OpenSSH writes 70 columns; readers accept any width up to 76.
    String body = Base64.getMimeEncoder(70, new byte[] {'\n'}).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }

  /**
   * Writes a file readable by its owner only: written aside, then moved over the target, so no
   * reader ever sees a partial key or a key with wider permissions.
   */
  static void writeOwnerOnly(Path file, byte[] content) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    FileAttribute<?>[] attributes =
        posix
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
            : new FileAttribute<?>[0];
    Path temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp", attributes);
    try {
      Files.write(temp, content);
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /**
   * Copies a file into a new file readable by its owner only, replacing it.
   *
   * @param from the file to copy
   * @param to the copy, replaced if it exists
   * @throws IOException if it cannot be read or written
   */
  public static void copyOwnerOnly(Path from, Path to) throws IOException {
    writeOwnerOnly(to, Files.readAllBytes(from));
  }
}
