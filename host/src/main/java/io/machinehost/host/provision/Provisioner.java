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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

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
    engineConfig(0); // bad engine options fail before anything is touched
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
      RemoteHost host = new RemoteHost(ssh, requireRoot(ssh, target));
      HostScripts.Facts facts = facts(host);

      checkCancelled(HOSTNAME);
      String hostname = HostScripts.hostnameOf(record.name());
      progress("hostname", "Setting the host name to " + hostname);
      host.check(HOSTNAME, HostScripts.hostname(hostname), Duration.ofSeconds(30));

      checkCancelled(INSTALL);
      boolean installed = facts.dockerd().isEmpty();
      if (installed) {
        progress(
            "install-engine", "Installing the Docker engine (" + os.describe() + ": docker.io)");
        host.check(INSTALL, HostScripts.INSTALL, timeouts.install());
        facts = facts(host);
        if (facts.dockerd().isEmpty()) {
          throw new ProvisionException(
              INSTALL, "docker.io was installed but there is no dockerd on the PATH", "", null);
        }
      } else {
        progress("install-engine", "The Docker engine is installed (" + facts.dockerd() + ")");
      }

      checkCancelled(CERTS);
      String url = url(CERTS);
      DockerUrl docker = dockerUrl(CERTS, url);
      List<String> sans = serverNames(target.host(), docker.host());
      progress("certificates", "Installing the TLS certificates for " + String.join(", ", sans));
      boolean newCertificate = serverCertificate(sans, renewCertificate);
      boolean changed = installCertificates(host);

      checkCancelled(CONFIGURE);
      changed |= configure(host, facts, engineConfig(docker.port()), hostname);

      checkCancelled(START);
      EngineClient engine = engineClient(START);
      boolean running =
          host.run(START, HostScripts.running(facts.systemd()), Duration.ofSeconds(30)).isSuccess();
      // Idempotence: an engine that runs this very configuration and answers is left alone.
      String version = running && !changed ? tryVersion(engine, url) : null;
      boolean restarted = version == null;
      if (restarted) {
        progress("start-engine", (running ? "Restarting" : "Starting") + " the Docker engine");
        host.check(START, HostScripts.restart(facts.systemd()), Duration.ofMinutes(2));
        checkCancelled(CHECK);
        progress("check-engine", "Waiting for the Docker engine at " + url);
        version = waitForEngine(host, engine, url, facts.systemd());
      } else {
        progress("start-engine", "The Docker engine runs with this configuration already");
      }
      progress("check-engine", "Docker " + version + " is up and running at " + url, 1.0);
      return new Result(os, version, installed, restarted, newCertificate);
    }
  }

  private EngineConfig engineConfig(int urlPort) throws ProvisionException {
    try {
      return EngineConfig.of(record.hostOptions(), record.driverName(), urlPort);
    } catch (IllegalArgumentException e) {
      throw new ProvisionException(CONFIGURE, e.getMessage(), "", e);
    }
  }

  /**
   * Returns whether the SSH user is root; refuses one that cannot become root without a password.
   */
  private boolean requireRoot(SshClient ssh, SshTarget target) throws ProvisionException {
    boolean root = "0".equals(run(ssh, DETECT, "id -u").strip());
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
    return root;
  }

  private static HostScripts.Facts facts(RemoteHost host) throws ProvisionException {
    return HostScripts.Facts.parse(host.check(DETECT, HostScripts.FACTS, Duration.ofSeconds(30)));
  }

  /** Installs the CA, server certificate and key in /etc/docker; returns whether any changed. */
  private boolean installCertificates(RemoteHost host) throws ProvisionException {
    boolean changed = host.write(CERTS, EngineConfig.REMOTE_CA, local(CertificateStore.CA), "0644");
    changed |= host.write(CERTS, EngineConfig.REMOTE_CERT, local(CertificateStore.SERVER), "0644");
    changed |=
        host.write(CERTS, EngineConfig.REMOTE_KEY, local(CertificateStore.SERVER_KEY), "0600");
    return changed;
  }

  /** Writes daemon.json and what starts the engine at boot; returns whether any changed. */
  private boolean configure(
      RemoteHost host, HostScripts.Facts facts, EngineConfig config, String hostname)
      throws ProvisionException {
    progress(
        "configure-engine",
        "Configuring the engine for TLS on port "
            + String.join(", ", config.ports().stream().map(String::valueOf).toList())
            + (facts.systemd()
                ? " (systemd)"
                : " (started at boot by " + EngineConfig.START_SCRIPT + ")"));
    boolean changed = host.write(CONFIGURE, EngineConfig.DAEMON_JSON, config.daemonJson(), "0644");
    if (facts.systemd()) {
      changed |=
          host.write(
              CONFIGURE,
              EngineConfig.SYSTEMD_DROP_IN,
              config.systemdDropIn(facts.dockerd(), facts.containerd()),
              "0644");
      host.check(CONFIGURE, HostScripts.ENABLE_SYSTEMD, Duration.ofSeconds(60));
    } else {
      changed |=
          host.write(
              CONFIGURE,
              EngineConfig.START_SCRIPT,
              config.startScript(hostname, facts.dockerd()),
              "0755");
    }
    return changed;
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
    String content = run(ssh, DETECT, HostScripts.OS_RELEASE);
    if (content.startsWith(HostScripts.NO_OS_RELEASE)) {
      String system = content.substring(HostScripts.NO_OS_RELEASE.length()).strip();
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
      return Files.readString(machineDir.resolve(file));
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

  private static String tryVersion(EngineClient engine, String url) {
    try {
      return engine.version(url, Duration.ofSeconds(5));
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
      if (late
          && !host.run(CHECK, HostScripts.alive(systemd), Duration.ofSeconds(30)).isSuccess()) {
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

  private static String engineLog(RemoteHost host, boolean systemd) throws ProvisionException {
    return host.run(CHECK, HostScripts.engineLog(systemd), Duration.ofSeconds(30)).stdout();
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
