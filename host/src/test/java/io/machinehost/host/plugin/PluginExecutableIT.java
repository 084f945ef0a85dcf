package io.machinehost.host.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.machinehost.sdk.rpc.PluginEnv;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The none driver executable run by hand, as its users and other hosts would. */
@Timeout(60)
class PluginExecutableIT {
  @Test
  void run_withoutCookie_exitsNonZeroSayingItIsAPlugin() throws Exception {
    ProcessBuilder builder = new ProcessBuilder(Dist.bin("machine-driver-none").toString());
    builder.environment().remove(PluginEnv.COOKIE_KEY);
    Process p = builder.start();

    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(1);
    assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEmpty();
    assertThat(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
        .contains("This is a machinehost driver plugin")
        .contains("launched by `machine`");
  }

  @Test
  void run_withCookieStdinHeldOpen_printsOneHandshakeLineAndExitsWhenStdinCloses()
      throws Exception {
    ProcessBuilder builder = new ProcessBuilder(Dist.bin("machine-driver-none").toString());
    builder.environment().put(PluginEnv.COOKIE_KEY, PluginEnv.COOKIE_VALUE);
    builder.redirectError(ProcessBuilder.Redirect.DISCARD);
    Process p = builder.start();
    String line = readLine(p);

    assertThat(line).matches("^1\\|1\\|(unix|tcp)\\|[^|]+\\|grpc(\\|.*)?$");
    p.getOutputStream().close();

    // The protocol allows 2 s after stdin EOF; the wait is bounded a little above it.
    assertThat(p.waitFor(2500, TimeUnit.MILLISECONDS)).as("exited after stdin closed").isTrue();
    assertThat(p.getInputStream().readAllBytes()).as("nothing else on stdout").isEmpty();
  }

  private static String readLine(Process p) throws IOException {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = p.getInputStream().read()) != -1 && c != '\n') {
      line.append((char) c);
    }
    return line.toString();
  }
}
