package io.machinehost.driver.docker;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.github.dockerjava.api.model.HostConfig;
import java.util.List;

/**
 * A {@link HostConfig} that can also unmask the kernel's system paths, which docker-java's lacks.
 * {@code docker run --security-opt systempaths=unconfined} is no engine option: the command sends
 * empty {@code MaskedPaths} and {@code ReadonlyPaths} instead, so an engine inside may write to
 * /proc/sys. An unset list keeps the engine's defaults.
 */
final class UnconfinedHostConfig extends HostConfig {
  private static final long serialVersionUID = 1L;

  @JsonProperty("MaskedPaths")
  @JsonInclude(JsonInclude.Include.NON_NULL)
  private List<String> maskedPaths;

  @JsonProperty("ReadonlyPaths")
  @JsonInclude(JsonInclude.Include.NON_NULL)
  private List<String> readonlyPaths;

  /** Masks nothing and makes nothing read-only among /proc and /sys paths. */
  UnconfinedHostConfig withUnconfinedSystemPaths() {
    maskedPaths = List.of();
    readonlyPaths = List.of();
    return this;
  }

  List<String> maskedPaths() {
    return maskedPaths;
  }

  List<String> readonlyPaths() {
    return readonlyPaths;
  }
}
