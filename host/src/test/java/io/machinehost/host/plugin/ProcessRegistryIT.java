package io.machinehost.host.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Orphan reaping: only a plugin whose host is gone, and only if its PID is still that plugin. */
@Timeout(60)
class ProcessRegistryIT {
  @TempDir Path dir;
  private Process sleeper;

  @AfterEach
  void stop() {
    if (sleeper != null) {
      sleeper.destroyForcibly();
    }
  }

  private static long start(ProcessHandle p) {
    return p.info().startInstant().map(Instant::toEpochMilli).orElseThrow();
  }

  private void record(long pid, long pluginStart, long hostPid, long hostStart) throws Exception {
    Files.writeString(
        dir.resolve(Long.toString(pid)),
        pluginStart + "\n" + hostPid + "\n" + hostStart + "\nsleep 60");
  }

  private static ProcessHandle deadHost() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor(10, TimeUnit.SECONDS);
    return gone.toHandle();
  }

  @Test
  void reap_pluginWhoseHostIsGone_killedAndForgotten() throws Exception {
    sleeper = new ProcessBuilder("sleep", "60").start();
    record(sleeper.pid(), start(sleeper.toHandle()), deadHost().pid(), 1L);

    new ProcessRegistry(dir).reap();

    assertThat(sleeper.waitFor(5, TimeUnit.SECONDS)).isTrue();
    assertThat(dir.resolve(Long.toString(sleeper.pid()))).doesNotExist();
  }

  @Test
  void reap_pluginAndHostBothKilled_socketDirectoryOfTheRecordRemoved() throws Exception {
    Path socketDir = Files.createDirectories(dir.resolve("sockets/machine-plugin-123"));
    Path socket = Files.writeString(socketDir.resolve("plugin.sock"), "");
    Path foreign = Files.createDirectories(dir.resolve("sockets/someone-else"));
    Files.writeString(foreign.resolve("plugin.sock"), "");
    ProcessHandle deadPlugin = deadHost();
    Files.createDirectories(dir.resolve("registry"));
    ProcessRegistry registry = new ProcessRegistry(dir.resolve("registry"));
    Files.writeString(
        dir.resolve("registry").resolve(Long.toString(deadPlugin.pid())),
        "1\n" + deadHost().pid() + "\n1\nplugin\nhandshake=1|1|unix|" + socket + "|grpc\n" + "x\n");
    Files.writeString(
        dir.resolve("registry").resolve("99999999"),
        "1\n"
            + deadHost().pid()
            + "\n1\nplugin\nhandshake=1|1|unix|"
            + foreign.resolve("plugin.sock")
            + "|grpc");

    registry.reap();

    assertThat(socketDir).doesNotExist();
    assertThat(foreign).exists(); // only the SDK's machine-plugin-* directories are removed
    assertThat(dir.resolve("registry")).isEmptyDirectory();
  }

  @Test
  void reap_pidNowBelongsToAnotherProcess_leftAlone() throws Exception {
    sleeper = new ProcessBuilder("sleep", "60").start();
    record(sleeper.pid(), start(sleeper.toHandle()) - 60_000, deadHost().pid(), 1L);

    new ProcessRegistry(dir).reap();

    assertThat(sleeper.isAlive()).isTrue();
    assertThat(dir.resolve(Long.toString(sleeper.pid()))).doesNotExist();
  }

  @Test
  void reap_hostStillRunning_pluginLeftAlone() throws Exception {
    sleeper = new ProcessBuilder("sleep", "60").start();
    ProcessHandle self = ProcessHandle.current();
    record(sleeper.pid(), start(sleeper.toHandle()), self.pid(), start(self));

    new ProcessRegistry(dir).reap();

    assertThat(sleeper.isAlive()).isTrue();
    assertThat(dir.resolve(Long.toString(sleeper.pid()))).exists();
  }
}
