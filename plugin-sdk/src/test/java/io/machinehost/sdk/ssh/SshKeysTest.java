package io.machinehost.sdk.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.userauth.keyprovider.KeyProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SshKeysTest {
  @TempDir Path dir;

  @Test
  void generate_default_writesOpenSshEd25519KeyOwnerOnly() throws Exception {
    Path key = dir.resolve("id_ed25519");

    String line = SshKeys.generate(key);

    assertThat(Files.readString(key)).startsWith("-----BEGIN OPENSSH PRIVATE KEY-----\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
        .isEqualTo("rw-------");
    assertThat(line).startsWith("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5").endsWith(" machinehost");
    assertThat(Files.readString(dir.resolve("id_ed25519.pub"))).isEqualTo(line + "\n");
  }

  @ParameterizedTest
  @EnumSource(SshKeys.Type.class)
  void generate_anyType_sshjReadsTheKeyPair(SshKeys.Type type) throws Exception {
    Path key = dir.resolve("id_" + type);
    SshKeys.generate(key, type);

    try (SSHClient client = new SSHClient()) {
      KeyProvider keys = client.loadKeys(key.toString());

      assertThat(keys.getPrivate()).isNotNull();
      assertThat(keys.getPublic()).isNotNull();
    }
  }

  @Test
  void generate_rsa_writesPkcs1Pem() throws Exception {
    Path key = dir.resolve("id_rsa");

    String line = SshKeys.generate(key, SshKeys.Type.RSA);

    assertThat(Files.readString(key)).startsWith("-----BEGIN RSA PRIVATE KEY-----\n");
    assertThat(line).startsWith("ssh-rsa AAAAB3NzaC1yc2E");
  }

  @Test
  void generate_twice_replacesTheKey() throws Exception {
    Path key = dir.resolve("id");

    String first = SshKeys.generate(key);
    String second = SshKeys.generate(key);

    assertThat(second).isNotEqualTo(first);
    assertThat(Files.readString(SshKeys.publicKeyPath(key))).isEqualTo(second + "\n");
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("id", "id.pub");
    }
  }

  @Test
  void copyOwnerOnly_anyFile_copiesBytesWithMode0600() throws Exception {
    Path from = dir.resolve("from");
    Files.write(from, new byte[] {0, (byte) 0xff, 10});
    Files.setPosixFilePermissions(from, PosixFilePermissions.fromString("rw-r--r--"));

    SshKeys.copyOwnerOnly(from, dir.resolve("to"));

    assertThat(Files.readAllBytes(dir.resolve("to"))).containsExactly(0, (byte) 0xff, 10);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("to"))))
        .isEqualTo("rw-------");
  }
}
