package io.machinehost.host.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Warm plugin reuse across real {@code machine} processes, and its off switch. */
@Timeout(180)
class WarmReuseCliIT {
  private static final Pattern PLUGIN_LINE =
      Pattern.compile("debug: (launched|reused) plugin none \\(.*\\) as pid (\\d+)");

  @TempDir Path temp;

  private MachineProcess machine() throws Exception {
    MachineProcess machine = new MachineProcess(temp.resolve("store"));
    MachineProcess.Result create =
        machine
            .env("MACHINEHOST_PLUGIN_REUSE", "0")
            .run("create", "-d", "none", "--url", "tcp://127.0.0.1:2376", "m1");
    assertThat(create.exitCode()).as(create.err()).isZero();
    return machine.env("MACHINEHOST_PLUGIN_REUSE", "1");
  }

  /** The launch or reuse a --debug run reports: (launched|reused, pid). */
  private static List<String[]> plugins(String err) {
    List<String[]> found = new ArrayList<>();
    Matcher m = PLUGIN_LINE.matcher(err);
    while (m.find()) {
      found.add(new String[] {m.group(1), m.group(2)});
    }
    return found;
  }

  @Test
  void nextCommand_reusesTheWarmPlugin_whichExitsAfterItsIdlePeriod() throws Exception {
    // Long enough for the next JVM to start on a busy machine, short enough to wait for.
    MachineProcess machine = machine().env("MACHINEHOST_PLUGIN_IDLE", "8");

    MachineProcess.Result first = machine.run("--debug", "status", "m1");
    MachineProcess.Result second = machine.run("--debug", "ls");

    assertThat(first.out()).contains("Running");
    assertThat(second.out()).containsPattern("m1 +- +none +Running");
    List<String[]> a = plugins(first.err());
    List<String[]> b = plugins(second.err());
    assertThat(a).hasSize(1);
    assertThat(b).hasSize(1);
    assertThat(a.get(0)[0]).isEqualTo("launched");
    assertThat(b.get(0)[0]).as(second.err()).isEqualTo("reused");
    assertThat(b.get(0)[1]).isEqualTo(a.get(0)[1]);
    assertThat(MachineProcess.exits(Long.parseLong(a.get(0)[1]), 40)).as("idled out").isTrue();
  }

  @Test
  void twoProcessesAtOnce_startOneWarmPlugin() throws Exception {
    MachineProcess machine = machine();
    List<Process> processes = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      processes.add(machine.builder("--debug", "status", "m1").start());
    }
    List<String[]> seen = new ArrayList<>();
    for (Process p : processes) {
      p.getInputStream().readAllBytes();
      String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(err).isZero();
      seen.addAll(plugins(err));
    }

    assertThat(seen).hasSize(2);
    assertThat(seen.stream().filter(s -> s[0].equals("launched"))).hasSize(1);
    assertThat(seen.get(0)[1]).isEqualTo(seen.get(1)[1]);
  }

  @Test
  void reuseOff_noRecord_andThePluginEndsWithItsCommand() throws Exception {
    MachineProcess machine = machine().env("MACHINEHOST_PLUGIN_REUSE", "0");

    MachineProcess.Result ls = machine.run("--debug", "ls");

    assertThat(ls.exitCode()).isZero();
    List<String[]> p = plugins(ls.err());
    assertThat(p).hasSize(1);
    assertThat(p.get(0)[0]).isEqualTo("launched");
    assertThat(temp.resolve("store").resolve("run").resolve("none.json")).doesNotExist();
    assertThat(MachineProcess.exits(Long.parseLong(p.get(0)[1]), 5))
        .as("ended with its command")
        .isTrue();
  }
}
