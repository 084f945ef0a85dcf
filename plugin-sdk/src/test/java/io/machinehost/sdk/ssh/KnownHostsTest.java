package io.machinehost.sdk.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KnownHostsTest {
  // ssh-keygen -l on this key prints SHA256:BGu2RZR7/5kdTOPlawQuumvQCgNx6OSbUp62QhwAJzE
  private static final String KEY =
      "AAAAC3NzaC1lZDI1NTE5AAAAIFysqEbfUZko37K/C/zRwG8H9L6+p0VmiT7pHU3ynPVs";

  @TempDir Path dir;

  @Test
  void hostPattern_port22_isBareHost() {
    assertThat(KnownHosts.hostPattern("Example.COM", 22)).isEqualTo("example.com");
  }

  @Test
  void hostPattern_otherPort_isBracketed() {
    assertThat(KnownHosts.hostPattern("127.0.0.1", 2222)).isEqualTo("[127.0.0.1]:2222");
  }

  @Test
  void fingerprint_keyBlob_isOpenSshSha256() {
    assertThat(KnownHosts.fingerprint(Base64.getDecoder().decode(KEY)))
        .isEqualTo("SHA256:BGu2RZR7/5kdTOPlawQuumvQCgNx6OSbUp62QhwAJzE");
  }

  @Test
  void forget_pinnedHost_removesOnlyItsLines() throws Exception {
    Path file = dir.resolve("known_hosts");
    Files.writeString(
        file,
        "# pinned\n"
            + "[127.0.0.1]:2222 ssh-ed25519 "
            + KEY
            + "\n"
            + "[127.0.0.1]:2223 ssh-ed25519 "
            + KEY
            + "\n"
            + "other,[127.0.0.1]:2222 ecdsa-sha2-nistp256 AAAA\n",
        StandardCharsets.UTF_8);

    int removed = KnownHosts.forget(file, "127.0.0.1", 2222);

    assertThat(removed).isEqualTo(2);
    assertThat(Files.readAllLines(file))
        .containsExactly("# pinned", "[127.0.0.1]:2223 ssh-ed25519 " + KEY);
  }

  @Test
  void pins_hostWithALine_true() throws Exception {
    Path file = dir.resolve("known_hosts");
    Files.writeString(
        file,
        "# [127.0.0.1]:2224 ssh-ed25519 "
            + KEY
            + "\n"
            + "[127.0.0.1]:2222 ssh-ed25519 "
            + KEY
            + "\n",
        StandardCharsets.UTF_8);

    assertThat(KnownHosts.pins(file, "127.0.0.1", 2222)).isTrue();
    assertThat(KnownHosts.pins(file, "127.0.0.1", 2223)).isFalse();
    assertThat(KnownHosts.pins(file, "127.0.0.1", 2224)).as("a comment pins nothing").isFalse();
    assertThat(KnownHosts.pins(dir.resolve("none"), "127.0.0.1", 2222)).isFalse();
  }

  @Test
  void forget_missingFile_removesNothing() throws Exception {
    assertThat(KnownHosts.forget(dir.resolve("none"), "h", 22)).isZero();
  }
}
