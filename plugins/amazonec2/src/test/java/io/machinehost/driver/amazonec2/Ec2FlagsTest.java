package io.machinehost.driver.amazonec2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.machinehost.sdk.CreateFlag;
import io.machinehost.sdk.DriverException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class Ec2FlagsTest {
  private static final Map<String, CreateFlag> FLAGS =
      Ec2Flags.definitions().stream()
          .collect(Collectors.toMap(CreateFlag::name, Function.identity()));

  @ParameterizedTest
  @CsvSource({
    "amazonec2-access-key, AWS_ACCESS_KEY_ID, ",
    "amazonec2-secret-key, AWS_SECRET_ACCESS_KEY, ",
    "amazonec2-session-token, AWS_SESSION_TOKEN, ",
    "amazonec2-ami, AWS_AMI, ",
    "amazonec2-region, AWS_DEFAULT_REGION, us-east-1",
    "amazonec2-vpc-id, AWS_VPC_ID, ",
    "amazonec2-zone, AWS_ZONE, a",
    "amazonec2-subnet-id, AWS_SUBNET_ID, ",
    "amazonec2-tags, AWS_TAGS, ",
    "amazonec2-instance-type, AWS_INSTANCE_TYPE, t2.micro",
    "amazonec2-device-name, AWS_DEVICE_NAME, /dev/sda1",
    "amazonec2-root-size, AWS_ROOT_SIZE, 16",
    "amazonec2-volume-type, AWS_VOLUME_TYPE, gp2",
    "amazonec2-iam-instance-profile, AWS_INSTANCE_PROFILE, ",
    "amazonec2-ssh-port, AWS_SSH_PORT, 22",
    "amazonec2-ssh-user, AWS_SSH_USER, ubuntu",
    "amazonec2-spot-price, , 0.50",
    "amazonec2-retries, , 5",
    "amazonec2-ssh-keypath, AWS_SSH_KEYPATH, ",
    "amazonec2-keypair-name, AWS_KEYPAIR_NAME, ",
    "amazonec2-endpoint, AWS_ENDPOINT, ",
    "amazonec2-userdata, AWS_USERDATA, "
  })
  void definitions_dockerMachineFlag_sameEnvVarAndDefault(
      String name, String envVar, String defaultValue) {
    CreateFlag flag = FLAGS.get(name);

    assertThat(flag).as(name).isNotNull();
    assertThat(flag.envVar()).isEqualTo(envVar == null ? "" : envVar);
    if (defaultValue == null) {
      assertThat(flag.defaultValueIfAny()).isEmpty();
    } else {
      assertThat(String.valueOf(flag.defaultValue())).isEqualTo(defaultValue);
    }
  }

  @Test
  void definitions_securityGroup_aListDefaultingToDockerMachine() {
    CreateFlag flag = FLAGS.get(Ec2Flags.SECURITY_GROUP);

    assertThat(flag.type()).isEqualTo(CreateFlag.Type.STRING_LIST);
    assertThat(flag.defaultValue()).isEqualTo(List.of("docker-machine"));
    assertThat(flag.envVar()).isEqualTo("AWS_SECURITY_GROUP");
  }

  @Test
  void definitions_secretKeyAndSessionToken_secretAndNothingElse() {
    assertThat(FLAGS.values().stream().filter(CreateFlag::secret).map(CreateFlag::name))
        .containsExactlyInAnyOrder(Ec2Flags.SECRET_KEY, Ec2Flags.SESSION_TOKEN);
  }

  @ParameterizedTest
  @ValueSource(strings = {"us-east-1", "eu-central-2", "us-gov-west-1", "ap-southeast-4"})
  void region_awsName_accepted(String region) throws Exception {
    assertThat(Ec2Flags.region(region)).isEqualTo(region);
  }

  @ParameterizedTest
  @ValueSource(strings = {"useast1", "us-east", "us_east_1", "1-us-east"})
  void region_notARegion_invalidArgumentNamingTheFlag(String region) {
    DriverException e = catchThrowableOfType(DriverException.class, () -> Ec2Flags.region(region));

    assertThat(e.code()).isEqualTo(DriverException.Code.INVALID_ARGUMENT);
    assertThat(e.flag()).contains(Ec2Flags.REGION);
  }

  @Test
  void zone_letterOrWholeName_theZoneOfTheRegion() throws Exception {
    assertThat(Ec2Flags.zone("eu-west-1", "b")).isEqualTo("eu-west-1b");
    assertThat(Ec2Flags.zone("eu-west-1", "")).isEqualTo("eu-west-1a");
    assertThat(Ec2Flags.zone("us-east-1", "us-east-1-bos-1a")).isEqualTo("us-east-1-bos-1a");
  }

  @Test
  void tags_pairs_inOrder() throws Exception {
    assertThat(Ec2Flags.tags("team,web,env, test"))
        .containsExactly(Map.entry("team", "web"), Map.entry("env", "test"));
    assertThat(Ec2Flags.tags("")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"team", "team,web,env", ",web"})
  void tags_notPairs_invalidArgumentNamingTheFlag(String tags) {
    DriverException e = catchThrowableOfType(DriverException.class, () -> Ec2Flags.tags(tags));

    assertThat(e.flag()).contains(Ec2Flags.TAGS);
  }

  @Test
  void openPorts_numbersAndProtocols_normalised() throws Exception {
    assertThat(Ec2Flags.openPorts(List.of("8080", "53/UDP", " 443/tcp ")))
        .containsExactly("8080/tcp", "53/udp", "443/tcp");
  }

  @ParameterizedTest
  @ValueSource(strings = {"http", "0", "65536", "80/icmp", "80/tcp/x"})
  void openPorts_notAPort_invalidArgumentNamingTheFlag(String port) {
    DriverException e =
        catchThrowableOfType(DriverException.class, () -> Ec2Flags.openPorts(List.of(port)));

    assertThat(e.flag()).contains(Ec2Flags.OPEN_PORT);
    assertThat(e.getMessage()).contains(port);
  }

  @Test
  void endpoint_hostOrUrl_aUrl() throws Exception {
    assertThat(Ec2Flags.endpoint("ec2.example.com", false)).isEqualTo("https://ec2.example.com");
    assertThat(Ec2Flags.endpoint("ec2.example.com", true)).isEqualTo("http://ec2.example.com");
    assertThat(Ec2Flags.endpoint("http://127.0.0.1:5000", false))
        .isEqualTo("http://127.0.0.1:5000");
    assertThat(Ec2Flags.endpoint("", false)).isEmpty();
  }

  @Test
  void endpoint_insecureWithoutEndpoint_invalidArgumentAsDockerMachine() {
    DriverException e =
        catchThrowableOfType(DriverException.class, () -> Ec2Flags.endpoint("", true));

    assertThat(e.flag()).contains(Ec2Flags.INSECURE_TRANSPORT);
    assertThat(e.getMessage()).contains("requires --amazonec2-endpoint");
  }

  @Test
  void endpoint_notAUrl_invalidArgumentNamingTheFlag() {
    DriverException e =
        catchThrowableOfType(DriverException.class, () -> Ec2Flags.endpoint("ftp://x", false));

    assertThat(e.flag()).contains(Ec2Flags.ENDPOINT);
  }

  @Test
  void spotPriceAndBlockDuration_checked() throws Exception {
    assertThat(Ec2Flags.spotPrice("0.10")).isEqualTo("0.10");
    assertThat(Ec2Flags.blockDuration(120)).isEqualTo(120);
    assertThat(
            catchThrowableOfType(DriverException.class, () -> Ec2Flags.spotPrice("cheap")).flag())
        .contains(Ec2Flags.SPOT_PRICE);
    assertThat(catchThrowableOfType(DriverException.class, () -> Ec2Flags.blockDuration(90)).flag())
        .contains(Ec2Flags.BLOCK_DURATION_MINUTES);
  }
}
