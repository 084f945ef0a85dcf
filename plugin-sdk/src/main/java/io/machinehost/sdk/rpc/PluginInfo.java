package io.machinehost.sdk.rpc;

import io.machinehost.sdk.Capability;
import io.machinehost.sdk.LongOperation;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * What a plugin says about itself.
 *
 * @param name the driver name
 * @param version the driver's own version
 * @param protocolVersion the negotiated protocol version
 * @param capabilities the optional operations it supports
 * @param description one line for {@code machine plugin ls}
 * @param secretConfigKeys config keys whose values are never printed
 * @param operationTimeouts the deadlines it declares for its long operations (others: the host's)
 */
public record PluginInfo(
    String name,
    String version,
    int protocolVersion,
    Set<Capability> capabilities,
    String description,
    Set<String> secretConfigKeys,
    Map<LongOperation, Duration> operationTimeouts) {

  /** Copies the sets and the map. */
  public PluginInfo {
    capabilities = Set.copyOf(capabilities);
    secretConfigKeys = Set.copyOf(secretConfigKeys);
    operationTimeouts = Map.copyOf(operationTimeouts);
  }

  /** A plugin that declares no operation deadlines. */
  public PluginInfo(
      String name,
      String version,
      int protocolVersion,
      Set<Capability> capabilities,
      String description,
      Set<String> secretConfigKeys) {
    this(name, version, protocolVersion, capabilities, description, secretConfigKeys, Map.of());
  }
}
