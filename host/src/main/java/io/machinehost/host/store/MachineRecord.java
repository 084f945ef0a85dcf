package io.machinehost.host.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A machine as the store keeps it: its driver, the driver's own config, and the host's options.
 *
 * @param name the machine name
 * @param driverName the driver that manages it
 * @param driverConfig the driver's config, a JSON object as the driver last returned it
 * @param hostOptions engine and TLS options, labels, and the keys of secret config values
 * @param createdAt when it was created
 * @param error why the last create or provisioning failed, or empty
 */
public record MachineRecord(
    String name,
    String driverName,
    ObjectNode driverConfig,
    HostOptions hostOptions,
    Instant createdAt,
    String error) {

  /** Checks the fields. */
  public MachineRecord {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(driverName, "driverName");
    Objects.requireNonNull(driverConfig, "driverConfig");
    hostOptions = hostOptions == null ? HostOptions.empty() : hostOptions;
    error = error == null ? "" : error;
  }

  /** Returns a copy with another driver config. */
  public MachineRecord withDriverConfig(ObjectNode config) {
    return new MachineRecord(name, driverName, config, hostOptions, createdAt, error);
  }

  /** Returns a copy with other host options. */
  public MachineRecord withHostOptions(HostOptions options) {
    return new MachineRecord(name, driverName, driverConfig, options, createdAt, error);
  }

  /** Returns a copy with another error (empty for none). */
  public MachineRecord withError(String error) {
    return new MachineRecord(name, driverName, driverConfig, hostOptions, createdAt, error);
  }

  /**
   * Docker Machine's host options that matter here.
   *
   * @param engineOptions {@code --engine-opt} values
   * @param engineLabels {@code --engine-label} values
   * @param engineEnv {@code --engine-env} values
   * @param insecureRegistries {@code --engine-insecure-registry} values
   * @param registryMirrors {@code --engine-registry-mirror} values
   * @param storageDriver {@code --engine-storage-driver}, or empty
   * @param tlsSans {@code --tls-san} extra names for the server certificate
   * @param provision whether the host provisions a Docker engine
   * @param labels the machine's labels ({@code machine label}), used by {@code ls --filter}
   * @param secretConfigKeys keys of the driver config whose values are never printed
   */
  public record HostOptions(
      List<String> engineOptions,
      List<String> engineLabels,
      List<String> engineEnv,
      List<String> insecureRegistries,
      List<String> registryMirrors,
      String storageDriver,
      List<String> tlsSans,
      boolean provision,
      Map<String, String> labels,
      List<String> secretConfigKeys) {

    /** Copies the collections. */
    public HostOptions {
      engineOptions = copy(engineOptions);
      engineLabels = copy(engineLabels);
      engineEnv = copy(engineEnv);
      insecureRegistries = copy(insecureRegistries);
      registryMirrors = copy(registryMirrors);
      storageDriver = storageDriver == null ? "" : storageDriver;
      tlsSans = copy(tlsSans);
      labels = labels == null ? Map.of() : Map.copyOf(labels);
      secretConfigKeys = copy(secretConfigKeys);
    }

    private static List<String> copy(List<String> list) {
      return list == null ? List.of() : List.copyOf(list);
    }

    /** No options. */
    public static HostOptions empty() {
      return new HostOptions(null, null, null, null, null, "", null, false, null, null);
    }

    /** Returns a copy with other labels. */
    public HostOptions withLabels(Map<String, String> labels) {
      return new HostOptions(
          engineOptions,
          engineLabels,
          engineEnv,
          insecureRegistries,
          registryMirrors,
          storageDriver,
          tlsSans,
          provision,
          labels,
          secretConfigKeys);
    }
  }
}
