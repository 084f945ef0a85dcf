package io.machinehost.host.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.machinehost.sdk.DriverException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Warm plugin reuse with the real none driver executable: a plugin stays for its idle period and is
 * reused, and every rule that keeps it from becoming an orphan or a stranger's server holds.
 */
@Timeout(120)
class WarmPluginsIT {
  private static final Duration EXIT_BOUND = Duration.ofSeconds(20);

  @TempDir Path temp;

  private final PluginLauncher launcher =
      new PluginLauncher(
          PluginLauncher.Options.defaults()
              .withHandshakeTimeout(Duration.ofSeconds(30))
              .withShutdownGrace(Duration.ofSeconds(1)));
  private final List<PluginProcess> opened = new ArrayList<>();
  private final List<ProcessHandle> started = new ArrayList<>();
  private final StringWriter trace = new StringWriter();

  @AfterEach
  void cleanUp() throws Exception {
    opened.forEach(PluginProcess::close);
    // Warm plugins exit when their store is gone; stragglers are ended by PID (ours only).
    deleteTree(temp.resolve("store"));
    for (ProcessHandle p : started) {
      if (!exits(p)) {
        p.destroyForcibly();
      }
    }
  }

  private WarmPlugins warm(Duration idle) {
    return new WarmPlugins(launcher, temp.resolve("store"), idle, new PrintWriter(trace, true));
  }

  private PluginProcess obtain(WarmPlugins warm, Path executable) throws PluginLaunchException {
    PluginProcess p = warm.obtain("none", executable);
    opened.add(p);
    started.add(p.handle());
    return p;
  }

  private static Path none() {
    return Dist.bin("machine-driver-none");
  }

  private static String driverName(PluginProcess p) throws DriverException {
    return p.driver("", Path.of("/"), "", Duration.ofSeconds(10)).driverName();
  }

  @Test
  void obtain_afterAnEarlierCommand_attachesToTheSameProcess() throws Exception {
    WarmPlugins warm = warm(Duration.ofSeconds(30));
    PluginProcess first = obtain(warm, none());
    assertThat(first.warm()).isTrue();
    assertThat(first.reused()).isFalse();
    first.close();
    assertThat(first.isAlive()).as("still warm after its command").isTrue();

    PluginProcess second = obtain(warm(Duration.ofSeconds(30)), none());

    assertThat(second.reused()).isTrue();
    assertThat(second.pid()).isEqualTo(first.pid());
    assertThat(driverName(second)).isEqualTo("none");
    Path record = warm.recordFile("none");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(record)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(record.getParent())))
        .isEqualTo("rwx------");
  }

  @Test
  void warmPlugin_noCallForTheIdlePeriod_exitsAndRemovesItsSocket() throws Exception {
    PluginProcess p = obtain(warm(Duration.ofMillis(800)), none());
    Path socketDir = Path.of(p.handshake().address()).getParent();
    p.close();

    assertThat(exits(p.handle())).as("exited after its idle period").isTrue();
    assertThat(socketDir).doesNotExist();
  }

  @Test
  void warmPlugin_heldByACommandThatAttached_doesNotIdleOut() throws Exception {
    PluginProcess launching = obtain(warm(Duration.ofSeconds(1)), none());
    PluginProcess attached = obtain(warm(Duration.ofSeconds(1)), none());
    assertThat(attached.reused()).isTrue();
    launching.close(); // its stdin closes: only the attached command's hold is left

    Thread.sleep(4_000); // several idle periods without a call

    assertThat(attached.isAlive()).isTrue();
    assertThat(driverName(attached)).isEqualTo("none");
    attached.close();
    assertThat(exits(attached.handle())).as("idled out once let go").isTrue();
  }

  @Test
  void warmPlugin_storeDeleted_exits() throws Exception {
    PluginProcess p = obtain(warm(Duration.ofSeconds(60)), none());
    p.close();
    assertThat(p.isAlive()).isTrue();

    deleteTree(temp.resolve("store"));

    assertThat(exits(p.handle())).as("exited once its store was gone").isTrue();
  }

  @Test
  void warmPlugin_slowToAnswerTheHold_waitedForAndReused_notLaunchedAgain() throws Exception {
    PluginProcess first = obtain(warm(Duration.ofSeconds(30)), none());
    first.close();
    // A loaded machine, made certain: the plugin cannot answer for 4 s (a cold host's first TLS
    // handshake under load took that long). It is alive and recorded, so it is waited for.
    signal("STOP", first.pid());
    Thread resume =
        new Thread(
            () -> {
              try {
                Thread.sleep(4000);
                signal("CONT", first.pid());
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    resume.start();

    PluginProcess second;
    try {
      second = obtain(warm(Duration.ofSeconds(30)), none());
    } finally {
      resume.join();
    }

    assertThat(trace.toString()).doesNotContain("does not answer as a warm plugin");
    assertThat(second.reused()).as(trace.toString()).isTrue();
    assertThat(second.pid()).isEqualTo(first.pid());
    assertThat(driverName(second)).isEqualTo("none");
  }

  @Test
  void warmPlugin_thatNeverAnswers_replacedAfterTheLaunchTimeout() throws Exception {
    PluginLauncher impatient =
        new PluginLauncher(
            PluginLauncher.Options.defaults()
                .withHandshakeTimeout(Duration.ofSeconds(2))
                .withShutdownGrace(Duration.ofSeconds(1)));
    WarmPlugins warm =
        new WarmPlugins(
            impatient, temp.resolve("store"), Duration.ofSeconds(30), new PrintWriter(trace, true));
    PluginProcess first = obtain(warm, none());
    first.close();
    signal("STOP", first.pid());
    try {
      PluginProcess second = obtain(warm, none());

      assertThat(second.pid()).isNotEqualTo(first.pid());
      assertThat(trace.toString())
          .contains("not reusing plugin pid " + first.pid())
          .contains("no answer within 2000 ms");
    } finally {
      signal("CONT", first.pid());
    }
  }

  private static void signal(String name, long pid) throws Exception {
    assertThat(
            new ProcessBuilder("kill", "-" + name, Long.toString(pid))
                .inheritIO()
                .start()
                .waitFor())
        .isZero();
  }

  @Test
  void record_pluginDied_ignoredAndANewPluginStarted() throws Exception {
    PluginProcess first = obtain(warm(Duration.ofSeconds(30)), none());
    first.close();
    first.handle().destroyForcibly();
    assertThat(exits(first.handle())).isTrue();

    PluginProcess second = obtain(warm(Duration.ofSeconds(30)), none());

    assertThat(second.reused()).isFalse();
    assertThat(second.pid()).isNotEqualTo(first.pid());
    assertThat(ReattachRecord.read(warm(Duration.ofSeconds(30)).recordFile("none")))
        .hasValueSatisfying(r -> assertThat(r.pid()).isEqualTo(second.pid()));
    assertThat(trace.toString()).contains("that process is gone or is another one now");
  }

  @Test
  void record_pidNowAnotherProcess_neitherTrustedNorKilled() throws Exception {
    WarmPlugins warm = warm(Duration.ofSeconds(30));
    PluginProcess first = obtain(warm, none());
    first.close();
    Process stranger = new ProcessBuilder("sleep", "120").start();
    started.add(stranger.toHandle());
    // The record now names a live PID whose start time differs: what a reused PID looks like.
    ReattachRecord r = ReattachRecord.read(warm.recordFile("none")).orElseThrow();
    new ReattachRecord(
            r.driver(),
            stranger.pid(),
            r.startMillis(),
            r.executable(),
            r.executableSize(),
            r.executableMillis(),
            r.handshake(),
            r.clientCertificate(),
            r.clientKey(),
            r.environment())
        .write(warm.recordFile("none"));

    PluginProcess second = obtain(warm(Duration.ofSeconds(30)), none());

    assertThat(second.reused()).isFalse();
    assertThat(second.pid()).isNotIn(first.pid(), stranger.pid());
    assertThat(stranger.isAlive()).as("a process the record does not really name is left").isTrue();
    stranger.destroy();
  }

  @Test
  void record_readableByOthers_notTrusted() throws Exception {
    WarmPlugins warm = warm(Duration.ofSeconds(30));
    PluginProcess first = obtain(warm, none());
    first.close();
    Files.setPosixFilePermissions(
        warm.recordFile("none"), PosixFilePermissions.fromString("rw-r--r--"));

    PluginProcess second = obtain(warm(Duration.ofSeconds(30)), none());

    assertThat(second.reused()).isFalse();
    assertThat(second.pid()).isNotEqualTo(first.pid());
    assertThat(trace.toString()).contains("is open to others (rw-r--r--); it must be 0600");
    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(warm.recordFile("none"))))
        .isEqualTo("rw-------");
  }

  @Test
  void runDirectoryOpenToOthers_noReuse_plainPluginOnTheLifeline() throws Exception {
    Path run = Files.createDirectories(temp.resolve("store").resolve("run"));
    Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
    WarmPlugins warm = warm(Duration.ofSeconds(30));

    PluginProcess p = obtain(warm, none());

    assertThat(p.warm()).isFalse();
    assertThat(warm.recordFile("none")).doesNotExist();
    assertThat(trace.toString()).contains("no plugin reuse").contains("is open to others");
    p.close();
    assertThat(p.isAlive()).isFalse();
  }

  @Test
  void anotherEnvironment_newPluginStarted() throws Exception {
    PluginProcess first = obtain(warm(Duration.ofSeconds(30)), none());
    first.close();
    PluginLauncher otherEnv =
        new PluginLauncher(launcher.options().withEnv("MACHINEHOST_TEST_CREDENTIAL", "other"));

    PluginProcess second =
        new WarmPlugins(otherEnv, temp.resolve("store"), Duration.ofSeconds(30), null)
            .obtain("none", none());
    opened.add(second);
    started.add(second.handle());

    assertThat(second.reused()).isFalse();
    assertThat(second.pid()).isNotEqualTo(first.pid());
  }

  @Test
  void environmentDigest_ignoresPromptNoise_seesTheRest() {
    var base = java.util.Map.of("HOME", "/root", "PWD", "/a", "AWS_KEY", "k1");

    assertThat(ReattachRecord.environmentDigest(base))
        .isEqualTo(
            ReattachRecord.environmentDigest(
                java.util.Map.of("HOME", "/root", "PWD", "/b", "AWS_KEY", "k1", "SHLVL", "3")))
        .isNotEqualTo(
            ReattachRecord.environmentDigest(
                java.util.Map.of("HOME", "/root", "PWD", "/a", "AWS_KEY", "k2")));
  }

  @Test
  void executableReplaced_newPluginStarted_oldOneExitsByItself() throws Exception {
    Path bin = Files.createDirectories(temp.resolve("bin"));
    Path executable = bin.resolve("machine-driver-none");
    Files.copy(none(), executable, StandardCopyOption.COPY_ATTRIBUTES);
    PluginProcess old = obtain(warm(Duration.ofSeconds(60)), executable);
    old.close();

    // A new build: same path, new modification time.
    Path next = bin.resolve("next");
    Files.copy(none(), next);
    Files.setLastModifiedTime(
        next, FileTime.fromMillis(Files.getLastModifiedTime(executable).toMillis() + 5_000));
    Files.move(next, executable, StandardCopyOption.REPLACE_EXISTING);
    PluginProcess fresh = obtain(warm(Duration.ofSeconds(60)), executable);

    assertThat(fresh.reused()).isFalse();
    assertThat(fresh.pid()).isNotEqualTo(old.pid());
    assertThat(trace.toString()).contains("was replaced since it started");
    assertThat(exits(old.handle())).as("the old plugin noticed its executable changed").isTrue();
    assertThat(fresh.isAlive()).isTrue();
  }

  @Test
  void pluginWithoutTheCapability_runsOnTheStdinLifelineAndExitsWithItsCommand() throws Exception {
    // A plugin that does not know the extension never sees its variables, as this wrapper makes
    // sure; it must behave exactly as before.
    Path bin = Files.createDirectories(temp.resolve("bin"));
    Path executable = bin.resolve("machine-driver-none");
    Files.writeString(
        executable, "#!/bin/sh\nunset MACHINE_PLUGIN_REUSE_IDLE_MS\nexec '" + none() + "'\n");
    Files.setPosixFilePermissions(executable, PosixFilePermissions.fromString("rwx------"));
    WarmPlugins warm = warm(Duration.ofSeconds(30));

    PluginProcess p = obtain(warm, executable);

    assertThat(p.warm()).isFalse();
    assertThat(warm.recordFile("none")).doesNotExist();
    assertThat(driverName(p)).isEqualTo("none");
    p.close();
    assertThat(p.isAlive()).isFalse();
  }

  @Test
  void twoCommandsAtOnce_oneWarmPlugin() throws Exception {
    CyclicBarrier together = new CyclicBarrier(2);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<PluginProcess>> both = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        Callable<PluginProcess> command =
            () -> {
              together.await();
              return obtain(warm(Duration.ofSeconds(30)), none());
            };
        both.add(pool.submit(command));
      }
      PluginProcess a = both.get(0).get(60, TimeUnit.SECONDS);
      PluginProcess b = both.get(1).get(60, TimeUnit.SECONDS);

      assertThat(a.pid()).isEqualTo(b.pid());
      assertThat(Stream.of(a, b).filter(PluginProcess::reused)).hasSize(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void idleFromEnv_reuseOffOrBadIdle_offOrAClearError() {
    assertThat(WarmPlugins.idleFromEnv(java.util.Map.of("MACHINEHOST_PLUGIN_REUSE", "0")))
        .isEmpty();
    assertThat(WarmPlugins.idleFromEnv(java.util.Map.of("MACHINEHOST_PLUGIN_IDLE", "2.5")))
        .contains(Duration.ofMillis(2500));
    assertThat(WarmPlugins.idleFromEnv(java.util.Map.of())).contains(WarmPlugins.DEFAULT_IDLE);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> WarmPlugins.idleFromEnv(java.util.Map.of("MACHINEHOST_PLUGIN_IDLE", "soon")))
        .hasMessageContaining("MACHINEHOST_PLUGIN_IDLE must be a number of seconds")
        .hasMessageContaining("MACHINEHOST_PLUGIN_REUSE=0");
  }

  private static boolean exits(ProcessHandle p) throws InterruptedException {
    try {
      p.onExit().get(EXIT_BOUND.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      return !p.isAlive();
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
