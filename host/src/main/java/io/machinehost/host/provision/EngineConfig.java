package io.machinehost.host.provision;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.machinehost.host.store.MachineRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How a machine's Docker engine is configured, rendered into the files provisioning installs: the
 * structured options in {@code /etc/docker/daemon.json} (TLS, listen addresses, labels, registries,
 * storage driver), the remaining {@code --engine-opt} values as {@code dockerd} flags, and {@code
 * --engine-env} as the engine's environment, either in a systemd drop-in or in the start script
 * that the machine runs at boot when it has no systemd.
 *
 * <p>The engine listens on {@code unix:///var/run/docker.sock} and with TLS on port {@value
 * #ENGINE_PORT}, plus the port of the driver's URL when that differs (a generic host with {@code
 * --generic-engine-port}).
 *
 * @param labels engine labels, {@code provider=<driver>} first
 * @param insecureRegistries registries reached without TLS
 * @param registryMirrors registry mirrors
 * @param storageDriver the storage driver, or empty for the engine's default
 * @param flags the other {@code --engine-opt} values as {@code dockerd} flags
 * @param env the engine's environment variables, in order
 * @param ports the TCP ports the engine listens on with TLS
 */
public record EngineConfig(
    List<String> labels,
    List<String> insecureRegistries,
    List<String> registryMirrors,
    String storageDriver,
    List<String> flags,
    Map<String, String> env,
    List<Integer> ports) {

  /** The TLS port every provisioned engine listens on inside the machine. */
  public static final int ENGINE_PORT = 2376;

  /** Where the engine's CA certificate is installed on the machine. */
  public static final String REMOTE_CA = "/etc/docker/ca.pem";

  /** Where the engine's server certificate is installed on the machine. */
  public static final String REMOTE_CERT = "/etc/docker/server.pem";

  /** Where the engine's server key is installed on the machine. */
  public static final String REMOTE_KEY = "/etc/docker/server-key.pem";

  /** The engine's configuration file. */
  public static final String DAEMON_JSON = "/etc/docker/daemon.json";

  /** The script a machine without systemd runs at boot (the machine image's entrypoint does). */
  public static final String START_SCRIPT = "/etc/machinehost/engine-start";

  /** The systemd drop-in that points docker.service at this configuration. */
  public static final String SYSTEMD_DROP_IN =
      "/etc/systemd/system/docker.service.d/10-machinehost.conf";

  /** Where the engine started by {@link #START_SCRIPT} logs. */
  public static final String START_LOG = "/var/log/docker.log";

  private static final Pattern FLAG_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]*");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Set<String> RESERVED =
      Set.of("H", "host", "tls", "tlsverify", "tlscacert", "tlscert", "tlskey", "config-file");
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** Copies the collections. */
  public EngineConfig {
    labels = List.copyOf(labels);
    insecureRegistries = List.copyOf(insecureRegistries);
    registryMirrors = List.copyOf(registryMirrors);
    storageDriver = storageDriver == null ? "" : storageDriver;
    flags = List.copyOf(flags);
    env = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(env));
    ports = List.copyOf(ports);
  }

  /**
   * Reads a machine's engine options.
   *
   * @param options the machine's host options
   * @param provider the driver's name, given to the engine as the label {@code provider=<name>}
   * @param urlPort the port of the driver's URL, or 0 when unknown
   * @throws IllegalArgumentException naming the bad option and what it should look like
   */
  public static EngineConfig of(MachineRecord.HostOptions options, String provider, int urlPort) {
    List<String> labels = new ArrayList<>();
    if (provider != null && !provider.isBlank()) {
      labels.add("provider=" + provider);
    }
    for (String label : options.engineLabels()) {
      labels.add(label(label, "--engine-label"));
    }
    List<String> insecure = new ArrayList<>(options.insecureRegistries());
    List<String> mirrors = new ArrayList<>(options.registryMirrors());
    String storage = options.storageDriver();
    List<String> flags = new ArrayList<>();
    for (String option : options.engineOptions()) {
      String text = option.strip();
      while (text.startsWith("-")) {
        text = text.substring(1);
      }
      int eq = text.indexOf('=');
      String name = eq < 0 ? text : text.substring(0, eq);
      String value = eq < 0 ? null : text.substring(eq + 1);
      if (!FLAG_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            String.format(
                "--engine-opt \"%s\" is not a dockerd flag: write it as NAME=VALUE or NAME, e.g."
                    + " --engine-opt log-level=debug",
                option));
      }
      if (RESERVED.contains(name)) {
        throw new IllegalArgumentException(
            String.format(
                "--engine-opt \"%s\" cannot be set: provisioning configures the engine's TLS and"
                    + " listen addresses itself (use --tls-san for extra certificate names)",
                option));
      }
      // Options daemon.json also holds go there: dockerd refuses one set both ways.
      switch (name.toLowerCase(Locale.ROOT)) {
        case "label" -> labels.add(label(value == null ? "" : value, "--engine-opt label"));
        case "insecure-registry" -> insecure.add(required(option, value));
        case "registry-mirror" -> mirrors.add(required(option, value));
        case "storage-driver" -> storage = required(option, value);
        default -> flags.add(value == null ? "--" + name : "--" + name + "=" + value);
      }
    }
    Map<String, String> env = new LinkedHashMap<>();
    for (String entry : options.engineEnv()) {
      int eq = entry.indexOf('=');
      String key = eq < 0 ? entry : entry.substring(0, eq);
      if (eq < 0 || !ENV_NAME.matcher(key).matches()) {
        throw new IllegalArgumentException(
            String.format(
                "--engine-env \"%s\" is not KEY=VALUE with a variable name as KEY, e.g."
                    + " --engine-env HTTP_PROXY=http://proxy:3128",
                entry));
      }
      env.put(key, entry.substring(eq + 1));
    }
    Set<Integer> ports = new LinkedHashSet<>();
    ports.add(ENGINE_PORT);
    if (urlPort > 0) {
      ports.add(urlPort);
    }
    return new EngineConfig(labels, insecure, mirrors, storage, flags, env, new ArrayList<>(ports));
  }

  private static String label(String label, String option) {
    int eq = label.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException(
          String.format(
              "%s \"%s\" is not KEY=VALUE, e.g. %s environment=dev", option, label, option));
    }
    return label;
  }

  private static String required(String option, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(
          String.format("--engine-opt \"%s\" needs a value: NAME=VALUE", option));
    }
    return value;
  }

  /** Returns {@code /etc/docker/daemon.json}. */
  public String daemonJson() {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode hosts = root.putArray("hosts");
    hosts.add("unix:///var/run/docker.sock");
    ports.forEach(p -> hosts.add("tcp://0.0.0.0:" + p));
    root.put("tls", true);
    root.put("tlsverify", true);
    root.put("tlscacert", REMOTE_CA);
    root.put("tlscert", REMOTE_CERT);
    root.put("tlskey", REMOTE_KEY);
    labels.forEach(root.withArray("labels")::add);
    if (!insecureRegistries.isEmpty()) {
      insecureRegistries.forEach(root.withArray("insecure-registries")::add);
    }
    if (!registryMirrors.isEmpty()) {
      registryMirrors.forEach(root.withArray("registry-mirrors")::add);
    }
    if (!storageDriver.isBlank()) {
      root.put("storage-driver", storageDriver);
    }
    try {
      return JSON.writeValueAsString(root) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Returns the start script for a machine without systemd: it sets the host name again (a
   * container's is reset at start), does nothing when the engine runs, and otherwise starts it in
   * the background with its environment and flags.
   *
   * @param hostname the machine's name
   * @param dockerd the path of {@code dockerd} on the machine
   */
  public String startScript(String hostname, String dockerd) {
    StringBuilder s = new StringBuilder();
    s.append("#!/bin/sh\n");
    s.append("# Starts the Docker engine as \"machine provision\" configured it; the machine runs")
        .append(" it at boot.\n");
    s.append("# Written by machine provision: edits are lost when it runs again.\n");
    s.append("[ \"$(hostname)\" = ").append(quote(hostname)).append(" ] || hostname ");
    s.append(quote(hostname)).append(" 2>/dev/null || true\n");
    s.append("pid=$(cat /var/run/docker.pid 2>/dev/null || true)\n");
    s.append("if [ -n \"$pid\" ] && [ \"$(cat /proc/$pid/comm 2>/dev/null)\" = dockerd ]; then\n");
    s.append("  exit 0\n");
    s.append("fi\n");
    env.forEach((k, v) -> s.append("export ").append(k).append('=').append(quote(v)).append('\n'));
    s.append("mkdir -p /var/log /var/run\n");
    s.append("setsid ").append(quote(dockerd));
    flags.forEach(f -> s.append(' ').append(quote(f)));
    s.append(" >>").append(START_LOG).append(" 2>&1 </dev/null &\n");
    return s.toString();
  }

  /**
   * Returns the systemd drop-in for {@code docker.service}: it replaces the package's command line
   * (whose {@code -H fd://} would clash with daemon.json's hosts) and adds the environment.
   *
   * @param dockerd the path of {@code dockerd} on the machine
   * @param containerdSocket the system containerd's socket to use, or empty for dockerd's own
   */
  public String systemdDropIn(String dockerd, String containerdSocket) {
    StringBuilder s = new StringBuilder();
    s.append("# Written by machine provision: edits are lost when it runs again.\n");
    s.append("[Service]\n");
    env.forEach((k, v) -> s.append("Environment=").append(unitQuote(k + "=" + v)).append('\n'));
    s.append("ExecStart=\n");
    s.append("ExecStart=").append(unitQuote(dockerd));
    if (!containerdSocket.isEmpty()) {
      s.append(' ').append(unitQuote("--containerd=" + containerdSocket));
    }
    flags.forEach(f -> s.append(' ').append(unitQuote(f)));
    s.append('\n');
    return s.toString();
  }

  /** Quotes a word for a POSIX shell. */
  public static String quote(String word) {
    if (!word.isEmpty() && word.matches("[A-Za-z0-9_@%+=:,./-]+")) {
      return word;
    }
    return "'" + word.replace("'", "'\\''") + "'";
  }

  /** Quotes a word for a systemd unit file: no specifier or variable expansion. */
  static String unitQuote(String word) {
    String escaped =
        word.replace("\\", "\\\\").replace("\"", "\\\"").replace("%", "%%").replace("$", "$$");
    return "\"" + escaped + "\"";
  }
}
