package io.machinehost.host.provision;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OsReleaseTest {
  private static final String DEBIAN =
      """
      PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
      NAME="Debian GNU/Linux"
      VERSION_ID="12"
      VERSION="12 (bookworm)"
      VERSION_CODENAME=bookworm
      ID=debian
      HOME_URL="https://www.debian.org/"
      """;

  private static final String UBUNTU =
      """
      PRETTY_NAME="Ubuntu 22.04.4 LTS"
      NAME="Ubuntu"
      VERSION_ID="22.04"
      ID=ubuntu
      ID_LIKE=debian
      """;

  @Test
  void parse_debian_supportedWithItsNames() {
    OsRelease os = OsRelease.parse(DEBIAN);

    assertThat(os.id()).isEqualTo("debian");
    assertThat(os.idLike()).isEmpty();
    assertThat(os.versionId()).isEqualTo("12");
    assertThat(os.prettyName()).isEqualTo("Debian GNU/Linux 12 (bookworm)");
    assertThat(os.isSupported()).isTrue();
    assertThat(os.describe()).isEqualTo("Debian GNU/Linux 12 (bookworm) (ID=debian)");
  }

  @Test
  void parse_ubuntu_supportedAndDerivesFromDebian() {
    OsRelease os = OsRelease.parse(UBUNTU);

    assertThat(os.id()).isEqualTo("ubuntu");
    assertThat(os.idLike()).containsExactly("debian");
    assertThat(os.isSupported()).isTrue();
  }

  static Stream<Arguments> systems() {
    return Stream.of(
        Arguments.of("ID=alpine\nNAME=\"Alpine Linux\"", "alpine", false),
        Arguments.of("ID=fedora\nPRETTY_NAME='Fedora Linux 40'", "fedora", false),
        Arguments.of("ID=\"centos\"\nID_LIKE=\"rhel fedora\"", "centos", false),
        Arguments.of("ID=linuxmint\nID_LIKE=\"ubuntu debian\"", "linuxmint", true),
        Arguments.of("ID=raspbian\nID_LIKE=debian", "raspbian", true),
        Arguments.of("ID=Debian", "debian", true));
  }

  @ParameterizedTest
  @MethodSource("systems")
  void isSupported_byIdOrIdLike_onlyDebianFamily(String content, String id, boolean supported) {
    OsRelease os = OsRelease.parse(content);

    assertThat(os.id()).isEqualTo(id);
    assertThat(os.isSupported()).isEqualTo(supported);
  }

  @Test
  void parse_quotesCommentsAndJunk_readAsTheFormatSays() {
    OsRelease os =
        OsRelease.parse(
            """
            # a comment
              ID=arch \s
            not a pair
            =novalue
            PRETTY_NAME="Arch \\"rolling\\" \\$HOME"
            NAME='Arch'
            """);

    assertThat(os.id()).isEqualTo("arch");
    assertThat(os.prettyName()).isEqualTo("Arch \"rolling\" $HOME");
    assertThat(os.isSupported()).isFalse();
    assertThat(os.describe()).isEqualTo("Arch \"rolling\" $HOME (ID=arch)");
  }

  @Test
  void parse_empty_isLinuxAndUnsupported() {
    OsRelease os = OsRelease.parse("");

    assertThat(os.id()).isEqualTo("linux");
    assertThat(os.prettyName()).isEmpty();
    assertThat(os.isSupported()).isFalse();
    assertThat(os.describe()).isEqualTo("linux (ID=linux)");
  }

  @Test
  void describe_withIdLike_namesBoth() {
    assertThat(OsRelease.parse("NAME=Rocky\nID=rocky\nID_LIKE=\"rhel centos fedora\"").describe())
        .isEqualTo("Rocky (ID=rocky, ID_LIKE=rhel centos fedora)");
  }
}
