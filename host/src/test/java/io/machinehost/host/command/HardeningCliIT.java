package io.machinehost.host.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Faults a user meets with real plugin processes: a hung driver, a plugin that dies, leftovers. */
@Timeout(120)
class HardeningCliIT {
  @TempDir Path temp;

  private MachineProcess fakeMachine(Path sockets) throws Exception {
    Files.createDirectories(sockets);
    return new MachineProcess(temp.resolve("store"))
        .env("MACHINEHOST_PLUGIN_REUSE", "0")
        .env("PLUGIN_UNIX_SOCKET_DIR", sockets.toString())
        .withFakeDriver(temp.resolve("plugins"));
  }

  @Test
  void status_driverHangs_endsAtTheCallTimeoutNamingDriverCallMachineAndTheOverride()
      throws Exception {
    MachineProcess machine = fakeMachine(temp.resolve("sockets"));
    MachineProcess.Result created =
        machine.run("create", "-d", "fake", "--fake-token", "t", "hang1");
    assertThat(created.exitCode()).as(created.err()).isZero();

    MachineProcess.Result r = machine.env("MACHINEHOST_CALL_TIMEOUT", "2").run("status", "hang1");

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err())
        .contains(
            "the fake driver did not answer GetState for machine \"hang1\" within 2 s",
            "MACHINEHOST_CALL_TIMEOUT")
        .doesNotContain("CallOptions", "remote_addr", "Name resolution");
  }

  @Test
  void status_callTimeoutNotANumber_usageError() throws Exception {
    MachineProcess machine = fakeMachine(temp.resolve("sockets"));
    machine.run("create", "-d", "fake", "--fake-token", "t", "ok1");

    MachineProcess.Result r = machine.env("MACHINEHOST_CALL_TIMEOUT", "soon").run("status", "ok1");

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("MACHINEHOST_CALL_TIMEOUT=soon");
  }

  @Test
  void ls_pluginDiesMidList_oneLinePerMachineTailOnceNonZeroNoSocketLeft() throws Exception {
    Path sockets = temp.resolve("sockets");
    MachineProcess machine = fakeMachine(sockets);
    for (String name : List.of("crash1", "ok1", "ok2", "ok3")) {
      MachineProcess.Result r = machine.run("create", "-d", "fake", "--fake-token", "t", name);
      assertThat(r.exitCode()).as(r.err()).isZero();
    }

    MachineProcess.Result ls = machine.run("ls");

    assertThat(ls.exitCode()).as(ls.out() + ls.err()).isEqualTo(1);
    assertThat(ls.out())
        .containsPattern("crash1 +- +fake +Error +driver plugin exited unexpectedly");
    assertThat(ls.out()).doesNotContain("stderr", "crashing on purpose");
    assertThat(count(ls.err(), "exited unexpectedly \\(exit code 137\\)")).isEqualTo(1);
    assertThat(count(ls.err(), "crashing on purpose")).isEqualTo(1);
    // Library start-up noise is silenced at the source in the SDK, so the tail is the driver's own.
    assertThat(ls.err()).doesNotContain("SLF4J", "SO_KEEPALIVE");
    assertThat(leftovers(sockets)).isEmpty();
    assertThat(machine.run("ls", "-q").out()).contains("crash1", "ok1", "ok2", "ok3");
  }

  @Test
  void warmPluginKilledFromOutside_nextCommandRemovesItsSocketDirectory() throws Exception {
    Path sockets = temp.resolve("sockets");
    Files.createDirectories(sockets);
    MachineProcess machine =
        new MachineProcess(temp.resolve("store"))
            .env("PLUGIN_UNIX_SOCKET_DIR", sockets.toString())
            .env("XDG_RUNTIME_DIR", Files.createDirectories(temp.resolve("xdg")).toString())
            .env("MACHINEHOST_PLUGIN_IDLE", "20");
    assertThat(
            machine.run("create", "-d", "none", "--url", "tcp://127.0.0.1:2376", "m1").exitCode())
        .isZero();
    List<Path> before = leftovers(sockets);
    assertThat(before).hasSize(1);
    long pid = pluginPid(temp.resolve("store"));
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    assertThat(MachineProcess.exits(pid, 10)).isTrue();

    // The next command finds the record of the dead plugin; the plugin it starts idles out in 1 s.
    MachineProcess.Result r = machine.env("MACHINEHOST_PLUGIN_IDLE", "1").run("rm", "-y", "m1");

    assertThat(r.exitCode()).as(r.err()).isZero();
    assertThat(before.get(0)).doesNotExist();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!leftovers(sockets).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(leftovers(sockets)).as("the new plugin idled out and removed its socket").isEmpty();
  }

  @Test
  void newStore_rootAndEverythingInItPrivate() throws Exception {
    MachineProcess machine =
        new MachineProcess(temp.resolve("store"))
            .env("XDG_RUNTIME_DIR", Files.createDirectories(temp.resolve("xdg")).toString())
            .env("MACHINEHOST_PLUGIN_IDLE", "2");

    assertThat(
            machine.run("create", "-d", "none", "--url", "tcp://127.0.0.1:2376", "m1").exitCode())
        .isZero();

    try (Stream<Path> paths = Files.walk(temp.resolve("store"))) {
      for (Path p : paths.toList()) {
        if (Files.isSymbolicLink(p) || p.getFileName().toString().endsWith(".sock")) {
          continue;
        }
        String perms = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
        assertThat(perms)
            .as(p.toString())
            .isEqualTo(Files.isDirectory(p) ? "rwx------" : "rw-------");
      }
    }
  }

  @Test
  void ls_storeAnotherUserCannotRead_failsNamingTheStore() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name"))
            && Files.isExecutable(Path.of("/usr/bin/setpriv")),
        "needs root and setpriv to act as another user");
    Path open = Files.createDirectories(temp.resolve("open"));
    for (Path p = open; !p.equals(temp.getParent()); p = p.getParent()) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    Path store = Files.createDirectories(open.resolve("store/machines"));
    Files.setPosixFilePermissions(store.getParent(), PosixFilePermissions.fromString("rwx------"));
    Process nobody =
        new ProcessBuilder(
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "env",
                "HOME=" + open,
                "MACHINEHOST_PLUGIN_REUSE=0",
                MachineProcess.executable("machine").toString(),
                "-s",
                store.getParent().toString(),
                "ls")
            .redirectErrorStream(true)
            .start();
    String said = new String(nobody.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

    assertThat(nobody.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(nobody.exitValue()).as(said).isEqualTo(1);
    assertThat(said)
        .contains("cannot read the store " + store.getParent(), "permission denied")
        .doesNotContain("NAME");
  }

  private static long pluginPid(Path store) throws Exception {
    Path record;
    try (Stream<Path> files = Files.list(store.resolve("run"))) {
      record = files.filter(p -> p.toString().endsWith(".json")).findFirst().orElseThrow();
    }
    Matcher m = Pattern.compile("\"pid\"\\s*:\\s*(\\d+)").matcher(Files.readString(record));
    assertThat(m.find()).as(Files.readString(record)).isTrue();
    return Long.parseLong(m.group(1));
  }

  private static List<Path> leftovers(Path sockets) throws Exception {
    try (Stream<Path> dirs = Files.list(sockets)) {
      return dirs.toList();
    }
  }

  private static int count(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }
}
