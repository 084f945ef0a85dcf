package io.machinehost.host.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.rpc.Handshake;
import io.machinehost.sdk.rpc.PluginChannels;
import io.machinehost.sdk.rpc.PluginEnv;
import io.machinehost.sdk.rpc.PluginTls;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The launcher against plugins that break the protocol, each failing clearly and in bounded time.
 */
@Timeout(60)
class PluginLauncherIT {
  private final List<PluginProcess> launched = new ArrayList<>();
  // Generous: a JVM plugin on a loaded two-core machine can take seconds to its handshake.
  private final PluginLauncher launcher =
      new PluginLauncher(
          PluginLauncher.Options.defaults()
              .withHandshakeTimeout(Duration.ofSeconds(30))
              .withShutdownGrace(Duration.ofSeconds(1)));

  @AfterEach
  void closeAll() {
    launched.forEach(PluginProcess::close);
  }

  private PluginProcess launch(String mode) throws PluginLaunchException {
    PluginProcess p = launcher.launch("misbehaving", Dist.java(MisbehavingPluginMain.class, mode));
    launched.add(p);
    return p;
  }

  private PluginLaunchException launchFails(String mode) {
    return catchThrowableOfType(PluginLaunchException.class, () -> launch(mode));
  }

  @Test
  void launch_noCookie_pluginRefusesAndItsMessageIsShown() {
    PluginLauncher noCookie =
        new PluginLauncher(launcher.options().withEnv(PluginEnv.COOKIE_KEY, null));

    PluginLaunchException e =
        catchThrowableOfType(
            PluginLaunchException.class,
            () -> noCookie.launch("none", Dist.bin("machine-driver-none")));

    assertThat(e.getMessage())
        .contains("exited with code 1 before its handshake")
        .contains("This is a machinehost driver plugin");
  }

  @Test
  void launch_pluginHangs_failsAfterTheTimeoutWithItsStderr() {
    PluginLauncher impatient =
        new PluginLauncher(launcher.options().withHandshakeTimeout(Duration.ofSeconds(8)));

    PluginLaunchException e =
        catchThrowableOfType(
            PluginLaunchException.class,
            () ->
                launched.add(
                    impatient.launch(
                        "misbehaving", Dist.java(MisbehavingPluginMain.class, "hang"))));

    assertThat(e.getMessage())
        .contains("printed no handshake line within 8000 ms")
        .contains("warming up, forever");
  }

  @Test
  void launch_garbageHandshake_saysWhatIsWrong() {
    PluginLaunchException e = launchFails("garbage");

    assertThat(e.getMessage())
        .contains("malformed handshake line \"1|1|carrier-pigeon|coop 7|grpc\"")
        .contains("network must be \"unix\" or \"tcp\"");
  }

  @Test
  void launch_pluginExitsEarly_showsExitCodeAndStderr() {
    PluginLaunchException e = launchFails("exit-early");

    assertThat(e.getMessage())
        .contains("exited with code 2 before its handshake")
        .contains("cannot find my config file /etc/nothing.conf");
  }

  @Test
  void launch_noiseBeforeHandshake_toleratedAndReported() throws Exception {
    PluginProcess p = launch("noise");

    assertThat(p.noise()).containsExactly("Starting the driver...", "Loaded 3 regions");
    assertThat(p.info().name()).isEqualTo("crashy");
  }

  @Test
  void launch_unsupportedVersion_saysWhichVersions() {
    PluginLaunchException e = launchFails("version99");

    assertThat(e.getMessage()).contains("chose protocol version 99, but machine speaks [1]");
  }

  @Test
  void call_pluginCrashesMidCall_unavailableWithExitCodeAndStderr() throws Exception {
    PluginProcess p = launch("crash-mid-call");

    DriverException e =
        catchThrowableOfType(
            DriverException.class,
            () -> p.driver("m", Path.of("/tmp"), "", Duration.ofSeconds(10)).getState());

    assertThat(e.code()).isEqualTo(DriverException.Code.UNAVAILABLE);
    assertThat(e.getMessage())
        .contains("exited unexpectedly (exit code 3)")
        .contains("panic: out of disk while reading state");
  }

  @Test
  void close_pluginIgnoresShutdownAndStdin_killedAfterGrace() throws Exception {
    PluginProcess p = launch("ignore-shutdown");
    ProcessHandle handle = p.handle();
    assertThat(p.info().name()).isEqualTo("crashy");

    p.close();

    assertThat(handle.isAlive()).isFalse();
  }

  @Test
  void connect_clientWithoutTheLaunchCertificate_refused() throws Exception {
    PluginProcess p = launcher.launch("none", Dist.bin("machine-driver-none"));
    launched.add(p);
    Handshake handshake = p.handshake();

    ManagedChannel stranger = PluginChannels.open(handshake, PluginTls.generate());
    ManagedChannel plaintext = PluginChannels.open(handshake, null);
    try {
      for (ManagedChannel channel : List.of(stranger, plaintext)) {
        StatusRuntimeException e =
            catchThrowableOfType(
                StatusRuntimeException.class,
                () ->
                    HealthGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .check(HealthCheckRequest.newBuilder().setService("plugin").build()));
        assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE);
      }
      assertThat(p.info().name()).isEqualTo("none");
    } finally {
      stranger.shutdownNow();
      plaintext.shutdownNow();
    }
  }

  @Test
  void hostKilled_pluginExitsOnStdinEof() throws Exception {
    Process host =
        new ProcessBuilder(
                Dist.java(HostProcessMain.class, Dist.bin("machine-driver-none").toString()))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    try {
      BufferedReader out =
          new BufferedReader(new InputStreamReader(host.getInputStream(), StandardCharsets.UTF_8));
      long pluginPid = Long.parseLong(out.readLine().strip());
      ProcessHandle plugin = ProcessHandle.of(pluginPid).orElseThrow();

      host.destroyForcibly().waitFor();

      // The protocol allows 2 s. The bound is above that, for a loaded machine whose JVMs are
      // starved for a while; a plugin that ignores the EOF stays up for ever and still fails here.
      boolean gone =
          plugin.onExit().thenApply(h -> true).completeOnTimeout(false, 10, TimeUnit.SECONDS).get();
      assertThat(gone).as("plugin %d still alive after its host was killed", pluginPid).isTrue();
    } finally {
      host.destroyForcibly();
    }
  }
}
