package io.machinehost.host.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import io.machinehost.sdk.ssh.SshKeys;
import io.machinehost.testsupport.SshdTargetContainer;
import io.machinehost.testsupport.Testbed;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.testcontainers.containers.Container.ExecResult;

/**
 * {@code machine ssh} and {@code machine scp} through the built {@code machine}, on two generic
 * machines that are sshd-target containers, with the system client and with {@code --native-ssh}.
 */
@ExtendWith(Testbed.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(180)
class GenericMachineIT {
  @TempDir static Path dir;
  private SshdTargetContainer hostA;
  private SshdTargetContainer hostB;
  private MachineRunner machine;
  private Path work;
  private final Random random = new Random(42);

  @BeforeAll
  void createMachines() throws Exception {
    Path key = dir.resolve("id_ed25519");
    String publicKey = SshKeys.generate(key);
    hostA = new SshdTargetContainer(publicKey);
    hostB = new SshdTargetContainer(publicKey);
    hostA.start();
    hostB.start();
    work = Files.createDirectories(dir.resolve("work"));
    machine = new MachineRunner(dir.resolve("store"), work);
    create("g1", hostA, key);
    create("g2", hostB, key);
  }

  private void create(String name, SshdTargetContainer host, Path key) throws Exception {
    machine.ok(
        "create",
        "-d",
        "generic",
        "--no-provision",
        "--generic-ip-address",
        "127.0.0.1",
        "--generic-ssh-port",
        Integer.toString(host.sshPort()),
        "--generic-ssh-key",
        key.toString(),
        name);
  }

  @AfterAll
  void stopHosts() {
    for (SshdTargetContainer host : new SshdTargetContainer[] {hostA, hostB}) {
      if (host != null) {
        host.stop();
      }
    }
  }

  /** The command line in a mode: the system ssh/scp, or the native client. */
  private static String[] in(String mode, String... args) {
    List<String> all = new ArrayList<>();
    if (mode.equals("native")) {
      all.add("--native-ssh");
    }
    all.addAll(List.of(args));
    return all.toArray(String[]::new);
  }

  private byte[] randomBytes(int size) {
    byte[] bytes = new byte[size];
    random.nextBytes(bytes);
    return bytes;
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private static String onHost(SshdTargetContainer host, String... command) throws Exception {
    ExecResult result = host.execInContainer(command);
    assertThat(result.getExitCode()).as(result.getStderr()).isZero();
    return result.getStdout();
  }

  @ParameterizedTest
  @ValueSource(strings = {"system", "native"})
  void ssh_echo_printsItsOutput(String mode) throws Exception {
    MachineRunner.Result result = machine.ok(in(mode, "ssh", "g1", "--", "echo", "hi"));

    assertThat(result.out()).isEqualTo("hi\n");
  }

  @ParameterizedTest
  @ValueSource(strings = {"system", "native"})
  void ssh_exit7_exitsWithTheCommandsStatus(String mode) throws Exception {
    MachineRunner.Result result = machine.run(in(mode, "ssh", "g1", "--", "exit", "7"));

    assertThat(result.exitCode()).as(result.describe()).isEqualTo(7);
    assertThat(result.stderr()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"system", "native"})
  void ssh_stdinAndStdout_passBinaryDataUnchanged(String mode) throws Exception {
    byte[] data = randomBytes(1 << 20);

    MachineRunner.Result hashed = machine.run(data, in(mode, "ssh", "g1", "sha256sum"));
    MachineRunner.Result echoed = machine.run(data, in(mode, "ssh", "g1", "cat"));

    assertThat(hashed.exitCode()).as(hashed.describe()).isZero();
    assertThat(hashed.out()).isEqualTo(sha256(data) + "  -\n");
    assertThat(echoed.stdout()).isEqualTo(data);
  }

  @ParameterizedTest
  @ValueSource(strings = {"system", "native"})
  void ssh_remoteCommandLine_isJoinedAsSshDoes(String mode) throws Exception {
    MachineRunner.Result result =
        machine.ok(in(mode, "ssh", "g1", "echo", "$((6*7))", "-n", "|", "tr", "4", "x"));

    assertThat(result.out()).isEqualTo("x2 -n\n");
  }

  @ParameterizedTest
  @ValueSource(strings = {"system", "native"})
  void ssh_noCommandOnATerminal_opensALoginShell(String mode) throws Exception {
    byte[] typed = "echo marker-$((6*7))\nexit 5\n".getBytes(StandardCharsets.UTF_8);

    MachineRunner.Result result = machine.runOnTerminal(typed, in(mode, "ssh", "g1"));

    assertThat(result.exitCode()).as(result.describe() + result.out()).isEqualTo(5);
    assertThat(result.out()).contains("marker-42");
  }

  @ParameterizedTest
  @ValueSource(strings = {"system", "native"})
  void scp_fileThereAndBack_contentUnchanged(String mode) throws Exception {
    byte[] data = randomBytes(300_000);
    Files.write(work.resolve(mode + ".bin"), data);
    String remote = "/tmp/" + mode + "-there.bin";

    machine.ok(in(mode, "scp", mode + ".bin", "g1:" + remote));
    machine.ok(in(mode, "scp", "g1:" + remote, mode + "-back.bin"));

    assertThat(onHost(hostA, "sha256sum", remote)).startsWith(sha256(data));
    assertThat(work.resolve(mode + "-back.bin")).hasBinaryContent(data);
  }

  @ParameterizedTest
  @ValueSource(strings = {"system", "native"})
  void scp_recursiveDirectory_treeThereAndBack(String mode) throws Exception {
    Path tree = Files.createDirectories(work.resolve(mode + "-tree/sub/deeper"));
    Files.writeString(work.resolve(mode + "-tree/top.txt"), "top\n");
    Files.write(tree.resolve("blob.bin"), randomBytes(50_000));
    String remote = "/tmp/" + mode + "-trees";
    onHost(hostA, "mkdir", "-p", remote);

    machine.ok(in(mode, "scp", "-r", mode + "-tree", "g1:" + remote));
    Files.createDirectories(work.resolve(mode + "-back"));
    machine.ok(in(mode, "scp", "-r", "g1:" + remote + "/" + mode + "-tree", mode + "-back"));

    assertThat(onHost(hostA, "cat", remote + "/" + mode + "-tree/top.txt")).isEqualTo("top\n");
    assertThat(work.resolve(mode + "-back/" + mode + "-tree/top.txt")).hasContent("top");
    assertThat(work.resolve(mode + "-back/" + mode + "-tree/sub/deeper/blob.bin"))
        .hasSameBinaryContentAs(tree.resolve("blob.bin"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"system", "native"})
  void scp_machineToMachine_goesThroughThisHost(String mode) throws Exception {
    byte[] data = randomBytes(100_000);
    Files.write(work.resolve(mode + "-m2m.bin"), data);
    machine.ok(in(mode, "scp", mode + "-m2m.bin", "g1:" + mode + "-m2m.bin"));

    machine.ok(in(mode, "scp", "g1:" + mode + "-m2m.bin", "g2:/tmp/" + mode + "-copied.bin"));

    assertThat(onHost(hostB, "sha256sum", "/tmp/" + mode + "-copied.bin")).startsWith(sha256(data));
    assertThat(onHost(hostA, "sha256sum", "/root/" + mode + "-m2m.bin")).startsWith(sha256(data));
  }

  @ParameterizedTest
  @ValueSource(strings = {"system", "native"})
  void scp_otherUser_logsInAsThatUser(String mode) throws Exception {
    Files.writeString(work.resolve(mode + "-note.txt"), "for machine\n");

    machine.ok(in(mode, "scp", mode + "-note.txt", SshdTargetContainer.USER + "@g1:"));

    String owner =
        onHost(hostA, "stat", "-c", "%U %n", "/home/machine/" + mode + "-note.txt").strip();
    assertThat(owner).isEqualTo("machine /home/machine/" + mode + "-note.txt");
  }

  @ParameterizedTest
  @ValueSource(strings = {"system", "native"})
  void scp_missingRemoteFile_failsNamingMachineAndPath(String mode) throws Exception {
    MachineRunner.Result result = machine.run(in(mode, "scp", "g1:/tmp/nothing-here", "x"));

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.stderr()).contains("g1").contains("/tmp/nothing-here");
    assertThat(result.stderr().lines().reduce((first, second) -> second).orElseThrow())
        .startsWith("Error: ");
    assertThat(work.resolve("x")).doesNotExist();
  }

  @Test
  void scpDelta_changedFile_arrivesWholeAndUnchangedOnesStay() throws Exception {
    byte[] data = randomBytes(2 << 20);
    Files.write(work.resolve("delta.bin"), data);
    Files.createDirectories(work.resolve("delta-tree"));
    Files.writeString(work.resolve("delta-tree/a.txt"), "a\n");
    machine.ok("scp", "-d", "delta.bin", "g1:/tmp/delta.bin");
    machine.ok("scp", "-d", "-r", "delta-tree", "g1:/tmp/");
    // rsync's rule: a source ending in / copies what the directory holds.
    machine.ok("scp", "-d", "-r", "delta-tree/", "g1:/tmp/delta-contents");

    data[1_000_000] ^= 1;
    Files.write(work.resolve("delta.bin"), data);
    machine.ok("scp", "-d", "delta.bin", "g1:/tmp/delta.bin");
    machine.ok("scp", "-d", "g1:/tmp/delta-tree/a.txt", "delta-back.txt");

    assertThat(onHost(hostA, "sha256sum", "/tmp/delta.bin")).startsWith(sha256(data));
    assertThat(work.resolve("delta-back.txt")).hasContent("a");
    assertThat(onHost(hostA, "cat", "/tmp/delta-contents/a.txt")).isEqualTo("a\n");
  }

  @Test
  void scpDelta_machineToMachine_throughThisHost() throws Exception {
    onHost(hostA, "sh", "-c", "echo from-a > /tmp/delta-m2m.txt");

    machine.ok("scp", "-d", "g1:/tmp/delta-m2m.txt", "g2:/tmp/delta-m2m.txt");

    assertThat(onHost(hostB, "cat", "/tmp/delta-m2m.txt")).isEqualTo("from-a\n");
  }

  @Test
  void scpDelta_noRsyncOnTheMachine_saysSoAndCopiesNothing() throws Exception {
    Files.writeString(work.resolve("plain.txt"), "plain\n");
    onHost(hostB, "mv", "/usr/bin/rsync", "/usr/bin/rsync.away");
    try {
      MachineRunner.Result result = machine.run("scp", "-d", "plain.txt", "g2:/tmp/plain.txt");

      assertThat(result.exitCode()).isEqualTo(1);
      assertThat(result.stderr())
          .isEqualTo(
              "Error: -d copies with rsync, which is not installed on machine \"g2\": install it"
                  + " there (e.g. \"machine ssh g2 sudo apt-get install -y rsync\") or copy"
                  + " without -d\n");
      assertThat(hostB.execInContainer("test", "-e", "/tmp/plain.txt").getExitCode()).isOne();
    } finally {
      onHost(hostB, "mv", "/usr/bin/rsync.away", "/usr/bin/rsync");
    }
  }

  @Test
  void ssh_knownHosts_pinnedPerMachineByCreate() throws Exception {
    Path knownHosts = dir.resolve("store/machines/g1/known_hosts");

    assertThat(Files.readAllLines(knownHosts, StandardCharsets.UTF_8))
        .allSatisfy(line -> assertThat(line).startsWith("[127.0.0.1]:" + hostA.sshPort() + " "))
        .isNotEmpty();
  }
}
