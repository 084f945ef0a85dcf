package io.machinehost.driver.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.machinehost.testsupport.Testbed;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code dist/bin/machine} with the docker driver, run as a user runs it. */
@ExtendWith(Testbed.class)
@Timeout(300)
class MachineCliDockerIT {
  @TempDir Path store;

  /** What a run printed and returned. */
  private record Result(int exitCode, String out, String err) {}

  @BeforeAll
  static void bench() {
    Bench.requireMachineImage();
  }

  @AfterEach
  void cleanUp() {
    Bench.removeContainersOf(store);
  }

  private Result machine(String... args) throws IOException, InterruptedException {
    Path executable = DockerPlugin.executable().resolveSibling("machine");
    List<String> command = new ArrayList<>(List.of(executable.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    builder.environment().put("MACHINE_STORAGE_PATH", store.toString());
    builder.environment().put("DOCKER_HOST", Bench.dockerHost());
    builder.environment().remove("MACHINE_PLUGIN_PATH");
    Process process = builder.start();
    byte[] out = process.getInputStream().readAllBytes();
    byte[] err = process.getErrorStream().readAllBytes();
    assertThat(process.waitFor(180, TimeUnit.SECONDS)).as("machine %s ended", command).isTrue();
    Result result =
        new Result(
            process.exitValue(),
            new String(out, StandardCharsets.UTF_8),
            new String(err, StandardCharsets.UTF_8));
    assertThat(result.exitCode())
        .as("machine %s: %s %s", List.of(args), result.out(), result.err())
        .isZero();
    return result;
  }

  @Test
  void createStatusStopStartRm_dockerDriver_containerFollows() throws Exception {
    String name = Bench.uniqueName("cli");
    String container = MachineContainer.nameOf(name);

    Result created = machine("create", "-d", "docker", name);

    assertThat(created.out()).contains("Machine \"" + name + "\" was created");
    assertThat(machine("status", name).out().strip()).isEqualTo("Running");
    assertThat(machine("ip", name).out().strip()).isEqualTo("127.0.0.1");
    assertThat(machine("url", name).out().strip()).matches("tcp://127\\.0\\.0\\.1:\\d+");
    assertThat(machine("ls").out()).contains(name).contains("docker").contains("Running");
    assertThat(Bench.inspect(container))
        .get()
        .satisfies(c -> assertThat(c.getState().getRunning()).isTrue());

    machine("stop", name);
    assertThat(machine("status", name).out().strip()).isEqualTo("Stopped");
    assertThat(Bench.inspect(container))
        .get()
        .satisfies(c -> assertThat(c.getState().getRunning()).isFalse());

    machine("start", name);
    assertThat(machine("status", name).out().strip()).isEqualTo("Running");

    machine("rm", "-y", name);
    assertThat(Bench.inspect(container)).isEmpty();
    assertThat(machine("ls", "-q").out()).doesNotContain(name);
  }
}
