package io.machinehost.host.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warm command server, through real {@code machine} processes: which commands it answers, that
 * its answers are the in-process ones, its exits (store gone, idle, executable replaced) and the
 * front end's fallback when the socket misbehaves. Each test has a runtime directory of its own, so
 * its own server.
 */
@Timeout(240)
class CommandServerCliIT {
  private static final Pattern ANSWERED =
      Pattern.compile("debug: answered by the command server, pid (\\d+)");
  private static final Pattern NO_SERVER =
      Pattern.compile("debug: no command server answered at (\\S+);");

  @TempDir Path temp;

  private MachineProcess machine(Path executableDir) throws Exception {
    MachineProcess machine =
        new MachineProcess(temp.resolve("store"), executableDir)
            .env("XDG_RUNTIME_DIR", temp.resolve("run").toString());
    MachineProcess.Result create =
        machine
            .env("MACHINEHOST_PLUGIN_REUSE", "0")
            .run("create", "-d", "none", "--url", "tcp://127.0.0.1:2376", "m1");
    assertThat(create.exitCode()).as(create.err()).isZero();
    return machine.env("MACHINEHOST_PLUGIN_REUSE", "1");
  }

  private MachineProcess machine() throws Exception {
    return machine(null);
  }

  /** Runs read-only commands until the server answers one; returns its PID. */
  private static long awaitServer(MachineProcess machine) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    String last = "";
    while (System.nanoTime() < deadline) {
      MachineProcess.Result r = machine.run("--debug", "version");
      Matcher m = ANSWERED.matcher(r.err());
      if (m.find()) {
        return Long.parseLong(m.group(1));
      }
      last = r.err();
      Thread.sleep(300);
    }
    throw new AssertionError("no command server answered; last run said:\n" + last);
  }

  @Test
  void readOnlyCommands_answeredByTheServer_printWhatTheProcessPrints() throws Exception {
    MachineProcess machine = machine();
    long server = awaitServer(machine);

    String[][] commands = {
      {"ls"},
      {"ls", "-q"},
      {"status", "m1"},
      {"url", "m1"},
      {"ip", "m1"},
      {"inspect", "m1"},
      {"inspect", "--format", "{{.Driver.URL}}", "m1"},
      {"status", "nosuch"},
      {"config", "m1"},
      {"active"},
    };
    for (String[] command : commands) {
      String what = String.join(" ", command);
      MachineProcess.Result traced = machine.run(prepend("--debug", command));
      MachineProcess.Result served = machine.run(command);
      MachineProcess.Result local = machine.env("MACHINEHOST_PLUGIN_REUSE", "0").run(command);
      machine.env("MACHINEHOST_PLUGIN_REUSE", "1");

      assertThat(traced.err()).as(what).contains("answered by the command server, pid " + server);
      assertThat(served.exitCode()).as(what).isEqualTo(local.exitCode());
      assertThat(served.out()).as(what).isEqualTo(local.out());
      assertThat(served.err()).as(what).isEqualTo(local.err());
    }
  }

  @Test
  void frontEndInterrupted_serverCancelsTheCommand_andGoesOnServing() throws Exception {
    MachineProcess machine =
        new MachineProcess(temp.resolve("store"))
            .env("XDG_RUNTIME_DIR", temp.resolve("run").toString())
            .withFakeDriver(temp.resolve("plugins"));
    for (String name : new String[] {"hang1", "ok1"}) {
      MachineProcess.Result r = machine.run("create", "-d", "fake", "--fake-token", "t", name);
      assertThat(r.exitCode()).as(r.err()).isZero();
    }
    long server = awaitServer(machine);

    Process ls = machine.builder("ls", "-t", "120").start();
    Thread.sleep(3000); // the server is now waiting on hang1's driver
    new ProcessBuilder("kill", "-INT", String.valueOf(ls.pid())).start().waitFor();

    assertThat(ls.waitFor(30, TimeUnit.SECONDS)).as("front end exits on Ctrl-C").isTrue();
    MachineProcess.Result next = machine.run("--debug", "status", "ok1");
    assertThat(next.out()).isEqualTo("Running\n");
    assertThat(next.err()).contains("answered by the command server, pid " + server);
    MachineProcess.deleteTree(temp.resolve("store"));
    // It exits only with no command running: the interrupted ls has ended too.
    assertThat(MachineProcess.exits(server, 30))
        .as("server %d exits once its store is gone", server)
        .isTrue();
  }

  @Test
  void outputPipeClosedEarly_commandIsNotRunTwice() throws Exception {
    MachineProcess machine = machine();
    Path machines = temp.resolve("store").resolve("machines");
    String config = Files.readString(machines.resolve("m1").resolve("config.json"));
    for (int i = 0; i < 2000; i++) { // ~150 KB of ls output: more than a pipe holds
      Path dir = Files.createDirectories(machines.resolve("n" + i));
      Files.writeString(dir.resolve("config.json"), config.replace("\"m1\"", "\"n" + i + "\""));
    }
    awaitServer(machine);

    Process ls = machine.builder("--debug", "ls").start();
    java.io.InputStream out = ls.getInputStream();
    assertThat(out.read(new byte[16])).isPositive();
    out.close(); // as `machine ls | head -c 16` does
    String err = new String(ls.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(ls.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(ls.exitValue()).as(err).isZero();
    assertThat(err).contains("answered by the command server").doesNotContain("no command server");
  }

  @Test
  void channelKeptByTheServer_doesNotKeepThePluginFromIdlingOut() throws Exception {
    MachineProcess machine = machine().env("MACHINEHOST_PLUGIN_IDLE", "3");
    awaitServer(machine);
    machine.run("status", "m1"); // starts the plugin
    machine.run("status", "m1"); // attaches to it; the server keeps that channel
    MachineProcess.Result second = machine.run("--debug", "status", "m1");
    assertThat(second.err()).contains("reusing the open channel to plugin none");
    Matcher pid = Pattern.compile("plugin none \\(.*\\) as pid (\\d+)").matcher(second.err());
    assertThat(pid.find()).as(second.err()).isTrue();
    ProcessHandle plugin = ProcessHandle.of(Long.parseLong(pid.group(1))).orElseThrow();

    // Commands that do not use the plugin keep the server up meanwhile.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (plugin.isAlive() && System.nanoTime() < deadline) {
      assertThat(machine.run("--debug", "version").err())
          .contains("answered by the command server");
      Thread.sleep(500);
    }

    assertThat(plugin.isAlive()).as("plugin idled out with the server's channel open").isFalse();
    MachineProcess.Result after = machine.run("--debug", "status", "m1");
    assertThat(after.out()).isEqualTo("Running\n");
    assertThat(after.err()).contains("answered by the command server").contains("launched plugin");
  }

  @Test
  void commandsThatChangeThings_alwaysRunInTheirOwnProcess() throws Exception {
    MachineProcess machine = machine();
    awaitServer(machine);

    MachineProcess.Result label = machine.run("--debug", "label", "m1", "team=a");
    MachineProcess.Result help = machine.run("--debug", "ls", "--help");

    assertThat(label.exitCode()).as(label.err()).isZero();
    assertThat(label.err()).doesNotContain("command server");
    assertThat(help.out()).contains("Usage: machine ls");
    assertThat(help.err()).doesNotContain("command server");
  }

  @Test
  void storeRemoved_serverExits() throws Exception {
    MachineProcess machine = machine();
    long server = awaitServer(machine);

    MachineProcess.deleteTree(temp.resolve("store"));

    assertThat(MachineProcess.exits(server, 20))
        .as("server %d exits once its store is gone", server)
        .isTrue();
  }

  @Test
  void idle_serverExits_andTheNextCommandRunsHere() throws Exception {
    MachineProcess machine = machine().env("MACHINEHOST_PLUGIN_IDLE", "3");
    long server = awaitServer(machine);

    assertThat(MachineProcess.exits(server, 30)).as("server %d idles out", server).isTrue();
    MachineProcess.Result next = machine.run("--debug", "status", "m1");
    assertThat(next.out()).isEqualTo("Running\n");
    assertThat(next.err()).contains("no command server answered");
  }

  @Test
  void reuseOff_noServerIsStartedOrUsed() throws Exception {
    MachineProcess machine = machine().env("MACHINEHOST_PLUGIN_REUSE", "0");

    for (int i = 0; i < 3; i++) {
      MachineProcess.Result r = machine.run("--debug", "status", "m1");
      assertThat(r.out()).isEqualTo("Running\n");
      assertThat(r.err()).doesNotContain("command server");
    }
    assertThat(temp.resolve("run/machinehost/commands")).doesNotExist();
  }

  @Test
  void executableReplaced_serverExits() throws Exception {
    Path bin = Files.createDirectories(temp.resolve("bin"));
    for (String name : new String[] {"machine", "machine-driver-none"}) {
      Files.copy(
          MachineProcess.executable(name), bin.resolve(name), StandardCopyOption.COPY_ATTRIBUTES);
    }
    MachineProcess machine = machine(bin);
    long server = awaitServer(machine);

    Files.setLastModifiedTime(bin.resolve("machine"), FileTime.from(Instant.now()));

    assertThat(MachineProcess.exits(server, 20))
        .as("server %d exits when its executable changes", server)
        .isTrue();
  }

  @Test
  void socketThatHangsUpOrSpeaksNonsense_commandRunsHere() throws Exception {
    MachineProcess machine = machine();
    MachineProcess.Result first = machine.env("MACHINEHOST_PLUGIN_IDLE", "1").run("--debug", "ls");
    Matcher m = NO_SERVER.matcher(first.err());
    assertThat(m.find()).as(first.err()).isTrue();
    Path socket = Path.of(m.group(1));
    long server = awaitServer(machine);
    assertThat(MachineProcess.exits(server, 30)).as("server idles out").isTrue();
    machine.env("MACHINEHOST_PLUGIN_IDLE", "30");

    for (byte[] reply : new byte[][] {{}, "garbage!".getBytes(StandardCharsets.UTF_8)}) {
      Files.deleteIfExists(socket);
      try (ServerSocketChannel fake = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
        fake.bind(UnixDomainSocketAddress.of(socket));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        Thread peer = new Thread(() -> answerOnce(fake, reply));
        peer.start();

        MachineProcess.Result r = machine.run("status", "m1");

        peer.join(10_000);
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("Running\n");
      }
    }
  }

  @Test
  void socketDirectoryOpenToOthers_isNotUsed() throws Exception {
    MachineProcess machine = machine();
    long server = awaitServer(machine);
    Path dir = temp.resolve("run/machinehost/commands");

    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    MachineProcess.Result r = machine.run("--debug", "status", "m1");

    assertThat(r.out()).isEqualTo("Running\n");
    assertThat(r.err()).doesNotContain("answered by the command server");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    MachineProcess.deleteTree(temp.resolve("store"));
    assertThat(MachineProcess.exits(server, 20)).isTrue();
  }

  @Test
  void anotherUser_reachingTheSocket_isAnsweredWithNothing() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name"))
            && Files.isExecutable(Path.of("/usr/bin/setpriv"))
            && Files.isExecutable(Path.of("/usr/bin/python3")),
        "needs root, setpriv and python3 to act as another user");
    MachineProcess machine = machine();
    awaitServer(machine);
    // Open the way to the socket, as a careless chmod would: the server still checks the peer.
    Path socket;
    try (java.util.stream.Stream<Path> files =
        Files.list(temp.resolve("run/machinehost/commands"))) {
      socket = files.filter(f -> f.toString().endsWith(".sock")).findFirst().orElseThrow();
    }
    for (Path p = socket.getParent(); !p.equals(temp.getParent()); p = p.getParent()) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));

    Process nobody =
        new ProcessBuilder(
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "/usr/bin/python3",
                "-c",
                """
                import socket, sys
                s = socket.socket(socket.AF_UNIX)
                s.connect(sys.argv[1])
                s.settimeout(20)
                print(len(s.recv(100)))
                """,
                socket.toString())
            .redirectErrorStream(true)
            .start();
    String said = new String(nobody.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(nobody.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(said.strip()).as("bytes the server sent another user").isEqualTo("0");
  }

  private static void answerOnce(ServerSocketChannel fake, byte[] reply) {
    try (SocketChannel client = fake.accept()) {
      client.read(ByteBuffer.allocate(4096));
      client.write(ByteBuffer.wrap(reply));
    } catch (IOException e) {
      // the client went away
    }
  }

  private static String[] prepend(String first, String[] rest) {
    String[] all = new String[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }
}
