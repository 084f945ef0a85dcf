package io.machinehost.host.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.machinehost.sdk.ssh.SshKeys;
import io.machinehost.testsupport.SshdTargetContainer;
import io.machinehost.testsupport.Testbed;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The conformance kit against the built generic driver and a real host (an sshd-target container
 * that comes back after a reboot): every check that applies passes, in an order that suits a driver
 * which cannot power a host on.
 */
@ExtendWith(Testbed.class)
@Timeout(300)
class GenericConformanceIT {
  @TempDir Path dir;

  @Test
  void generic_onSshdTarget_everyApplicableCheckPasses() throws Exception {
    Path key = dir.resolve("id_ed25519");
    try (SshdTargetContainer host = new SshdTargetContainer(SshKeys.generate(key))) {
      host.start();
      Path generic =
          Path.of(
                  System.getProperty("machinehost.dist", "../dist"),
                  "bin",
                  "machine-driver-generic")
              .toAbsolutePath();
      StringWriter out = new StringWriter();
      CommandLine cli = new CommandLine(new PluginTestCommand(name -> Optional.of(generic)));
      cli.setOut(new PrintWriter(out, true));
      cli.setErr(new PrintWriter(out, true));

      int exit =
          cli.execute(
              "generic",
              "--",
              "--generic-ip-address",
              "127.0.0.1",
              "--generic-ssh-port",
              Integer.toString(host.sshPort()),
              "--generic-ssh-key",
              key.toString());

      assertThat(exit).as(out.toString()).isZero();
      assertThat(out.toString())
          .doesNotContain("FAIL ")
          .contains("PASS semantics.restart")
          .contains("PASS semantics.two-machines")
          .contains("PASS semantics.remove")
          .contains("PASS semantics.operations-on-removed-machine")
          .contains("PASS semantics.cancel-create")
          .contains("SKIP semantics.start");
      assertThat(host.restartCount()).as("restart rebooted the host once").isEqualTo(1);
      assertThat(host.isRunningNow()).as("stop halted the host").isFalse();
    }
  }
}
