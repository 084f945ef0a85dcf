package io.machinehost.driver.qemu;

import static io.machinehost.driver.qemu.QemuBench.machine;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real VMs through {@code dist/bin/machine}: the image {@code make vm-image} built, QEMU with KVM
 * when it works here and TCG otherwise, the host's own provisioner, and a Docker client.
 */
@Tag("slow")
@Timeout(900)
class QemuMachineIT {
  @TempDir Path store;

  @BeforeEach
  void image() throws Exception {
    QemuBench.linkImage(store);
  }

  @AfterEach
  void cleanUp() {
    QemuBench.killLeftovers(store);
  }

  private String sh(String script) throws Exception {
    ProcessBuilder builder = QemuBench.builder(store, List.of()).command("bash", "-c", script);
    builder
        .environment()
        .put("PATH", QemuBench.machineExecutable().getParent() + ":" + System.getenv("PATH"));
    builder.redirectErrorStream(true);
    Process p = builder.start();
    String out = QemuBench.read(p.getInputStream());
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as("%s: %s", script, out).isZero();
    return out.strip();
  }

  @Test
  void createEnvSshStopStartKillRm_builtImage_dockerHostThatKeepsItsDisk() throws Exception {
    QemuBench.Result created = machine(store, "create", "-d", "qemu", "vm1").ok();

    assertThat(created.out() + created.err()).contains("Waiting for SSH").contains("vm1");
    assertThat(machine(store, "status", "vm1").ok().out().strip()).isEqualTo("Running");
    assertThat(sh("eval \"$(machine env vm1)\"; docker info --format '{{.Name}}'"))
        .isEqualTo("vm1");
    String env = machine(store, "env", "vm1").ok().out();
    machine(store, "ssh", "vm1", "echo kept > ~/kept.txt && sync").ok();

    machine(store, "stop", "vm1").ok();
    assertThat(machine(store, "status", "vm1").ok().out().strip()).isEqualTo("Stopped");
    assertThat(QemuBench.qemuOf(store)).isEmpty();
    machine(store, "start", "vm1").ok();

    assertThat(machine(store, "ssh", "vm1", "cat ~/kept.txt").ok().out().strip()).isEqualTo("kept");
    assertThat(machine(store, "env", "vm1").ok().out()).isEqualTo(env);
    assertThat(sh("eval \"$(machine env vm1)\"; docker info --format '{{.Name}}'"))
        .isEqualTo("vm1");

    // killed from outside: the state says so, and start recovers
    List<ProcessHandle> qemu = QemuBench.qemuOf(store);
    assertThat(qemu).hasSize(1);
    qemu.get(0).destroyForcibly();
    qemu.get(0).onExit().get(30, TimeUnit.SECONDS);
    assertThat(machine(store, "status", "vm1").ok().out().strip()).isIn("Stopped", "Error");
    machine(store, "start", "vm1").ok();
    assertThat(machine(store, "ssh", "vm1", "cat ~/kept.txt").ok().out().strip()).isEqualTo("kept");

    machine(store, "rm", "-y", "vm1").ok();
    assertThat(QemuBench.qemuOf(store)).isEmpty();
    assertThat(store.resolve("machines").resolve("vm1")).doesNotExist();
    assertThat(machine(store, "ls", "-q").ok().out()).doesNotContain("vm1");
  }

  @Test
  void create_cancelledDuringBoot_leavesNoVmNoFiles() throws Exception {
    ProcessBuilder builder =
        QemuBench.builder(store, List.of("create", "-d", "qemu", "--qemu-accel", "tcg", "vmc"))
            .redirectErrorStream(true);
    Process create = builder.start();
    StringBuilder seen = new StringBuilder();
    try (BufferedReader lines =
        new BufferedReader(
            new InputStreamReader(create.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        seen.append(line).append('\n');
        if (line.contains("Waiting for SSH")) {
          assertThat(QemuBench.qemuOf(store)).hasSize(1);
          new ProcessBuilder("kill", "-INT", Long.toString(create.pid())).start().waitFor();
        }
      }
    }
    assertThat(create.waitFor(2, TimeUnit.MINUTES)).isTrue();

    assertThat(seen.toString()).contains("Waiting for SSH").containsIgnoringCase("cancel");
    assertThat(create.exitValue()).isNotZero();
    assertThat(QemuBench.qemuOf(store)).isEmpty();
    assertThat(store.resolve("machines").resolve("vmc")).doesNotExist();
    assertThat(machine(store, "ls", "-q").ok().out()).doesNotContain("vmc");
  }

  @Test
  void create_twoVmsAtOnceWithTcg_distinctPortsEachItsOwnHost() throws Exception {
    CompletableFuture<QemuBench.Result> a = CompletableFuture.supplyAsync(() -> create("vma"));
    CompletableFuture<QemuBench.Result> b = CompletableFuture.supplyAsync(() -> create("vmb"));
    a.join().ok();
    b.join().ok();

    assertThat(machine(store, "ssh", "vma", "hostname").ok().out().strip()).isEqualTo("vma");
    assertThat(machine(store, "ssh", "vmb", "hostname").ok().out().strip()).isEqualTo("vmb");
    JsonNode configA = config("vma");
    JsonNode configB = config("vmb");
    List<Integer> ports =
        List.of(
            configA.findValue("SSHPort").asInt(),
            configA.findValue("EnginePort").asInt(),
            configB.findValue("SSHPort").asInt(),
            configB.findValue("EnginePort").asInt());
    assertThat(ports).doesNotHaveDuplicates().allMatch(p -> p > 0);
    assertThat(QemuBench.qemuOf(store)).hasSize(2);

    machine(store, "rm", "-y", "vma", "vmb").ok();
    assertThat(QemuBench.qemuOf(store)).isEmpty();
  }

  private QemuBench.Result create(String name) {
    try {
      return machine(store, "create", "-d", "qemu", "--qemu-accel", "tcg", "--no-provision", name);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private JsonNode config(String name) throws Exception {
    return new ObjectMapper()
        .readTree(Files.readString(store.resolve("machines").resolve(name).resolve("config.json")));
  }
}
