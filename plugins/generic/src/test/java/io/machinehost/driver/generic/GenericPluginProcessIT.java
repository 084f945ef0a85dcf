package io.machinehost.driver.generic;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.machinehost.sdk.FlagValues;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.Operation;
import io.machinehost.sdk.rpc.GrpcDriverClient;
import io.machinehost.sdk.rpc.Handshake;
import io.machinehost.sdk.rpc.PluginChannels;
import io.machinehost.sdk.rpc.PluginEnv;
import io.machinehost.sdk.rpc.PluginTls;
import io.machinehost.sdk.ssh.SshKeys;
import io.machinehost.testsupport.SshdTargetContainer;
import io.machinehost.testsupport.Testbed;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built {@code machine-driver-generic} executable, launched as the host launches it (cookie,
 * protocol versions, mutual TLS over a Unix socket), creates a machine on a real sshd.
 */
@ExtendWith(Testbed.class)
@Timeout(90)
class GenericPluginProcessIT {
  @TempDir Path dir;

  @Test
  void create_throughThePluginExecutable_reachesTheHost() throws Exception {
    Path executable =
        Path.of(
            System.getProperty("machinehost.dist", "../../dist"), "bin", "machine-driver-generic");
    assertThat(executable).isExecutable();
    Path key = dir.resolve("id_ed25519");
    PluginTls.Identity host = PluginTls.generate();
    ProcessBuilder builder =
        new ProcessBuilder(executable.toString()).redirectError(dir.resolve("stderr").toFile());
    builder.environment().put(PluginEnv.COOKIE_KEY, PluginEnv.COOKIE_VALUE);
    builder.environment().put(PluginEnv.PROTOCOL_VERSIONS, "1");
    builder.environment().put(PluginEnv.CLIENT_CERT, host.certificatePem());
    builder.environment().put(PluginEnv.UNIX_SOCKET_DIR, dir.toString());

    try (SshdTargetContainer machineHost = new SshdTargetContainer(SshKeys.generate(key))) {
      machineHost.start();
      Process plugin = builder.start();
      ManagedChannel channel = null;
      try {
        BufferedReader stdout =
            new BufferedReader(
                new InputStreamReader(plugin.getInputStream(), StandardCharsets.UTF_8));
        Handshake handshake = Handshake.parse(stdout.readLine());
        channel = PluginChannels.open(handshake, host);
        Path store = Files.createDirectories(dir.resolve("store"));
        Files.createDirectories(store.resolve("machines").resolve("m1"));
        GrpcDriverClient machine =
            new GrpcDriverClient(
                channel, "generic", "m1", store.toString(), "", Duration.ofSeconds(30));
        machine.setConfigFromFlags(
            FlagValues.validate(
                machine.getCreateFlags(),
                Map.of(
                    GenericDriver.IP_FLAG,
                    "127.0.0.1",
                    GenericDriver.PORT_FLAG,
                    (long) machineHost.sshPort(),
                    GenericDriver.KEY_FLAG,
                    key.toString())));
        machine.preCreateCheck();

        machine.create(Operation.none());

        assertThat(machine.getState()).isEqualTo(MachineState.RUNNING);
        assertThat(machine.getSshKeyPath())
            .isEqualTo(store.resolve("machines/m1/id_ed25519").toString());
        assertThat(store.resolve("machines/m1/known_hosts")).isNotEmptyFile();
      } finally {
        if (channel != null) {
          channel.shutdownNow();
        }
        plugin.getOutputStream().close(); // the lifeline: the plugin exits on stdin EOF
        if (!plugin.waitFor(10, TimeUnit.SECONDS)) {
          plugin.destroyForcibly().waitFor();
        }
      }
      assertThat(Files.readString(dir.resolve("stderr"))).doesNotContain("SLF4J");
    }
  }
}
