package io.machinehost.driver.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the qemu ITs share: {@code dist/bin/machine} run as a user runs it, against a store whose
 * image cache links to the image {@code make vm-image} built in the machine-wide cache (so each
 * test store does not build it again), and checks that nothing of a VM is left.
 */
final class QemuBench {
  /** Where .ci/test.sh builds the image: {@code make vm-image VM_IMAGE_CACHE=...}. */
  static final Path SHARED_CACHE =
      Path.of(
          System.getenv()
              .getOrDefault("MACHINEHOST_VM_IMAGE_CACHE", "/var/cache/machinehost/qemu"));

  /** What a run printed and returned. */
  record Result(int exitCode, String out, String err) {
    Result ok() {
      assertThat(exitCode).as("exit code; out: %s\nerr: %s", out, err).isZero();
      return this;
    }
  }

  private QemuBench() {}

  static Path machineExecutable() {
    Path path =
        Path.of(System.getProperty("machinehost.dist", "../../dist"), "bin", "machine")
            .toAbsolutePath()
            .normalize();
    assertThat(path).as("build it first (make build): %s", path).isExecutable();
    assertThat(path.resolveSibling("machine-driver-qemu")).isExecutable();
    return path;
  }

  /** Links the store's image cache to the machine-wide built image; fails saying how to build. */
  static void linkImage(Path store) throws IOException {
    Path built = SHARED_CACHE.resolve(MachineImage.defaultDir("/").getFileName());
    assertThat(MachineImage.isBuilt(built))
        .as(
            "the machine image of this recipe is not built in %s: run \"make vm-image"
                + " VM_IMAGE_CACHE=%s\"",
            built, SHARED_CACHE)
        .isTrue();
    Path link = MachineImage.defaultDir(store.toString());
    Files.createDirectories(link.getParent());
    if (!Files.exists(link)) {
      Files.createSymbolicLink(link, built);
    }
  }

  static ProcessBuilder builder(Path store, List<String> args) {
    List<String> command = new ArrayList<>(List.of(machineExecutable().toString()));
    command.addAll(args);
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Map<String, String> env = builder.environment();
    env.put("MACHINE_STORAGE_PATH", store.toString());
    env.remove("MACHINE_PLUGIN_PATH");
    env.remove("DOCKER_HOST");
    return builder;
  }

  /** Runs {@code machine ARGS} to its end. */
  static Result machine(Path store, String... args) throws IOException, InterruptedException {
    Process process = builder(store, List.of(args)).start();
    var err =
        java.util.concurrent.CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
    String out = read(process.getInputStream());
    assertThat(process.waitFor(15, TimeUnit.MINUTES))
        .as("machine %s ended", List.of(args))
        .isTrue();
    return new Result(process.exitValue(), out, err.join());
  }

  static String read(java.io.InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** Returns the QEMU processes whose command line names the store. */
  static List<ProcessHandle> qemuOf(Path store) {
    String marker = store.toString();
    return ProcessHandle.allProcesses()
        .filter(
            p ->
                p.info().command().map(c -> c.contains("qemu-system")).orElse(false)
                    && p.info().commandLine().map(c -> c.contains(marker)).orElse(false))
        .toList();
  }

  /** Ends whatever QEMU a failed test left behind (by PID, only those of this store). */
  static void killLeftovers(Path store) {
    for (ProcessHandle p : qemuOf(store)) {
      p.destroyForcibly();
    }
  }
}
