package io.machinehost.driver.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.machinehost.testsupport.Testbed;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A docker-driver machine is a Docker host: after {@code machine create -d docker NAME}, the real
 * {@code docker} CLI in a shell set up by {@code eval "$(machine env NAME)"} reaches the engine
 * inside the machine, and again after the machine was stopped and started.
 */
@ExtendWith(Testbed.class)
@Timeout(600)
class DockerProvisionIT {
  @TempDir Path store;
  private final String name = Bench.uniqueName("prov");

  /** What a shell printed and how it exited. */
  private record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }
  }

  @BeforeAll
  static void bench() {
    Bench.requireMachineImage();
  }

  @AfterEach
  void cleanUp() throws Exception {
    bash("machine rm -f " + name);
    Bench.removeContainersOf(store);
  }

  /** Runs a bash script as a user would, with machine on the PATH and the bench's DOCKER_HOST. */
  private Result bash(String script) throws IOException, InterruptedException {
    Path machine = DockerPlugin.executable().resolveSibling("machine");
    ProcessBuilder builder = new ProcessBuilder(List.of("bash", "-c", script));
    builder
        .environment()
        .keySet()
        .removeIf(k -> k.startsWith("DOCKER_") || k.startsWith("MACHINE_"));
    builder.environment().put("MACHINE_STORAGE_PATH", store.toString());
    builder.environment().put("DOCKER_HOST", Bench.dockerHost());
    builder.environment().put("PATH", machine.getParent() + ":" + System.getenv("PATH"));
    builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process process = builder.start();
    CompletableFuture<byte[]> err =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return process.getErrorStream().readAllBytes();
              } catch (IOException e) {
                return new byte[0];
              }
            });
    byte[] out = process.getInputStream().readAllBytes();
    assertThat(process.waitFor(300, TimeUnit.SECONDS)).as("%s ended", script).isTrue();
    return new Result(
        process.exitValue(),
        new String(out, StandardCharsets.UTF_8),
        new String(err.join(), StandardCharsets.UTF_8));
  }

  private Result dockerInfoName() throws IOException, InterruptedException {
    // A failing command substitution does not stop eval: check it, or docker reaches the bench.
    return bash(
        "env=$(machine env "
            + name
            + ") || exit 1; eval \"$env\"; docker info --format '{{.Name}}'");
  }

  @Test
  void create_dockerDriver_dockerCliReachesTheMachinesEngineAlsoAfterStopAndStart()
      throws Exception {
    Result created = bash("machine create -d docker " + name);

    assertThat(created.exitCode()).as(created.toString()).isZero();
    assertThat(created.out()).contains("Machine \"" + name + "\" was created and runs Docker.");
    Result info = dockerInfoName();
    assertThat(info.exitCode()).as(info.toString()).isZero();
    assertThat(info.out().strip()).isEqualTo(name);

    Result stopped = bash("machine stop " + name);
    assertThat(stopped.exitCode()).as(stopped.toString()).isZero();
    Result noEngine = dockerInfoName();
    assertThat(noEngine.exitCode()).as(noEngine.toString()).isNotZero();
    assertThat(noEngine.err()).contains("is not running");
    Result started = bash("machine start " + name);
    assertThat(started.exitCode()).as(started.toString()).isZero();
    assertThat(started.err()).contains("is up and running");

    Result again = dockerInfoName();
    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(again.out().strip()).isEqualTo(name);
    Result ls = bash("machine ls --format '{{.Name}} {{.State}} {{.DockerVersion}}'");
    assertThat(ls.out()).containsPattern(name + " Running v\\d+\\.\\d+");
  }
}
