package io.machinehost.host.provision;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The shell scripts provisioning runs on a machine (as root, by {@link RemoteHost}), written for
 * any POSIX {@code sh}. Each is safe to run again.
 */
final class HostScripts {
  /** What {@link #OS_RELEASE} prints first when the file is missing. */
  static final String NO_OS_RELEASE = "machinehost: no /etc/os-release";

  /** Prints {@code /etc/os-release}, or {@link #NO_OS_RELEASE} and the kernel's name. */
  static final String OS_RELEASE =
      "cat /etc/os-release 2>/dev/null || { echo '" + NO_OS_RELEASE + "'; uname -sr; }";

  /** Prints {@code init=}, {@code dockerd=} and, with systemd, {@code containerd=} lines. */
  static final String FACTS =
      """
      if [ -d /run/systemd/system ]; then echo init=systemd; else echo init=other; fi
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
      echo dockerd=$(command -v dockerd || true)
      if [ -d /run/systemd/system ] && [ -S /run/containerd/containerd.sock ]; then
        echo containerd=/run/containerd/containerd.sock
      fi
      """;

  /** Installs Debian's (and Ubuntu's) packaged engine. */
  static final String INSTALL =
      """
      set -e
      export DEBIAN_FRONTEND=noninteractive
      apt-get -o DPkg::Lock::Timeout=300 -q update 2>&1
      apt-get -o DPkg::Lock::Timeout=300 -q install -y --no-install-recommends docker.io 2>&1
      """;

  /** Makes systemd read the drop-in and start the engine at boot. */
  static final String ENABLE_SYSTEMD =
      "systemctl daemon-reload && systemctl enable docker.service 2>&1";

  private static final String RUNNING_WITHOUT_SYSTEMD =
      """
      pid=$(cat /var/run/docker.pid 2>/dev/null) \
        && [ "$(cat /proc/$pid/comm 2>/dev/null)" = dockerd ]
      """;

  private HostScripts() {}

  /**
   * What provisioning needs to know of a machine.
   *
   * @param systemd whether systemd runs it
   * @param dockerd the path of {@code dockerd}, or empty when there is none
   * @param containerd the system containerd's socket, or empty
   */
  record Facts(boolean systemd, String dockerd, String containerd) {
    /** Reads what {@link #FACTS} printed. */
    static Facts parse(String output) {
      Map<String, String> values = new LinkedHashMap<>();
      for (String line : output.split("\\R")) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          values.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
        }
      }
      return new Facts(
          "systemd".equals(values.get("init")),
          values.getOrDefault("dockerd", ""),
          values.getOrDefault("containerd", ""));
    }
  }

  /** A host name is at most 63 characters (one DNS label's length; Linux allows 64). */
  static String hostnameOf(String machine) {
    return machine.length() <= 63 ? machine : machine.substring(0, 63);
  }

  /**
   * Sets the running host name, {@code /etc/hostname} and a {@code 127.0.1.1} line in {@code
   * /etc/hosts}, each only when it differs. Files are rewritten in place: in a container they are
   * bind mounts, which cannot be replaced by a rename.
   */
  static String hostname(String name) {
    String q = EngineConfig.quote(name);
    String pattern =
        EngineConfig.quote("[[:space:]]" + name.replace(".", "\\.") + "([[:space:]]|$)");
    return String.join(
        "\n",
        "set -e",
        "[ \"$(hostname)\" = " + q + " ] || hostname " + q,
        "[ \"$(cat /etc/hostname 2>/dev/null)\" = "
            + q
            + " ] || printf '%s\\n' "
            + q
            + " > /etc/hostname",
        "if ! grep -Eq " + pattern + " /etc/hosts; then",
        "  if grep -q '^127\\.0\\.1\\.1[[:space:]]' /etc/hosts; then",
        "    tmp=$(mktemp)",
        "    sed 's/^127\\.0\\.1\\.1[[:space:]].*/127.0.1.1 '" + q + "'/' /etc/hosts > \"$tmp\"",
        "    cat \"$tmp\" > /etc/hosts",
        "    rm -f \"$tmp\"",
        "  else",
        "    printf '127.0.1.1 %s\\n' " + q + " >> /etc/hosts",
        "  fi",
        "fi",
        "");
  }

  /** Succeeds when the engine runs. */
  static String running(boolean systemd) {
    return systemd ? "systemctl is-active --quiet docker.service" : RUNNING_WITHOUT_SYSTEMD;
  }

  /** Succeeds while the engine runs or starts; fails once it has exited. */
  static String alive(boolean systemd) {
    if (systemd) {
      return """
          state=$(systemctl show -p ActiveState --value docker.service)
          sub=$(systemctl show -p SubState --value docker.service)
          [ "$state" != failed ] && [ "$state" != inactive ] && [ "$sub" != auto-restart ]
          """;
    }
    return RUNNING_WITHOUT_SYSTEMD;
  }

  /** Stops the engine if it runs (waiting until it is gone), then starts it as at boot. */
  static String restart(boolean systemd) {
    if (systemd) {
      return """
          systemctl restart docker.service 2>&1 || {
            systemctl status docker.service --no-pager -l 2>&1
            journalctl -u docker.service -n 30 --no-pager 2>&1
            exit 1
          }
          """;
    }
    return """
        pid=$(cat /var/run/docker.pid 2>/dev/null || true)
        if [ -n "$pid" ] && [ "$(cat /proc/$pid/comm 2>/dev/null)" = dockerd ]; then
          kill "$pid"
          i=0
          while [ -d /proc/$pid ] && [ $i -lt 150 ]; do sleep 0.2; i=$((i+1)); done
          if [ -d /proc/$pid ]; then kill -9 "$pid"; sleep 1; fi
        fi
        """
        + EngineConfig.START_SCRIPT
        + "\n";
  }

  /** Prints the end of the engine's log. */
  static String engineLog(boolean systemd) {
    return systemd
        ? "journalctl -u docker.service -n 40 --no-pager 2>&1"
        : "tail -n 40 " + EngineConfig.START_LOG + " 2>&1";
  }
}
