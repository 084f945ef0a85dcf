package io.machinehost.sdk.rpc;

import io.machinehost.sdk.Capability;
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
 */
public record PluginInfo(
    String name,
    String version,
    int protocolVersion,
    Set<Capability> capabilities,
    String description,
    Set<String> secretConfigKeys) {

  /** Copies the sets. */
  public PluginInfo {
    capabilities = Set.copyOf(capabilities);
    secretConfigKeys = Set.copyOf(secretConfigKeys);
  }
}
