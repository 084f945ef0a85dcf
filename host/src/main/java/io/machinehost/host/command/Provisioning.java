package io.machinehost.host.command;

import io.machinehost.host.ExitCodes;
import io.machinehost.host.certs.CertificateStore;
import io.machinehost.host.driver.MachineDriver;
import io.machinehost.host.provision.EngineClient;
import io.machinehost.host.provision.EngineConfig;
import io.machinehost.host.provision.ProvisionException;
import io.machinehost.host.provision.Provisioner;
import io.machinehost.host.store.MachineRecord;
import io.machinehost.host.store.StoreException;
import io.machinehost.sdk.Capability;
import io.machinehost.sdk.Driver;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.Operation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Runs the {@link Provisioner} for a command ({@code create}, {@code provision}, {@code
 * regenerate-certs}) and keeps the machine's record in step: marked while provisioning runs, marked
 * with the failure when it fails, cleared when it succeeds.
 */
final class Provisioning {
  /** How long a started machine's engine may take to answer again. */
  private static final Duration ENGINE_BACK = Duration.ofSeconds(90);

  private Provisioning() {}

  /** Returns whether a driver's machines get a Docker engine: not none, and it declares so. */
  static boolean supported(String driverName, MachineDriver driver) {
    return !"none".equals(driverName) && driver.capabilities().contains(Capability.PROVISION);
  }

  /**
   * Refuses to provision a machine whose driver does not support it.
   *
   * @throws CliException naming the machine and the driver
   */
  static void requireSupported(MachineRecord record, MachineDriver driver) throws CliException {
    if ("none".equals(record.driverName())) {
      throw new CliException(
          String.format(
              "machine \"%s\" uses the none driver, which has no machine to provision: it only"
                  + " points at an engine that exists already",
              record.name()));
    }
    if (!driver.capabilities().contains(Capability.PROVISION)) {
      throw new CliException(
          String.format(
              "machine \"%s\" cannot be provisioned: its driver %s does not declare the PROVISION"
                  + " capability",
              record.name(), record.driverName()));
    }
  }

  /**
   * Checks engine options before anything is created.
   *
   * @throws CliException ({@link ExitCodes#USAGE}) naming the bad option
   */
  static void validate(MachineRecord.HostOptions options, String driverName) throws CliException {
    try {
      EngineConfig.of(options, driverName, 0);
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.USAGE, e.getMessage(), e);
    }
  }

  /**
   * Provisions a machine.
   *
   * @param afterCreate whether the machine was just created (the message then says it is kept)
   * @param renewCertificate make a new server certificate even if the current one fits
   * @throws CliException naming the machine, the failed step with its output, and what to do
   */
  static Provisioner.Result run(
      Session session,
      MachineRecord record,
      Driver driver,
      HostOperation operation,
      boolean afterCreate,
      boolean renewCertificate)
      throws CliException {
    String name = record.name();
    mark(
        session,
        name,
        String.format(
            "provisioning did not finish; run \"machine provision %s\" to finish it", name),
        false);
    Provisioner provisioner =
        new Provisioner(
            driver,
            record,
            session.store().machineDir(name),
            session.certificates(),
            operation,
            Provisioner.Timeouts.defaults());
    try {
      Provisioner.Result result = provisioner.provision(renewCertificate);
      operation.finishLine();
      mark(session, name, "", true);
      return result;
    } catch (ProvisionException e) {
      operation.finishLine();
      String next =
          String.format(
              "fix the problem and run \"machine provision %s\" again, or remove the machine with"
                  + " \"machine rm %s\"",
              name, name);
      if (e.isCancelled() || operation.isCancelled()) {
        mark(session, name, "provisioning was cancelled at step \"" + e.step() + "\"", false);
        throw new CliException(
            ExitCodes.INTERRUPTED,
            String.format(
                "provisioning machine \"%s\" was cancelled at step \"%s\"; the machine is kept:"
                    + " run \"machine provision %s\" to finish it, or \"machine rm %s\"",
                name, e.step(), name, name),
            e);
      }
      mark(
          session,
          name,
          String.format("provisioning failed at step \"%s\": %s", e.step(), e.reason()),
          false);
      String what =
          afterCreate
              ? String.format(
                  "machine \"%s\" was created, but provisioning it failed: %s%nThe machine is kept:"
                      + " %s",
                  name, e.getMessage(), next)
              : String.format(
                  "provisioning machine \"%s\" failed: %s%n%s",
                  name, e.getMessage(), capitalized(next));
      throw new CliException(ExitCodes.FAILURE, what, e);
    }
  }

  private static String capitalized(String text) {
    return Character.toUpperCase(text.charAt(0)) + text.substring(1);
  }

  /** Sets the record's error; on success also records that the machine is provisioned. */
  private static void mark(Session session, String name, String error, boolean provisioned)
      throws CliException {
    try {
      session
          .store()
          .update(
              name,
              r -> {
                MachineRecord marked = r.withError(error);
                return provisioned ? marked.withHostOptions(provisioned(r.hostOptions())) : marked;
              });
    } catch (StoreException e) {
      throw new CliException(ExitCodes.FAILURE, e.getMessage(), e);
    }
  }

  private static MachineRecord.HostOptions provisioned(MachineRecord.HostOptions o) {
    return new MachineRecord.HostOptions(
        o.engineOptions(),
        o.engineLabels(),
        o.engineEnv(),
        o.insecureRegistries(),
        o.registryMirrors(),
        o.storageDriver(),
        o.tlsSans(),
        true,
        o.labels(),
        o.secretConfigKeys());
  }

  /**
   * After a start or restart, waits until a provisioned machine's engine answers over TLS again, as
   * Docker Machine does; machines never provisioned (or whose provisioning failed) are not waited
   * for.
   *
   * @throws CliException naming the machine if the engine does not come back in time
   */
  static void awaitEngine(Session session, MachineRecord record, Driver driver, Operation operation)
      throws CliException {
    Path dir = session.store().machineDir(record.name());
    if (!record.hostOptions().provision()
        || !record.error().isEmpty()
        || !EngineClient.hasCertificates(dir)
        || !Files.isRegularFile(dir.resolve(CertificateStore.SERVER))) {
      return;
    }
    String name = record.name();
    long deadline = System.nanoTime() + ENGINE_BACK.toNanos();
    String last = "";
    try {
      String url = driver.getUrl();
      operation.progress("wait-engine", "Waiting for the Docker engine at " + url);
      EngineClient engine = EngineClient.forMachine(dir, Duration.ofSeconds(5));
      while (!operation.isCancelled()) {
        try {
          String version = engine.version(url, Duration.ofSeconds(5));
          operation.progress("wait-engine", "Docker " + version + " is up and running", 1.0);
          return;
        } catch (IOException e) {
          last = e.getMessage();
        }
        if (System.nanoTime() > deadline) {
          break;
        }
        Thread.sleep(500);
      }
    } catch (DriverException e) {
      last = e.getMessage();
    } catch (IOException e) {
      last = e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      last = "interrupted";
    }
    throw new CliException(
        String.format(
            "the Docker engine of machine \"%s\" did not come back within %d s (%s); run"
                + " \"machine provision %s\" to set it up again",
            name, ENGINE_BACK.toSeconds(), last, name));
  }
}
