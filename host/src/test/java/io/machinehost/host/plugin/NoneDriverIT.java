package io.machinehost.host.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.machinehost.sdk.CreateFlag;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.FlagValues;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.Operation;
import io.machinehost.sdk.rpc.GrpcDriverClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every RPC of the none driver, through the real launcher and the real executable. */
@Timeout(60)
class NoneDriverIT {
  @TempDir Path store;
  private PluginProcess plugin;

  @AfterEach
  void close() {
    if (plugin != null) {
      plugin.close();
    }
  }

  private GrpcDriverClient launch(String transport, String machine) throws Exception {
    plugin =
        new PluginLauncher(PluginLauncher.Options.defaults().withTransport(transport))
            .launch("none", Dist.bin("machine-driver-none"));
    return plugin.driver(machine, store, "", Duration.ofSeconds(10));
  }

  @ParameterizedTest
  @ValueSource(strings = {"unix", "tcp"})
  void everyRpc_noneDriver_behavesAsDockerMachines(String transport) throws Exception {
    GrpcDriverClient m1 = launch(transport, "m1");
    assertThat(plugin.handshake().network()).isEqualTo(transport);
    assertThat(plugin.handshake().certificate()).isPresent();

    var info = plugin.info();
    assertThat(info.name()).isEqualTo("none");
    assertThat(info.protocolVersion()).isEqualTo(1);
    assertThat(info.capabilities()).isEmpty();
    assertThat(m1.driverName()).isEqualTo("none");
    List<CreateFlag> flags = m1.getCreateFlags();
    assertThat(flags).extracting(CreateFlag::name).containsExactly("url");
    assertThat(flags.get(0).required()).isTrue();

    m1.setConfigFromFlags(FlagValues.validate(flags, Map.of("url", "tcp://127.0.0.1:2376")));
    m1.preCreateCheck();
    List<String> progress = new ArrayList<>();
    m1.create(new CollectingOperation(progress));
    assertThat(progress).singleElement().asString().contains("Nothing to create");

    assertThat(m1.getState()).isEqualTo(MachineState.RUNNING);
    assertThat(m1.getIp()).isEqualTo("127.0.0.1");
    assertThat(m1.getUrl()).isEqualTo("tcp://127.0.0.1:2376");
    assertThat(m1.getMachineName()).isEqualTo("m1");
    assertThat(m1.getSshUsername()).isEqualTo("root");
    assertThat(m1.getSshKeyPath()).isEqualTo(store.resolve("machines/m1/id_rsa").toString());
    assertThat(m1.refreshConfig()).contains("\"URL\":\"tcp://127.0.0.1:2376\"");
    for (String op : List.of("start", "stop", "kill", "restart")) {
      DriverException e = catchThrowableOfType(DriverException.class, () -> run(m1, op));
      assertThat(e.code()).as(op).isEqualTo(DriverException.Code.NOT_SUPPORTED);
      assertThat(e.getMessage()).as(op).startsWith("the none driver cannot " + op);
    }
    DriverException ssh = catchThrowableOfType(DriverException.class, m1::getSshPort);
    assertThat(ssh.getMessage()).isEqualTo("hosts without a driver have no SSH");
    m1.remove(Operation.none());
    m1.remove(Operation.none());
  }

  @Test
  void setConfigFromFlags_noUrl_invalidArgumentNamingUrl() throws Exception {
    GrpcDriverClient m = launch("unix", "m");

    DriverException e =
        catchThrowableOfType(
            DriverException.class,
            () -> m.setConfigFromFlags(FlagValues.validate(List.of(), Map.of())));

    assertThat(e.code()).isEqualTo(DriverException.Code.INVALID_ARGUMENT);
    assertThat(e.flag()).contains("url");
    assertThat(e.getMessage()).contains("--url");
  }

  @Test
  void manyMachines_oneProcess_eachKeepsItsConfig() throws Exception {
    launch("unix", "x");
    List<GrpcDriverClient> machines = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      GrpcDriverClient m = plugin.driver("m" + i, store, "", Duration.ofSeconds(10));
      m.setConfigFromFlags(
          FlagValues.validate(
              m.getCreateFlags(), Map.of("url", "tcp://127.0.0." + (i + 1) + ":2376")));
      machines.add(m);
    }

    for (int i = 0; i < machines.size(); i++) {
      assertThat(machines.get(i).getIp()).isEqualTo("127.0.0." + (i + 1));
    }
  }

  @Test
  void close_plugin_exitsAndLeavesNoProcess() throws Exception {
    launch("unix", "m");
    ProcessHandle handle = plugin.handle();
    Path socket = Path.of(plugin.handshake().address());

    plugin.close();

    assertThat(handle.isAlive()).isFalse();
    assertThat(socket).doesNotExist();
    assertThat(socket.getParent()).doesNotExist();
  }

  private static void run(GrpcDriverClient m, String op) throws DriverException {
    switch (op) {
      case "start" -> m.start(Operation.none());
      case "stop" -> m.stop(Operation.none());
      case "kill" -> m.kill(Operation.none());
      default -> m.restart(Operation.none());
    }
  }

  /** Collects progress messages. */
  private record CollectingOperation(List<String> messages) implements Operation {
    @Override
    public void progress(String step, String message) {
      messages.add(step + ": " + message);
    }

    @Override
    public void progress(String step, String message, double fraction) {
      progress(step, message);
    }

    @Override
    public boolean isCancelled() {
      return false;
    }

    @Override
    public void onCancel(Runnable action) {}
  }
}
