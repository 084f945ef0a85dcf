package io.machinehost.host.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
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
import java.util.ArrayList;
import java.util.List;
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
 * its own server. {@link NativeClientCommandServerCliIT} runs every case again with the native
 * front end.
 */
@Timeout(240)
class CommandServerCliIT {
  private static final Pattern ANSWERED =
      Pattern.compile("debug: answered by the command server, pid (\\d+)");
  private static final Pattern NO_SERVER =
      Pattern.compile("debug: no command server answered at (\\S+);");

  @TempDir Path temp;

  /**
   * The directory whose {@code machine} the tests run, with machine-driver-none beside it; {@code
   * null}: dist/bin, the Java front end.
   */
  Path clientDir() throws IOException {
    return null;
  }

  /** Puts a copy of the front end and the none driver into a directory. */
  void copyClient(Path bin) throws IOException {
    for (String name : new String[] {"machine", "machine-driver-none"}) {
      Files.copy(
          MachineProcess.executable(name), bin.resolve(name), StandardCopyOption.COPY_ATTRIBUTES);
    }
  }

  /** The file of a client directory that the server's identity is of: the Java launcher. */
  String javaLauncher() {
    return "machine";
  }

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
    return machine(clientDir());
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
        new MachineProcess(temp.resolve("store"), clientDir())
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
  void commandsInABurst_shareTheServersHoldOnThePlugin_whichSurvivesThePluginDying()
      throws Exception {
    // An idle period of 300 s lets the server hold a plugin for 30 s after each command.
    MachineProcess machine = machine().env("MACHINEHOST_PLUGIN_IDLE", "300");
    awaitServer(machine);
    machine.run("status", "m1"); // starts the plugin
    machine.run("status", "m1"); // attaches to it; the server keeps the channel and the hold
    MachineProcess.Result held = machine.run("--debug", "status", "m1");
    assertThat(held.out()).isEqualTo("Running\n");
    assertThat(held.err()).contains("still holding plugin none");
    Matcher pid = Pattern.compile("plugin none \\(.*\\) as pid (\\d+)").matcher(held.err());
    assertThat(pid.find()).as(held.err()).isTrue();
    ProcessHandle plugin = ProcessHandle.of(Long.parseLong(pid.group(1))).orElseThrow();

    plugin.destroyForcibly();
    plugin.onExit().get(10, TimeUnit.SECONDS);

    MachineProcess.Result after = machine.run("--debug", "status", "m1");
    assertThat(after.out()).as(after.err()).isEqualTo("Running\n");
    assertThat(after.err())
        .contains("answered by the command server")
        .contains("launched plugin")
        .doesNotContain("still holding");
  }

  @Test
  void commandsThatChangeThings_servedOnce_printWhatTheProcessPrints() throws Exception {
    MachineProcess machine = machine();
    long server = awaitServer(machine);
    MachineProcess local =
        new MachineProcess(temp.resolve("local-store"), clientDir())
            .env("XDG_RUNTIME_DIR", temp.resolve("run").toString())
            .env("MACHINEHOST_PLUGIN_REUSE", "0");

    String[][] commands = {
      {"create", "-d", "none", "--url", "tcp://127.0.0.1:2376", "w1"},
      {"create", "-d", "none", "--url", "tcp://127.0.0.1:2376", "w1"},
      {"label", "w1", "team=a"},
      {"label", "w1", "bad label"},
      {"stop", "w1"},
      {"start", "w1"},
      {"restart", "w1"},
      {"kill", "w1"},
      {"regenerate-certs", "-f", "w1"},
      {"provision", "nosuch"},
      {"rm", "-y", "w1"},
      {"rm", "-y", "w1"},
    };
    for (String[] command : commands) {
      String what = String.join(" ", command);
      MachineProcess.Result served = machine.run(prepend("--debug", command));
      MachineProcess.Result here = local.run(prepend("--debug", command));

      assertThat(served.err()).as(what).contains("answered by the command server, pid " + server);
      assertThat(served.exitCode()).as(what).isEqualTo(here.exitCode());
      assertThat(served.out()).as(what).isEqualTo(here.out());
      assertThat(withoutDebug(served.err()).replace(temp + "/store", "STORE"))
          .as(what)
          .isEqualTo(withoutDebug(here.err()).replace(temp + "/local-store", "STORE"));
    }
    assertThat(machine.machineDir("w1")).doesNotExist();
  }

  @Test
  void questionsAndHelp_runInTheirOwnProcess() throws Exception {
    MachineProcess machine = machine();
    awaitServer(machine);

    MachineProcess.Result rm = machine.run("--debug", "rm", "m1"); // asks: stdin is /dev/null
    MachineProcess.Result help = machine.run("--debug", "ls", "--help");

    assertThat(rm.out()).contains("Are you sure?").contains("Nothing was removed");
    assertThat(rm.err()).doesNotContain("answered by the command server");
    assertThat(machine.machineDir("m1")).exists();
    assertThat(help.out()).contains("Usage: machine ls");
    assertThat(help.err()).doesNotContain("answered by the command server");
  }

  @Test
  void createWithAFileRelativeToItsDirectory_runsInItsOwnProcess() throws Exception {
    MachineProcess machine = machine();
    awaitServer(machine);
    Path work = Files.createDirectories(temp.resolve("work"));
    Files.writeString(work.resolve("key"), "not a key");

    ProcessBuilder create =
        machine
            .builder(
                "--debug",
                "create",
                "-d",
                "none",
                "--url",
                "tcp://127.0.0.1:2376",
                "--engine-storage-driver",
                "key",
                "r1")
            .directory(work.toFile());
    Process p =
        create.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    p.getInputStream().readAllBytes();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(err).contains("refused: \"key\" is a path relative to the command's directory");
    assertThat(err).doesNotContain("answered by the command server");
    assertThat(machine.machineDir("r1")).as(err).exists();
  }

  @Test
  void servedAndUnservedLabels_concurrently_everyUpdateKept() throws Exception {
    MachineProcess machine = machine();
    awaitServer(machine);

    List<Process> processes = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      machine.env("MACHINEHOST_PLUGIN_REUSE", i % 2 == 0 ? "1" : "0");
      processes.add(machine.builder("label", "m1", "k" + i + "=v" + i).start());
    }
    machine.env("MACHINEHOST_PLUGIN_REUSE", "1");
    for (Process p : processes) {
      p.getInputStream().readAllBytes();
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(err).isZero();
    }

    String labels = machine.run("inspect", "--format", "{{json .HostOptions.Labels}}", "m1").out();
    for (int i = 0; i < 8; i++) {
      assertThat(labels).as("label k%d", i).contains("\"k" + i + "\":\"v" + i + "\"");
    }
  }

  @Test
  void createInterrupted_serverCancelsInTheDriver_andLeavesNothing() throws Exception {
    Path plugins = temp.resolve("plugins");
    MachineProcess machine =
        new MachineProcess(temp.resolve("store"), clientDir())
            .env("XDG_RUNTIME_DIR", temp.resolve("run").toString())
            .withFakeDriver(plugins);
    MachineProcess.Result first = machine.run("create", "-d", "fake", "--fake-token", "t", "ok1");
    assertThat(first.exitCode()).as(first.err()).isZero();
    long server = awaitServer(machine);

    Process process =
        machine
            .builder(
                "--debug",
                "create",
                "-d",
                "fake",
                "--fake-token",
                "t",
                "--fake-create-seconds",
                "60",
                "f1")
            .start();
    StringBuilder seen = new StringBuilder();
    BufferedReader err = MachineProcess.stderrUntil(process, "Allocating the fake machine", seen);
    assertThat(seen.toString()).contains("Allocating the fake machine");

    new ProcessBuilder("kill", "-INT", String.valueOf(process.pid())).start().waitFor();

    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    err.lines().forEach(l -> seen.append(l).append('\n'));
    assertThat(process.exitValue()).as(seen.toString()).isEqualTo(130);
    assertThat(seen.toString())
        .contains("Interrupted: cancelling; the driver cleans up")
        .contains("create of machine \"f1\" cancelled")
        .contains("answered by the command server, pid " + server);
    assertThat(machine.machineDir("f1")).doesNotExist();
    assertThat(temp.resolve("store").resolve("fake-cloud").resolve("f1")).doesNotExist();
    MachineProcess.Result next = machine.run("--debug", "status", "ok1");
    assertThat(next.out()).isEqualTo("Running\n");
    assertThat(next.err()).contains("answered by the command server, pid " + server);
  }

  @Test
  @SuppressWarnings("try") // the fake socket closes before the try ends, to end its thread
  void serverGoneAfterTakingACommand_commandIsNotRunAgain() throws Exception {
    MachineProcess machine = machine();
    Path socket = socketOf(machine);
    Files.deleteIfExists(socket);
    try (ServerSocketChannel fake = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      fake.bind(UnixDomainSocketAddress.of(socket));
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
      ByteBuffer acceptedThenGone = ByteBuffer.allocate(11);
      acceptedThenGone.put((byte) 'p').putLong(4242).put((byte) 'a').put((byte) 0).flip();
      Thread peer = new Thread(() -> answer(fake, acceptedThenGone.array()));
      peer.start();

      MachineProcess.Result r =
          machine.run("create", "-d", "none", "--url", "tcp://127.0.0.1:2376", "once");

      assertThat(r.exitCode()).isEqualTo(1);
      assertThat(r.err())
          .contains(
              "Error: the machine command server (pid 4242) failed in the middle of the command"
                  + " (it closed the connection).");
      assertThat(machine.machineDir("once")).doesNotExist();
      fake.close();
      peer.join(10_000);
    }
  }

  /** The socket the server for this client is at (from the fallback's --debug line). */
  private static Path socketOf(MachineProcess machine) throws Exception {
    MachineProcess.Result first =
        machine.env("MACHINEHOST_PLUGIN_IDLE", "1").run("--debug", "version");
    machine.env("MACHINEHOST_PLUGIN_IDLE", "30");
    Matcher m = NO_SERVER.matcher(first.err());
    assertThat(m.find()).as(first.err()).isTrue();
    Path socket = Path.of(m.group(1));
    long server = awaitServer(machine.env("MACHINEHOST_PLUGIN_IDLE", "1"));
    machine.env("MACHINEHOST_PLUGIN_IDLE", "30");
    assertThat(MachineProcess.exits(server, 30)).as("server idles out").isTrue();
    return socket;
  }

  /**
   * Drops --debug's own lines, the plugin's stderr (which differs for a warm plugin) and stack
   * frames (a served command's stack is the server's).
   */
  private static String withoutDebug(String err) {
    return err.lines()
        .filter(
            l ->
                !l.startsWith("debug: ")
                    && !l.startsWith("(none) ")
                    && !l.startsWith("\tat ")
                    && !l.matches("\\s+\\.\\.\\. \\d+ more"))
        .map(l -> l + "\n")
        .collect(java.util.stream.Collectors.joining());
  }

  /**
   * Waits until a warm-up store has appeared in {@code tmp} and is gone again, for up to 90 s;
   * returns whether one appeared.
   */
  private static boolean awaitWarmUpDone(Path tmp) throws Exception {
    boolean seen = false;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      boolean there = warmUpDirs(tmp) > 0;
      seen |= there;
      if (seen && !there) {
        break;
      }
      Thread.sleep(50);
    }
    return seen;
  }

  @Test
  void serverStarted_warmsUpOnAScratchStore_andLeavesNothing() throws Exception {
    Path tmp = Files.createDirectories(temp.resolve("tmp"));
    MachineProcess machine = machine().env("MACHINEHOST_JAVA_OPTS", "-Djava.io.tmpdir=" + tmp);
    long server = awaitServer(machine);

    assertThat(awaitWarmUpDone(tmp)).as("a warm-up store appeared in %s", tmp).isTrue();
    assertThat(warmUpDirs(tmp)).as("warm-up stores left").isZero();
    MachineProcess.Result r = machine.run("--debug", "status", "m1");
    assertThat(r.out()).isEqualTo("Running\n");
    assertThat(r.err()).contains("answered by the command server, pid " + server);
  }

  @Test
  void serverStarted_attachesAheadToThePluginItsFirstCommandLeftWarm() throws Exception {
    Path tmp = Files.createDirectories(temp.resolve("tmp"));
    // The caller's own JVM options are part of the environment its plugin was started with.
    MachineProcess machine = machine().env("MACHINEHOST_JAVA_OPTS", "-Djava.io.tmpdir=" + tmp);
    MachineProcess.Result first = machine.run("--debug", "status", "m1");
    assertThat(first.err()).contains("running here and starting one").contains("launched plugin");

    // Done: the warm-up, and the attaching after it.
    assertThat(awaitWarmUpDone(tmp)).as("a warm-up store appeared in %s", tmp).isTrue();

    MachineProcess.Result next = machine.run("--debug", "status", "m1");
    assertThat(next.out()).isEqualTo("Running\n");
    assertThat(next.err())
        .contains("answered by the command server")
        .contains("reusing the open channel to plugin none")
        .doesNotContain("launched plugin");
  }

  @Test
  void serverEndedDuringItsWarmUp_leavesNoScratchStore() throws Exception {
    Path tmp = Files.createDirectories(temp.resolve("tmp"));
    MachineProcess machine = machine().env("MACHINEHOST_JAVA_OPTS", "-Djava.io.tmpdir=" + tmp);
    long server = awaitServer(machine);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (warmUpDirs(tmp) == 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(warmUpDirs(tmp)).as("a warm-up store in %s", tmp).isPositive();

    new ProcessBuilder("kill", "-TERM", Long.toString(server)).start().waitFor();

    assertThat(MachineProcess.exits(server, 30)).as("server %d ends on SIGTERM", server).isTrue();
    assertThat(warmUpDirs(tmp)).as("warm-up stores left").isZero();
  }

  private static long warmUpDirs(Path tmp) throws IOException {
    try (java.util.stream.Stream<Path> files = Files.list(tmp)) {
      return files
          .filter(f -> f.getFileName().toString().startsWith("machinehost-warm-up-"))
          .count();
    }
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
    copyClient(bin);
    MachineProcess machine = machine(bin);
    long server = awaitServer(machine);

    Files.setLastModifiedTime(bin.resolve(javaLauncher()), FileTime.from(Instant.now()));

    assertThat(MachineProcess.exits(server, 20))
        .as("server %d exits when its executable changes", server)
        .isTrue();
  }

  @Test
  @SuppressWarnings("try") // the fake socket closes before the try ends, to end its thread
  void socketThatHangsUpOrSpeaksNonsense_commandRunsHere() throws Exception {
    MachineProcess machine = machine();
    Path socket = socketOf(machine);

    for (byte[] reply : new byte[][] {{}, "garbage!".getBytes(StandardCharsets.UTF_8)}) {
      Files.deleteIfExists(socket);
      try (ServerSocketChannel fake = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
        fake.bind(UnixDomainSocketAddress.of(socket));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        Thread peer = new Thread(() -> answer(fake, reply));
        peer.start();

        MachineProcess.Result r = machine.run("status", "m1");

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("Running\n");
        fake.close();
        peer.join(10_000);
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

  /**
   * Answers every connection with the same bytes until the socket closes (the native front end's
   * fallback, the Java front end, asks again).
   */
  private static void answer(ServerSocketChannel fake, byte[] reply) {
    while (fake.isOpen()) {
      try (SocketChannel client = fake.accept()) {
        client.read(ByteBuffer.allocate(4096));
        client.write(ByteBuffer.wrap(reply));
      } catch (IOException e) {
        // the client went away, or the socket closed
      }
    }
  }

  private static String[] prepend(String first, String[] rest) {
    String[] all = new String[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }
}
