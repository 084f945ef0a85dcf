package io.machinehost.driver.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.machinehost.host.plugin.PluginLauncher;
import io.machinehost.host.plugin.PluginProcess;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.FlagValues;
import io.machinehost.sdk.rpc.GrpcDriverClient;
import io.machinehost.sdk.ssh.Ssh;
import io.machinehost.sdk.ssh.SshTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The built {@code machine-driver-docker} executable, launched by the host's own launcher, and the
 * machines a test makes with it in one store.
 */
final class DockerPlugin implements AutoCloseable {
  private final PluginProcess process;
  private final Path store;

  private DockerPlugin(PluginProcess process, Path store) {
    this.process = process;
    this.store = store;
  }

  static Path executable() {
    Path path =
        Path.of(
                System.getProperty("machinehost.dist", "../../dist"),
                "bin",
                "machine-driver-docker")
            .toAbsolutePath()
            .normalize();
    assertThat(path).as("build it first (mvn -B -q install -DskipTests): %s", path).isExecutable();
    return path;
  }

  static DockerPlugin launch(Path store) throws Exception {
    return new DockerPlugin(
        new PluginLauncher(PluginLauncher.Options.defaults()).launch("docker", executable()),
        store);
  }

  PluginProcess process() {
    return process;
  }

  /** Returns a new machine of the store, configured from flags (the bench's engine by default). */
  GrpcDriverClient machine(String name, Map<String, Object> flags)
      throws DriverException, IOException {
    Files.createDirectories(store.resolve("machines").resolve(name));
    GrpcDriverClient machine = process.driver(name, store, "", Duration.ofSeconds(90));
    Map<String, Object> given = new HashMap<>(flags);
    given.putIfAbsent(DockerFlags.HOST, Bench.dockerHost());
    machine.setConfigFromFlags(FlagValues.validate(machine.getCreateFlags(), given));
    return machine;
  }

  GrpcDriverClient machine(String name) throws DriverException, IOException {
    return machine(name, Map.of());
  }

  /** Returns how SSH reaches a machine, as the host would ask for it. */
  SshTarget sshTarget(GrpcDriverClient machine) throws DriverException {
    return SshTarget.of(
            machine.getSshHostname(),
            machine.getSshPort(),
            machine.getSshUsername(),
            Path.of(machine.getSshKeyPath()))
        .withKnownHosts(
            store.resolve("machines").resolve(machine.getMachineName()).resolve("known_hosts"));
  }

  /** Runs a command on a machine over SSH and returns its output, failing on a non-zero exit. */
  String ssh(GrpcDriverClient machine, String command) throws DriverException {
    SshTarget target = sshTarget(machine);
    return Ssh.run(target, command, Duration.ofSeconds(60))
        .orThrow("\"" + command + "\" on " + target)
        .stdout()
        .strip();
  }

  @Override
  public void close() {
    process.close();
  }
}
