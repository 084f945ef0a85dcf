package io.machinehost.host.command;

import io.machinehost.host.ExitCodes;
import io.machinehost.host.provision.EngineConfig;
import io.machinehost.host.provision.ProvisionException;
import io.machinehost.host.provision.Provisioner;
import io.machinehost.host.store.MachineRecord;
import io.machinehost.host.store.StoreException;
import io.machinehost.sdk.Capability;
import io.machinehost.sdk.Driver;
import io.machinehost.sdk.rpc.GrpcDriverClient;

/**
 * Runs the {@link Provisioner} for a command ({@code create}, {@code provision}, {@code
 * regenerate-certs}) and keeps the machine's record in step: marked while provisioning runs, marked
 * with the failure when it fails, cleared when it succeeds.
 */
final class Provisioning {
  private Provisioning() {}

  /** Returns whether a driver's machines get a Docker engine: not none, and it declares so. */
  static boolean supported(String driverName, GrpcDriverClient driver) {
    return !"none".equals(driverName) && driver.capabilities().contains(Capability.PROVISION);
  }

  /**
   * Refuses to provision a machine whose driver does not support it.
   *
   * @throws CliException naming the machine and the driver
   */
  static void requireSupported(MachineRecord record, GrpcDriverClient driver) throws CliException {
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
}
