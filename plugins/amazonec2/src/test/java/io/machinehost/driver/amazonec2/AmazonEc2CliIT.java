package io.machinehost.driver.amazonec2;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.IpPermission;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.ec2.model.Tag;

/**
 * {@code dist/bin/machine} with the amazonec2 driver against moto's EC2 on loopback, checking what
 * each command did through the emulator's API. Machines are created with {@code --no-provision}:
 * the emulator's instance addresses are made up and nothing connects to them.
 */
@Timeout(600)
class AmazonEc2CliIT {
  private static final String SECRET = "s3cr3t-Never-Printed-0x5eed";

  private static MotoServer moto;
  @TempDir Path store;
  private MachineRun machine;

  @BeforeAll
  static void startMoto() throws Exception {
    moto = MotoServer.start();
  }

  @AfterAll
  static void stopMoto() {
    if (moto != null) {
      moto.close();
    }
  }

  @BeforeEach
  void fresh() throws Exception {
    moto.reset();
    machine = new MachineRun(store);
  }

  private List<String> create(String name, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "create",
                "-d",
                "amazonec2",
                "--amazonec2-endpoint",
                moto.endpoint(),
                "--amazonec2-access-key",
                "x",
                "--amazonec2-secret-key",
                SECRET,
                "--no-provision"));
    args.addAll(List.of(extra));
    args.add(name);
    return args;
  }

  private MachineRun.Result createOk(String name, String... extra) throws Exception {
    return machine.ok(create(name, extra).toArray(String[]::new));
  }

  private static Map<String, String> tags(Instance i) {
    return i.tags().stream().collect(Collectors.toMap(Tag::key, Tag::value));
  }

  private SecurityGroup group(String name) {
    return moto.ec2()
        .describeSecurityGroups(
            r -> r.filters(Filter.builder().name("group-name").values(name).build()))
        .securityGroups()
        .get(0);
  }

  private static List<String> ports(SecurityGroup g) {
    return g.ipPermissions().stream()
        .map(IpPermission::fromPort)
        .map(String::valueOf)
        .sorted()
        .toList();
  }

  @Test
  void lifecycle_createLsStopStartRestartKillRm_instanceFollowsAndNothingIsLeft() throws Exception {
    MachineRun.Result created =
        createOk("e1", "--amazonec2-open-port", "8080", "--amazonec2-tags", "team,web,env,test");

    assertThat(created.out()).contains("Machine \"e1\" was created");
    assertThat(created.err()).contains("Importing the key pair e1", "Launched the instance");
    List<Instance> live = moto.liveInstances();
    assertThat(live).hasSize(1);
    Instance instance = live.get(0);
    assertThat(instance.state().nameAsString()).isEqualTo("running");
    assertThat(instance.keyName()).isEqualTo("e1");
    assertThat(instance.instanceTypeAsString()).isEqualTo("t2.micro");
    assertThat(tags(instance))
        .containsEntry("Name", "e1")
        .containsEntry("team", "web")
        .containsEntry("env", "test")
        .containsEntry("machinehost-machine", "e1");
    assertThat(moto.ec2().describeVolumes().volumes())
        .anySatisfy(v -> assertThat(v.size()).isEqualTo(16));
    assertThat(moto.keyPairs()).containsExactly("e1");
    assertThat(ports(group("docker-machine"))).containsExactly("22", "2376", "8080");

    MachineRun.Result ls = machine.ok("ls");
    assertThat(ls.out())
        .containsPattern(
            "e1\\s+-\\s+amazonec2\\s+Running\\s+tcp://" + instance.publicIpAddress() + ":2376");
    assertThat(machine.ok("ip", "e1").out().strip()).isEqualTo(instance.publicIpAddress());
    assertThat(machine.ok("inspect", "e1").out())
        .contains("\"InstanceId\" : \"" + instance.instanceId() + "\"")
        .contains("\"SecretKey\" : \"****\"");

    machine.ok("stop", "e1");
    assertThat(machine.ok("status", "e1").out().strip()).isEqualTo("Stopped");
    assertThat(moto.instance(instance.instanceId()).state().nameAsString()).isEqualTo("stopped");
    assertThat(machine.ok("ls").out()).containsPattern("e1\\s+-\\s+amazonec2\\s+Stopped");
    machine.ok("stop", "e1"); // stopping a stopped machine succeeds

    machine.ok("start", "e1");
    assertThat(machine.ok("status", "e1").out().strip()).isEqualTo("Running");
    machine.ok("restart", "e1");
    assertThat(moto.instance(instance.instanceId()).state().nameAsString()).isEqualTo("running");
    machine.ok("kill", "e1");
    assertThat(machine.ok("status", "e1").out().strip()).isEqualTo("Stopped");
    machine.ok("restart", "e1"); // a stopped machine is started
    assertThat(machine.ok("status", "e1").out().strip()).isEqualTo("Running");

    machine.ok("rm", "-y", "e1");

    assertThat(moto.instance(instance.instanceId()).state().nameAsString()).isEqualTo("terminated");
    assertThat(moto.liveInstances()).isEmpty();
    assertThat(moto.keyPairs()).isEmpty();
    assertThat(moto.securityGroups()).isEmpty();
    assertThat(machine.ok("ls", "-q").out()).doesNotContain("e1");
  }

  @Test
  void twoMachines_sameSecurityGroup_sharedAndDeletedWithTheLast() throws Exception {
    createOk("s1");
    createOk("s2");

    assertThat(moto.securityGroups()).containsExactly("docker-machine");
    assertThat(moto.liveInstances()).hasSize(2);
    assertThat(moto.keyPairs()).containsExactlyInAnyOrder("s1", "s2");

    MachineRun.Result first = machine.ok("rm", "-y", "s1");
    assertThat(first.err()).contains("Keeping the security group docker-machine");
    assertThat(moto.securityGroups()).containsExactly("docker-machine");
    assertThat(moto.keyPairs()).containsExactly("s2");
    assertThat(machine.ok("status", "s2").out().strip()).isEqualTo("Running");

    machine.ok("rm", "-y", "s2");
    assertThat(moto.securityGroups()).isEmpty();
    assertThat(moto.keyPairs()).isEmpty();
    assertThat(moto.liveInstances()).isEmpty();
  }

  @Test
  void rm_instanceTerminatedFromOutside_succeedsAndCleansTheRest() throws Exception {
    createOk("gone");
    String id = moto.liveInstances().get(0).instanceId();
    moto.ec2().terminateInstances(r -> r.instanceIds(id));

    assertThat(machine.ok("status", "gone").out().strip()).isEqualTo("NotFound");
    MachineRun.Result start = machine.run("start", "gone");
    assertThat(start.exitCode()).isEqualTo(1);
    assertThat(start.err()).contains("no longer exists", "machine rm gone");

    machine.ok("rm", "-y", "gone");
    assertThat(moto.keyPairs()).isEmpty();
    assertThat(moto.securityGroups()).isEmpty();
    assertThat(machine.ok("ls", "-q").out()).doesNotContain("gone");
  }

  @Test
  void create_keyPairNameTaken_failsNamingItAndLeavesItAlone() throws Exception {
    moto.ec2().createKeyPair(r -> r.keyName("taken"));

    MachineRun.Result result = machine.run(create("taken").toArray(String[]::new));

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.err())
        .contains("already a key pair named taken")
        .contains("--amazonec2-keypair-name");
    assertThat(moto.keyPairs()).containsExactly("taken");
    assertThat(moto.liveInstances()).isEmpty();
    assertThat(moto.securityGroups()).isEmpty();
    assertThat(machine.ok("ls", "-q").out()).doesNotContain("taken");
  }

  @Test
  void create_existingKeyPair_usedAndKeptAfterRm() throws Exception {
    Path key = store.resolve("mine");
    String publicKey = io.machinehost.sdk.ssh.SshKeys.generate(key);
    moto.ec2()
        .importKeyPair(
            r ->
                r.keyName("mine")
                    .publicKeyMaterial(
                        software.amazon.awssdk.core.SdkBytes.fromUtf8String(publicKey)));

    createOk("own", "--amazonec2-keypair-name", "mine", "--amazonec2-ssh-keypath", key.toString());

    assertThat(moto.liveInstances().get(0).keyName()).isEqualTo("mine");
    assertThat(store.resolve("machines/own/id_rsa")).hasSameTextualContentAs(key);
    machine.ok("rm", "-y", "own");
    assertThat(moto.keyPairs()).containsExactly("mine");
    assertThat(moto.liveInstances()).isEmpty();
  }

  @Test
  void create_ownKeyFile_importedUnderTheMachineNameAndDeletedWithIt() throws Exception {
    Path key = store.resolve("id_custom");
    io.machinehost.sdk.ssh.SshKeys.generate(key);

    createOk("keyed", "--amazonec2-ssh-keypath", key.toString());

    assertThat(moto.keyPairs()).containsExactly("keyed");
    assertThat(machine.ok("inspect", "keyed").out())
        .contains("\"SSHKeyPath\" : \"" + store.resolve("machines/keyed/id_rsa") + "\"");
    machine.ok("rm", "-y", "keyed");
    assertThat(moto.keyPairs()).isEmpty();
  }

  @Test
  void create_badAmi_invalidArgumentNamingTheFlagAndNothingMade() throws Exception {
    MachineRun.Result result =
        machine.run(create("badami", "--amazonec2-ami", "ami-0000dead").toArray(String[]::new));

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.err()).contains("ami-0000dead", "--amazonec2-ami");
    assertThat(moto.liveInstances()).isEmpty();
    assertThat(moto.keyPairs()).isEmpty();
    assertThat(moto.securityGroups()).isEmpty();
  }

  @Test
  void create_badSubnetVpcOrZone_invalidArgumentNamingTheFlag() throws Exception {
    MachineRun.Result subnet =
        machine.run(
            create("badnet", "--amazonec2-subnet-id", "subnet-0000dead").toArray(String[]::new));
    MachineRun.Result vpc =
        machine.run(create("badvpc", "--amazonec2-vpc-id", "vpc-0000dead").toArray(String[]::new));
    MachineRun.Result zone =
        machine.run(create("badzone", "--amazonec2-zone", "q").toArray(String[]::new));

    assertThat(subnet.exitCode()).isEqualTo(2);
    assertThat(subnet.err()).contains("subnet-0000dead", "--amazonec2-subnet-id");
    assertThat(vpc.exitCode()).isEqualTo(2);
    assertThat(vpc.err()).contains("vpc-0000dead", "--amazonec2-vpc-id");
    assertThat(zone.exitCode()).isEqualTo(2);
    assertThat(zone.err()).contains("us-east-1q", "--amazonec2-zone", "us-east-1a");
    assertThat(moto.liveInstances()).isEmpty();
    assertThat(moto.keyPairs()).isEmpty();
  }

  @Test
  void secretKey_createLsInspectDebugAndErrors_neverPrinted() throws Exception {
    MachineRun.Result created = createOk("quiet", "--debug");
    MachineRun.Result failed =
        machine.run(
            create("quiet2", "--debug", "--amazonec2-ami", "ami-0000dead").toArray(String[]::new));
    List<MachineRun.Result> all =
        List.of(
            created,
            failed,
            machine.ok("ls", "--debug"),
            machine.ok("inspect", "quiet"),
            machine.ok("stop", "--debug", "quiet"),
            machine.ok("rm", "-y", "--debug", "quiet"));

    assertThat(failed.exitCode()).isEqualTo(2);
    assertThat(all).allSatisfy(r -> assertThat(r.all()).doesNotContain(SECRET));
  }

  @Test
  void create_credentialsFromTheEnvironment_usedAndNotStored() throws Exception {
    machine.env("AWS_ACCESS_KEY_ID", "envkey").env("AWS_SECRET_ACCESS_KEY", SECRET);

    machine.ok(
        "create",
        "-d",
        "amazonec2",
        "--amazonec2-endpoint",
        moto.endpoint(),
        "--no-provision",
        "fromenv");

    assertThat(moto.liveInstances()).hasSize(1);
    assertThat(machine.ok("inspect", "fromenv").out()).doesNotContain(SECRET);
    machine.ok("rm", "-y", "fromenv");
    assertThat(moto.liveInstances()).isEmpty();
  }

  @Test
  void create_credentialsFromAProfile_usedAndNotStored() throws Exception {
    Path credentials = store.resolve("aws-credentials");
    java.nio.file.Files.writeString(
        credentials,
        "[ci]\naws_access_key_id = profilekey\naws_secret_access_key = " + SECRET + "\n");
    machine.env("AWS_SHARED_CREDENTIALS_FILE", credentials.toString()).env("AWS_PROFILE", "ci");

    machine.ok(
        "create",
        "-d",
        "amazonec2",
        "--amazonec2-endpoint",
        moto.endpoint(),
        "--no-provision",
        "fromprofile");

    assertThat(moto.liveInstances()).hasSize(1);
    assertThat(machine.ok("inspect", "fromprofile").out())
        .contains("\"AccessKey\" : \"\"")
        .doesNotContain("profilekey")
        .doesNotContain(SECRET);
    machine.ok("rm", "-y", "fromprofile");
    assertThat(moto.liveInstances()).isEmpty();
  }

  @Test
  void create_spotInstance_fulfilledTaggedAndRemoved() throws Exception {
    createOk("spot", "--amazonec2-request-spot-instance", "--amazonec2-spot-price", "0.10");

    List<Instance> live = moto.liveInstances();
    assertThat(live).hasSize(1);
    assertThat(tags(live.get(0))).containsEntry("Name", "spot");
    assertThat(machine.ok("status", "spot").out().strip()).isEqualTo("Running");
    assertThat(machine.ok("inspect", "spot").out())
        .containsPattern("\"SpotInstanceRequestId\" : \"sir-");

    machine.ok("rm", "-y", "spot");
    assertThat(moto.liveInstances()).isEmpty();
    assertThat(moto.ec2().describeSpotInstanceRequests().spotInstanceRequests())
        .allSatisfy(r -> assertThat(r.stateAsString()).isIn("cancelled", "closed"));
  }

  @Test
  void create_privateAddress_ipIsThePrivateOne() throws Exception {
    createOk("priv", "--amazonec2-use-private-address");

    Instance instance = moto.liveInstances().get(0);
    assertThat(machine.ok("ip", "priv").out().strip()).isEqualTo(instance.privateIpAddress());
    assertThat(machine.ok("url", "priv").out().strip())
        .isEqualTo("tcp://" + instance.privateIpAddress() + ":2376");
    machine.ok("rm", "-y", "priv");
  }
}
