package io.machinehost.host.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import io.machinehost.sdk.ssh.SshKeys;
import io.machinehost.testsupport.SshdTargetContainer;
import io.machinehost.testsupport.Testbed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generic machines whose host changes under them: reinstalled (new host keys), stopped and started,
 * reached with the wrong key. Everything through the built {@code machine}.
 */
@ExtendWith(Testbed.class)
@Timeout(240)
class GenericHostChangesIT {
  @TempDir Path dir;
  private final List<SshdTargetContainer> hosts = new ArrayList<>();
  private MachineRunner machine;
  private Path key;
  private String publicKey;

  @BeforeEach
  void setUp() throws Exception {
    key = dir.resolve("id_ed25519");
    publicKey = SshKeys.generate(key);
    machine = new MachineRunner(dir.resolve("store"), Files.createDirectories(dir.resolve("work")));
  }

  @AfterEach
  void stopHosts() {
    hosts.forEach(SshdTargetContainer::stop);
  }

  private SshdTargetContainer host(SshdTargetContainer host) {
    hosts.add(host);
    host.start();
    return host;
  }

  private MachineRunner.Result create(String name, int port, Path key) throws Exception {
    return machine.run(
        "create",
        "-d",
        "generic",
        "--no-provision",
        "--generic-ip-address",
        "127.0.0.1",
        "--generic-ssh-port",
        Integer.toString(port),
        "--generic-ssh-key",
        key.toString(),
        name);
  }

  private static String lastLine(String text) {
    return text.lines().reduce((first, second) -> second).orElse("");
  }

  @Test
  void reinstalledHost_newHostKeyRefusedUntilAccepted() throws Exception {
    SshdTargetContainer first = host(new SshdTargetContainer(publicKey));
    int port = first.sshPort();
    assertThat(create("h1", port, key).exitCode()).isZero();
    machine.ok("ssh", "h1", "true");
    first.stop();
    // The same address with new host keys, as a reinstalled machine.
    host(new SshdTargetContainer(publicKey, port));

    MachineRunner.Result system = machine.run("ssh", "h1", "--", "echo", "x");
    MachineRunner.Result nativeSsh = machine.run("--native-ssh", "ssh", "h1", "echo", "x");
    MachineRunner.Result scp = machine.run("scp", "h1:/etc/hostname", "hostname");
    MachineRunner.Result nativeScp = machine.run("--native-ssh", "scp", "h1:/etc/hostname", ".");

    for (MachineRunner.Result refused : List.of(system, nativeSsh, scp, nativeScp)) {
      assertThat(refused.exitCode()).as(refused.describe()).isEqualTo(1);
      assertThat(refused.stdout()).as(refused.describe()).isEmpty();
      assertThat(lastLine(refused.stderr()))
          .as(refused.describe())
          .startsWith("Error: cannot ")
          .contains("machine \"h1\"")
          .contains("host key of [127.0.0.1]:" + port + " has changed")
          .endsWith("\"machine ssh --accept-new-host-key h1\"");
    }
    assertThat(system.stderr()).contains("REMOTE HOST IDENTIFICATION HAS CHANGED");

    MachineRunner.Result accepted =
        machine.ok("ssh", "--accept-new-host-key", "h1", "echo", "accepted");
    assertThat(accepted.out()).isEqualTo("accepted\n");
    assertThat(accepted.stderr()).contains("Forgot the host key pinned for machine \"h1\"");
    assertThat(machine.ok("--native-ssh", "ssh", "h1", "echo", "again").out()).isEqualTo("again\n");
    assertThat(machine.ok("ssh", "h1", "echo", "and-again").out()).isEqualTo("and-again\n");
  }

  @Test
  void stoppedAndStartedHost_statusFollowsAndSshWaitsForRunning() throws Exception {
    SshdTargetContainer host = host(new SshdTargetContainer(publicKey));
    assertThat(create("h2", host.sshPort(), key).exitCode()).isZero();
    assertThat(machine.ok("status", "h2").out()).isEqualTo("Running\n");

    host.stopKeeping();
    MachineRunner.Result status = machine.ok("status", "h2");
    MachineRunner.Result ssh = machine.run("ssh", "h2", "true");
    MachineRunner.Result nativeSsh = machine.run("--native-ssh", "ssh", "h2", "true");
    MachineRunner.Result scp = machine.run("scp", "h2:/etc/hostname", ".");

    assertThat(status.out()).isEqualTo("Stopped\n");
    for (MachineRunner.Result refused : List.of(ssh, nativeSsh)) {
      assertThat(refused.exitCode()).isEqualTo(1);
      assertThat(refused.stderr())
          .isEqualTo(
              "Error: cannot run SSH on machine \"h2\": it is Stopped; start it with \"machine"
                  + " start h2\"\n");
    }
    assertThat(scp.stderr())
        .isEqualTo(
            "Error: cannot copy files from machine \"h2\": it is Stopped; start it with"
                + " \"machine start h2\"\n");

    host.startAgain();
    String state = machine.ok("status", "h2").out();
    for (int i = 0; i < 30 && !state.equals("Running\n"); i++) {
      Thread.sleep(500);
      state = machine.ok("status", "h2").out();
    }
    assertThat(state).isEqualTo("Running\n");
    assertThat(machine.ok("ssh", "h2", "echo", "back").out()).isEqualTo("back\n");
  }

  @Test
  void wrongKey_createRefusedAndSshRefusedNamingTheKey() throws Exception {
    SshdTargetContainer host = host(new SshdTargetContainer(publicKey));
    Path stranger = dir.resolve("stranger/id_ed25519");
    Files.createDirectories(stranger.getParent());
    SshKeys.generate(stranger);

    // Bounded by the runner's limit: a refused key is retried for a few seconds only.
    MachineRunner.Result refused = create("h3", host.sshPort(), stranger);

    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(lastLine(refused.stderr()))
        .startsWith("Error: creating machine \"h3\" failed: ")
        .contains("refused the key")
        .endsWith("nothing was left behind");
    assertThat(machine.ok("ls", "-q").out()).isEmpty();

    // A machine whose key file was replaced: refused by both clients, naming the key.
    assertThat(create("h4", host.sshPort(), key).exitCode()).isZero();
    Path machineKey = dir.resolve("store/machines/h4/id_ed25519");
    assertThat(machineKey).exists();
    Files.copy(stranger, machineKey, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(
        SshKeys.publicKeyPath(stranger),
        SshKeys.publicKeyPath(machineKey),
        StandardCopyOption.REPLACE_EXISTING);
    for (String mode : List.of("system", "native")) {
      MachineRunner.Result result =
          mode.equals("native")
              ? machine.run("--native-ssh", "ssh", "h4", "true")
              : machine.run("ssh", "h4", "true");
      assertThat(result.exitCode()).as(result.describe()).isEqualTo(1);
      assertThat(lastLine(result.stderr()))
          .as(result.describe())
          .startsWith("Error: cannot run SSH on machine \"h4\": ")
          .contains("refused the key " + machineKey);
    }
  }

  @Test
  void closedPort_createFailsWithinItsBoundSayingSshDidNotAnswer() throws Exception {
    int closed = Testbed.freePort();

    MachineRunner.Result result = create("h5", closed, key);

    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(lastLine(result.stderr()))
        .startsWith("Error: creating machine \"h5\" failed: ")
        .contains("127.0.0.1:" + closed)
        .contains("connection refused")
        .endsWith("nothing was left behind");
  }
}
