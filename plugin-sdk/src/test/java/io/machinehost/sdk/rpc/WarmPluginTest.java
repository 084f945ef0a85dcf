package io.machinehost.sdk.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class WarmPluginTest {
  private static WarmPlugin warm() {
    return WarmPlugin.fromEnv(Map.of(PluginEnv.REUSE_IDLE_MS, "600000"), why -> {}).orElseThrow();
  }

  @Test
  void trim_onlyOncePerIdleStretch_andNotWhileTheHostHoldsStdin() throws Exception {
    WarmPlugin warm = warm();
    Thread.sleep(WarmPlugin.TRIM_AFTER.toMillis() + 100);
    assertThat(warm.shouldTrim()).as("the launching host still holds stdin").isFalse();

    warm.stdinClosed();
    assertThat(warm.shouldTrim()).as("just let go").isFalse();
    Thread.sleep(WarmPlugin.TRIM_AFTER.toMillis() + 100);
    assertThat(warm.shouldTrim()).isTrue();
    assertThat(warm.shouldTrim()).as("once per idle stretch").isFalse();
  }

  @Test
  void fromEnv_withoutAPositiveIdle_isNoWarmMode() {
    assertThat(WarmPlugin.fromEnv(Map.of(), why -> {})).isEmpty();
    assertThat(WarmPlugin.fromEnv(Map.of(PluginEnv.REUSE_IDLE_MS, "0"), why -> {})).isEmpty();
    assertThat(WarmPlugin.fromEnv(Map.of(PluginEnv.REUSE_IDLE_MS, "soon"), why -> {})).isEmpty();
  }
}
