package io.machinehost.driver.amazonec2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.machinehost.sdk.Capability;
import io.machinehost.sdk.Driver;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.testing.DriverHarness;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** The driver's configuration, in process: what needs no EC2 to check. */
class AmazonEc2DriverTest {
  @AutoClose final DriverHarness harness = new DriverHarness(AmazonEc2Driver::new);

  private DriverException configureFails(Map<String, Object> flags) throws Exception {
    Driver machine = harness.machine("m1");
    return catchThrowableOfType(DriverException.class, () -> harness.configure(machine, flags));
  }

  @Test
  void configure_accessKeyWithoutSecret_invalidArgumentNamingTheSecretFlag() throws Exception {
    DriverException e = configureFails(Map.of(Ec2Flags.ACCESS_KEY, "AKIA"));

    assertThat(e.code()).isEqualTo(DriverException.Code.INVALID_ARGUMENT);
    assertThat(e.flag()).contains(Ec2Flags.SECRET_KEY);
  }

  @Test
  void configure_keypairNameWithoutKeyPath_invalidArgumentAsDockerMachine() throws Exception {
    DriverException e = configureFails(Map.of(Ec2Flags.KEYPAIR_NAME, "mine"));

    assertThat(e.flag()).contains(Ec2Flags.SSH_KEYPATH);
    assertThat(e.getMessage())
        .contains("using --amazonec2-keypair-name also requires --amazonec2-ssh-keypath");
  }

  @Test
  void configure_missingKeyFile_invalidArgumentNamingTheFile() throws Exception {
    DriverException e = configureFails(Map.of(Ec2Flags.SSH_KEYPATH, "/nonexistent/id_rsa"));

    assertThat(e.flag()).contains(Ec2Flags.SSH_KEYPATH);
    assertThat(e.getMessage()).contains("/nonexistent/id_rsa");
  }

  @Test
  void configure_defaults_dockerMachineValuesAndSecretsMarked() throws Exception {
    Driver machine = harness.machine("m1");
    harness.configure(machine, Map.of(Ec2Flags.ACCESS_KEY, "AKIA", Ec2Flags.SECRET_KEY, "shh"));

    String config = machine.getConfigRaw();
    assertThat(config)
        .contains("\"Region\":\"us-east-1\"")
        .contains("\"Zone\":\"us-east-1a\"")
        .contains("\"InstanceType\":\"t2.micro\"")
        .contains("\"SecurityGroupNames\":[\"docker-machine\"]")
        .contains("\"SSHUser\":\"ubuntu\"");
    assertThat(machine.secretConfigKeys()).containsExactlyInAnyOrder("SecretKey", "SessionToken");
    assertThat(machine.getSshUsername()).isEqualTo("ubuntu");
    assertThat(machine.getSshPort()).isEqualTo(22);
    assertThat(machine.capabilities()).contains(Capability.PROVISION, Capability.CANCEL_CREATE);
  }

  @Test
  void getState_noInstanceYet_notFoundWithoutAsking() throws Exception {
    Driver machine = harness.machine("m1");
    harness.configure(machine, Map.of());

    assertThat(machine.getState()).isEqualTo(io.machinehost.sdk.MachineState.NOT_FOUND);
  }
}
