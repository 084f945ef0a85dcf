package io.machinehost.host.command;

import io.machinehost.host.ExitCodes;
import io.machinehost.host.certs.CertificateStore;
import io.machinehost.host.driver.MachineDriver;
import io.machinehost.host.provision.DockerUrl;
import io.machinehost.host.provision.EngineClient;
import io.machinehost.host.store.MachineRecord;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.MachineState;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * How the {@code docker} CLI reaches a machine's engine ({@code env}, {@code config}, {@code
 * version NAME}): its URL and the TLS material in its directory, after checking the machine runs
 * and its certificates exist and name the URL's host.
 *
 * @param record the machine
 * @param driver its driver
 * @param url the engine's URL, {@code tcp://host:port}
 * @param certPath the machine's directory, which holds {@code ca.pem}, {@code cert.pem} and {@code
 *     key.pem}
 */
record EngineAccess(MachineRecord record, MachineDriver driver, String url, Path certPath) {

  /**
   * Looks a machine up and checks its engine can be reached with TLS.
   *
   * @throws CliException naming the machine, what is missing and the next step
   */
  static EngineAccess of(Session session, String name) throws CliException {
    MachineRecord record = session.load(name);
    MachineDriver driver = session.driver(record, session.callTimeout());
    MachineState state;
    String url;
    try {
      state = driver.getState();
      if (state != MachineState.RUNNING) {
        throw new CliException(
            String.format(
                "machine \"%s\" is not running (state %s); start it with \"machine start %s\"",
                name, state.displayName(), name));
      }
      url = driver.getUrl();
    } catch (DriverException e) {
      throw Session.failure(name, "cannot reach", e);
    }
    Path dir = session.store().machineDir(name);
    if (!EngineClient.hasCertificates(dir) || !Files.isRegularFile(dir.resolve("server.pem"))) {
      String why =
          "none".equals(record.driverName())
              ? "the none driver does not provision machines"
              : record.error().isEmpty() ? "it was not provisioned" : record.error();
      throw new CliException(
          String.format(
              "machine \"%s\" has no TLS certificates in %s (%s); provision it with \"machine"
                  + " provision %s\"",
              name, dir, why, name));
    }
    checkNames(name, dir, url);
    return new EngineAccess(record, driver, url, dir);
  }

  /** The engine's certificate must name the host of the URL, or the docker CLI refuses it. */
  private static void checkNames(String name, Path dir, String url) throws CliException {
    String host;
    try {
      host = DockerUrl.parse(url).host();
    } catch (IllegalArgumentException e) {
      throw new CliException(
          String.format(
              "the driver of machine \"%s\" reports the Docker URL \"%s\", which is not"
                  + " tcp://HOST:PORT",
              name, url));
    }
    List<String> sans;
    try {
      sans = CertificateStore.subjectAlternativeNames(dir.resolve("server.pem"));
    } catch (IOException e) {
      throw new CliException(
          ExitCodes.FAILURE,
          String.format(
              "the TLS certificate of machine \"%s\" cannot be read (%s); run \"machine"
                  + " regenerate-certs %s\"",
              name, e.getMessage(), name),
          e);
    }
    String wanted = normalized(host);
    if (sans.stream().map(EngineAccess::normalized).noneMatch(wanted::equals)) {
      throw new CliException(
          String.format(
              "the TLS certificate of machine \"%s\" is not valid for %s, where its engine is now"
                  + " (it names %s); run \"machine regenerate-certs %s\"",
              name, host, String.join(", ", sans), name));
    }
  }

  private static String normalized(String name) {
    if (name.matches("[0-9.]+|[0-9a-fA-F:]*:[0-9a-fA-F:.]*")) {
      try {
        return InetAddress.getByName(name).getHostAddress();
      } catch (IOException e) {
        return name;
      }
    }
    return name.toLowerCase(Locale.ROOT);
  }
}
