package io.machinehost.driver.amazonec2;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Credentials against a moto that checks them ({@code INITIAL_NO_AUTH_ACTION_COUNT=0}: every
 * request must be signed by an access key its IAM knows, and it knows none), so any key is refused
 * as EC2 refuses a wrong one. What can be checked: the refusal is PERMISSION_DENIED naming the
 * flags, nothing is made, no secret is printed, and a profile's keys are the ones sent.
 */
@Timeout(300)
class AmazonEc2AuthIT {
  private static final String SECRET = "wrong-s3cr3t-Never-Printed";

  private static MotoServer moto;
  @TempDir Path store;

  @BeforeAll
  static void startMoto() throws Exception {
    moto = MotoServer.start(Map.of("INITIAL_NO_AUTH_ACTION_COUNT", "0"));
  }

  @AfterAll
  static void stopMoto() {
    if (moto != null) {
      moto.close();
    }
  }

  private MachineRun.Result create(MachineRun machine, String name, String... credentials)
      throws Exception {
    java.util.List<String> args =
        new java.util.ArrayList<>(
            java.util.List.of(
                "create", "-d", "amazonec2", "--amazonec2-endpoint", moto.endpoint()));
    args.addAll(java.util.List.of(credentials));
    args.addAll(java.util.List.of("--no-provision", name));
    return machine.run(args.toArray(String[]::new));
  }

  @Test
  void create_wrongKeys_permissionDeniedNamingTheFlagsAndNothingKept() throws Exception {
    MachineRun machine = new MachineRun(store);

    MachineRun.Result result =
        create(
            machine,
            "denied",
            "--amazonec2-access-key",
            "AKIAWRONG",
            "--amazonec2-secret-key",
            SECRET,
            "--debug");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err())
        .contains("refused the credentials", "401")
        .contains("--amazonec2-access-key", "--amazonec2-secret-key")
        .doesNotContain(SECRET);
    assertThat(result.out()).doesNotContain(SECRET);
    assertThat(machine.ok("ls", "-q").out()).doesNotContain("denied");
  }

  @Test
  void create_profileKeys_loadedFromTheChainAndSent() throws Exception {
    Path credentials = store.resolve("aws-credentials");
    Files.writeString(
        credentials,
        "[default]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = " + SECRET + "\n");
    MachineRun machine =
        new MachineRun(store).env("AWS_SHARED_CREDENTIALS_FILE", credentials.toString());

    MachineRun.Result result = create(machine, "profiled");

    // Refused by EC2, so they were found and sent (with none, the driver says so before asking).
    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err()).contains("refused the credentials").doesNotContain(SECRET);
  }

  @Test
  void create_noCredentialsAnywhere_permissionDeniedSayingWhereToGiveThem() throws Exception {
    MachineRun machine = new MachineRun(store);

    MachineRun.Result result = create(machine, "anonymous");

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err())
        .contains("no AWS credentials")
        .contains("--amazonec2-access-key", "AWS_ACCESS_KEY_ID", "~/.aws/credentials");
  }
}
