package io.machinehost.host.provision;

import io.machinehost.host.certs.CertificateStore;
import io.machinehost.host.store.MachineRecord;
import io.machinehost.sdk.Driver;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.Operation;
import io.machinehost.sdk.ssh.Ssh;
import io.machinehost.sdk.ssh.SshClient;
import io.machinehost.sdk.ssh.SshTarget;
import io.machinehost.sdk.ssh.SshjClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Makes a machine a Docker host reached with TLS, as Docker Machine's provisioners do, in steps
 * that each report progress: wait for SSH, detect the OS (Debian and Ubuntu), set the host name,
 * install Debian's {@code docker.io} if {@code dockerd} is missing, install the certificates in
 * {@code /etc/docker}, configure the engine (see {@link EngineConfig}) to start at boot, (re)start
 * it, and wait until it answers over TLS from here.
 *
 * <p>Running it again gives the same machine: files are only rewritten when their content changes,
 * a server certificate that still fits is kept, and a running engine whose configuration did not
 * change and that answers is left running.
 */
public final class Provisioner {
  /** The steps, as messages name them. */
  static final String WAIT_SSH = "wait for SSH";

  static final String DETECT = "detect the operating system";
  static final String HOSTNAME = "set the host name";
  static final String INSTALL = "install the Docker engine";
  static final String CERTS = "install the TLS certificates";
  static final String CONFIGURE = "configure the Docker engine";
  static final String START = "start the Docker engine";
  static final String CHECK = "check the Docker engine over TLS";

  private static final String NO_OS_RELEASE = "machinehost: no /etc/os-release";

  /**
   * How long each kind of wait may take.
   *
   * @param ssh until SSH accepts the key
   * @param install the package installation
   * @param engine until the engine answers over TLS after a start
   */
  public record Timeouts(Duration ssh, Duration install, Duration engine) {
    /** Docker Machine's SSH wait (3 minutes), 15 minutes to install, 90 s for the engine. */
    public static Timeouts defaults() {
      return new Timeouts(Duration.ofMinutes(3), Duration.ofMinutes(15), Duration.ofSeconds(90));
    }
  }

  /**
   * What provisioning found and did.
   *
   * @param os the machine's operating system
   * @param engineVersion the engine's version, as it answered over TLS
   * @param installed whether the engine was installed now
   * @param restarted whether the engine was (re)started
   * @param newCertificate whether a new server certificate was made
   */
  public record Result(
      OsRelease os,
      String engineVersion,
      boolean installed,
      boolean restarted,
      boolean newCertificate) {}

  private final Driver driver;
  private final MachineRecord record;
  private final Path machineDir;
  private final CertificateStore certificates;
  private final Operation operation;
  private final Timeouts timeouts;

  /**
   * Creates a provisioner for one machine.
   *
   * @param driver the machine's driver, for its SSH address and Docker URL
   * @param record the machine, for its name, driver name and engine options
   * @param machineDir its directory: certificates and the pinned host key live there
   * @param certificates the store's CA
   * @param operation receives progress; cancelling it stops provisioning
   */
  public Provisioner(
      Driver driver,
      MachineRecord record,
      Path machineDir,
      CertificateStore certificates,
      Operation operation,
      Timeouts timeouts) {
    this.driver = driver;
    this.record = record;
    this.machineDir = machineDir;
    this.certificates = certificates;
    this.operation = operation;
    this.timeouts = timeouts;
  }

  /**
   * Provisions the machine.
   *
   * @param renewCertificate make a new server certificate even if the current one still fits
   * @throws ProvisionException naming the step that failed, with its output
   */
  public Result provision(boolean renewCertificate) throws ProvisionException {
    String name = record.name();
    EngineConfig config;
    try {
      config = EngineConfig.of(record.hostOptions(), record.driverName(), 0);
    } catch (IllegalArgumentException e) {
      throw new ProvisionException(CONFIGURE, e.getMessage(), "", e);
    }
    SshTarget target = sshTarget();
    progress("wait-ssh", "Waiting for SSH on " + target);
    try {
      Ssh.waitFor(target, timeouts.ssh(), operation);
    } catch (DriverException e) {
      throw fromDriver(WAIT_SSH, e);
    }
    try (SshClient ssh = connect(target)) {
      operation.onCancel(ssh::close);
      progress("detect-os", "Detecting the operating system");
      OsRelease os = detect(ssh);
      boolean root = "0".equals(run(ssh, DETECT, "id -u").strip());
      RemoteHost host = new RemoteHost(ssh, root);
      if (!root && !succeeds(ssh, "sudo -n true")) {
        throw new ProvisionException(
            DETECT,
            String.format(
                "the SSH user %s is not root and cannot run sudo without a password; give it"
                    + " password-less sudo, or use root",
                target.user()),
            "",
            null);
      }
      Map<String, String> facts = facts(host);
      boolean systemd = "systemd".equals(facts.get("init"));

      checkCancelled(HOSTNAME);
      progress("hostname", "Setting the host name to " + hostname(name));
      host.check(HOSTNAME, hostnameScript(hostname(name)), Duration.ofSeconds(30));

      checkCancelled(INSTALL);
      String dockerd = facts.getOrDefault("dockerd", "");
      boolean installed = false;
      if (dockerd.isEmpty()) {
        progress(
            "install-engine", "Installing the Docker engine (" + os.describe() + ": docker.io)");
        host.check(INSTALL, installScript(), timeouts.install());
        facts = facts(host);
        dockerd = facts.getOrDefault("dockerd", "");
        if (dockerd.isEmpty()) {
          throw new ProvisionException(
              INSTALL, "docker.io was installed but there is no dockerd on the PATH", "", null);
        }
        installed = true;
      } else {
        progress("install-engine", "The Docker engine is installed (" + dockerd + ")");
      }

      checkCancelled(CERTS);
      String url = url(CERTS);
      DockerUrl docker = dockerUrl(CERTS, url);
      List<String> sans = serverNames(target.host(), docker.host());
      progress("certificates", "Installing the TLS certificates for " + String.join(", ", sans));
      boolean newCertificate = serverCertificate(sans, renewCertificate);
      boolean changed = false;
      changed |= host.write(CERTS, EngineConfig.REMOTE_CA, local(CertificateStore.CA), "0644");
      changed |=
          host.write(CERTS, EngineConfig.REMOTE_CERT, local(CertificateStore.SERVER), "0644");
      changed |=
          host.write(CERTS, EngineConfig.REMOTE_KEY, local(CertificateStore.SERVER_KEY), "0600");

      checkCancelled(CONFIGURE);
      config = EngineConfig.of(record.hostOptions(), record.driverName(), docker.port());
      progress(
          "configure-engine",
          "Configuring the engine for TLS on port "
              + config.ports().stream()
                  .map(String::valueOf)
                  .reduce((a, b) -> a + ", " + b)
                  .orElse("")
              + (systemd
                  ? " (systemd)"
                  : " (started at boot by " + EngineConfig.START_SCRIPT + ")"));
      changed |= host.write(CONFIGURE, EngineConfig.DAEMON_JSON, config.daemonJson(), "0644");
      if (systemd) {
        String containerd = facts.getOrDefault("containerd", "");
        changed |=
            host.write(
                CONFIGURE,
                EngineConfig.SYSTEMD_DROP_IN,
                config.systemdDropIn(dockerd, containerd),
                "0644");
        host.check(
            CONFIGURE,
            "systemctl daemon-reload && systemctl enable docker.service 2>&1",
            Duration.ofSeconds(60));
      } else {
        changed |=
            host.write(
                CONFIGURE,
                EngineConfig.START_SCRIPT,
                config.startScript(hostname(name), dockerd),
                "0755");
      }

      checkCancelled(START);
      EngineClient engine = engineClient(START);
      boolean running = host.run(START, runningScript(systemd), Duration.ofSeconds(30)).isSuccess();
      String version = null;
      boolean restarted = false;
      if (running && !changed) {
        version = tryVersion(engine, url, Duration.ofSeconds(5));
      }
      if (version == null) {
        progress("start-engine", (running ? "Restarting" : "Starting") + " the Docker engine");
        host.check(START, restartScript(systemd), Duration.ofMinutes(2));
        restarted = true;
      } else {
        progress("start-engine", "The Docker engine runs with this configuration already");
      }

      checkCancelled(CHECK);
      if (version == null) {
        progress("check-engine", "Waiting for the Docker engine at " + url);
        version = waitForEngine(host, engine, url, systemd);
      }
      progress("check-engine", "Docker " + version + " is up and running at " + url, 1.0);
      return new Result(os, version, installed, restarted, newCertificate);
    }
  }

  private SshTarget sshTarget() throws ProvisionException {
    try {
      String key = driver.getSshKeyPath();
      return SshTarget.of(
              driver.getSshHostname(),
              driver.getSshPort(),
              driver.getSshUsername(),
              key == null || key.isBlank() ? null : Path.of(key))
          .withKnownHosts(machineDir.resolve("known_hosts"));
    } catch (DriverException | IllegalArgumentException e) {
      throw new ProvisionException(
          WAIT_SSH, "the driver gave no usable SSH address: " + e.getMessage(), "", e);
    }
  }

  private SshClient connect(SshTarget target) throws ProvisionException {
    try {
      return SshjClient.connect(target);
    } catch (DriverException e) {
      throw fromDriver(WAIT_SSH, e);
    }
  }

  private OsRelease detect(SshClient ssh) throws ProvisionException {
    String content =
        run(
            ssh,
            DETECT,
            "cat /etc/os-release 2>/dev/null || { echo '" + NO_OS_RELEASE + "'; uname -sr; }");
    if (content.startsWith(NO_OS_RELEASE)) {
      String system = content.substring(NO_OS_RELEASE.length()).strip();
      throw new ProvisionException(
          DETECT,
          String.format(
              "the operating system is not supported: the machine has no /etc/os-release (uname:"
                  + " %s); provisioning supports Debian and Ubuntu",
              system.isEmpty() ? "unknown" : system),
          "",
          null);
    }
    OsRelease os = OsRelease.parse(content);
    if (!os.isSupported()) {
      throw new ProvisionException(
          DETECT,
          "the operating system is not supported: /etc/os-release names "
              + os.describe()
              + "; provisioning supports Debian and Ubuntu",
          "",
          null);
    }
    return os;
  }

  private String run(SshClient ssh, String step, String command) throws ProvisionException {
    try {
      var result = ssh.run(command);
      if (!result.isSuccess()) {
        throw new ProvisionException(
            step,
            "\"" + command + "\" exited with status " + result.exitStatus(),
            RemoteHost.output(result),
            null);
      }
      return result.stdout();
    } catch (DriverException e) {
      throw fromDriver(step, e);
    }
  }

  private boolean succeeds(SshClient ssh, String command) throws ProvisionException {
    try {
      return ssh.run(command).isSuccess();
    } catch (DriverException e) {
      throw fromDriver(DETECT, e);
    }
  }

  /** Asks the machine how it starts services, where dockerd is, and whether containerd runs. */
  private static Map<String, String> facts(RemoteHost host) throws ProvisionException {
    String out =
        host.check(
            DETECT,
            """
            if [ -d /run/systemd/system ]; then echo init=systemd; else echo init=other; fi
            PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
            echo dockerd=$(command -v dockerd || true)
            if [ -d /run/systemd/system ] && [ -S /run/containerd/containerd.sock ]; then
              echo containerd=/run/containerd/containerd.sock
            fi
            """,
            Duration.ofSeconds(30));
    Map<String, String> facts = new java.util.LinkedHashMap<>();
    for (String line : out.split("\\R")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        facts.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
      }
    }
    return facts;
  }

  /** A host name is at most 63 characters (one DNS label's length; Linux allows 64). */
  static String hostname(String machine) {
    return machine.length() <= 63 ? machine : machine.substring(0, 63);
  }

  /**
   * Sets the running host name, {@code /etc/hostname} and a {@code 127.0.1.1} line in {@code
   * /etc/hosts}, each only when it differs. Files are rewritten in place: in a container they are
   * bind mounts, which cannot be replaced by a rename.
   */
  static String hostnameScript(String name) {
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
        "fi");
  }

  static String installScript() {
    return """
        set -e
        export DEBIAN_FRONTEND=noninteractive
        apt-get -o DPkg::Lock::Timeout=300 -q update 2>&1
        apt-get -o DPkg::Lock::Timeout=300 -q install -y --no-install-recommends docker.io 2>&1
        """;
  }

  static String runningScript(boolean systemd) {
    if (systemd) {
      return "systemctl is-active --quiet docker.service";
    }
    return """
        pid=$(cat /var/run/docker.pid 2>/dev/null) \
          && [ "$(cat /proc/$pid/comm 2>/dev/null)" = dockerd ]
        """;
  }

  /** Stops the engine if it runs (waiting until it is gone), then starts it as at boot. */
  static String restartScript(boolean systemd) {
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

  private String url(String step) throws ProvisionException {
    try {
      return driver.getUrl();
    } catch (DriverException e) {
      throw new ProvisionException(step, "the driver gave no Docker URL: " + e.getMessage(), "", e);
    }
  }

  private static DockerUrl dockerUrl(String step, String url) throws ProvisionException {
    try {
      return DockerUrl.parse(url);
    } catch (IllegalArgumentException e) {
      throw new ProvisionException(step, e.getMessage(), "", e);
    }
  }

  /** The server certificate's names: how SSH and Docker reach it, its name, loopback, extras. */
  private List<String> serverNames(String sshHost, String urlHost) {
    List<String> extra = new ArrayList<>();
    String ip = "";
    try {
      ip = driver.getIp();
    } catch (DriverException e) {
      // the SSH and URL hosts still go in
    }
    extra.add(sshHost);
    extra.add(urlHost);
    extra.addAll(record.hostOptions().tlsSans());
    return CertificateStore.serverNames(record.name(), ip, extra);
  }

  private boolean serverCertificate(List<String> sans, boolean renew) throws ProvisionException {
    try {
      if (renew) {
        certificates.issueServerCertificate(machineDir, sans);
        return true;
      }
      return certificates.ensureServerCertificate(machineDir, sans);
    } catch (IOException e) {
      throw new ProvisionException(
          CERTS, "cannot make the certificates in " + machineDir + ": " + e.getMessage(), "", e);
    }
  }

  private String local(String file) throws ProvisionException {
    try {
      return java.nio.file.Files.readString(machineDir.resolve(file));
    } catch (IOException e) {
      throw new ProvisionException(CERTS, "cannot read " + machineDir.resolve(file), "", e);
    }
  }

  private EngineClient engineClient(String step) throws ProvisionException {
    try {
      return EngineClient.forMachine(machineDir, Duration.ofSeconds(5));
    } catch (IOException e) {
      throw new ProvisionException(step, e.getMessage(), "", e);
    }
  }

  private static String tryVersion(EngineClient engine, String url, Duration timeout) {
    try {
      return engine.version(url, timeout);
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /**
   * Waits until the engine answers over TLS. An engine that exits after starting (a bad flag, a
   * broken daemon.json) fails at once, with its log, rather than at the timeout.
   */
  private String waitForEngine(RemoteHost host, EngineClient engine, String url, boolean systemd)
      throws ProvisionException {
    long started = System.nanoTime();
    long deadline = started + timeouts.engine().toNanos();
    String last = "";
    long delay = 250;
    while (true) {
      checkCancelled(CHECK);
      try {
        return engine.version(url, Duration.ofSeconds(5));
      } catch (IOException e) {
        last = e.getMessage();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw ProvisionException.cancelled(CHECK);
      }
      boolean late = System.nanoTime() - started > Duration.ofSeconds(2).toNanos();
      if (late && !host.run(CHECK, aliveScript(systemd), Duration.ofSeconds(30)).isSuccess()) {
        throw new ProvisionException(
            CHECK,
            "the engine exited after it was started (" + last + "); its log follows",
            engineLog(host, systemd),
            null);
      }
      if (System.nanoTime() > deadline) {
        throw new ProvisionException(
            CHECK,
            String.format(
                "the engine did not answer over TLS within %d s: %s; its log follows",
                timeouts.engine().toSeconds(), last),
            engineLog(host, systemd),
            null);
      }
      try {
        Thread.sleep(delay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw ProvisionException.cancelled(CHECK);
      }
      delay = Math.min(2000, delay * 2);
    }
  }

  /** Succeeds while the engine runs or starts; fails once it has exited. */
  static String aliveScript(boolean systemd) {
    if (systemd) {
      return """
          state=$(systemctl show -p ActiveState --value docker.service)
          sub=$(systemctl show -p SubState --value docker.service)
          [ "$state" != failed ] && [ "$state" != inactive ] && [ "$sub" != auto-restart ]
          """;
    }
    return runningScript(false);
  }

  private static String engineLog(RemoteHost host, boolean systemd) throws ProvisionException {
    return host.run(
            CHECK,
            systemd
                ? "journalctl -u docker.service -n 40 --no-pager 2>&1"
                : "tail -n 40 " + EngineConfig.START_LOG + " 2>&1",
            Duration.ofSeconds(30))
        .stdout();
  }

  private void checkCancelled(String step) throws ProvisionException {
    if (operation.isCancelled() || Thread.currentThread().isInterrupted()) {
      throw ProvisionException.cancelled(step);
    }
  }

  private ProvisionException fromDriver(String step, DriverException e) {
    if (e.code() == DriverException.Code.CANCELLED || operation.isCancelled()) {
      return ProvisionException.cancelled(step);
    }
    return new ProvisionException(step, e.getMessage(), "", e);
  }

  private void progress(String step, String message) {
    operation.progress(step, message);
  }

  private void progress(String step, String message, double fraction) {
    operation.progress(step, message, fraction);
  }
}
