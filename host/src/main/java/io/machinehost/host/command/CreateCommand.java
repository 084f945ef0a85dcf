package io.machinehost.host.command;

import io.machinehost.host.ExitCodes;
import io.machinehost.host.MachineCli;
import io.machinehost.host.driver.MachineDriver;
import io.machinehost.host.store.MachineRecord;
import io.machinehost.host.store.StoreException;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.FlagValues;
import io.machinehost.sdk.Operation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParseResult;

/**
 * {@code machine create}: asks the driver for its flags, validates them, then configures, checks
 * and creates the machine. A create that fails or is cancelled leaves nothing behind.
 */
@Command(
    name = "create",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Create a machine with a driver.",
      "The driver's own flags are listed by 'machine create -d DRIVER --help'."
    })
public final class CreateCommand extends MachineCommand {
  private static final String IN_PROGRESS = "create did not finish";

  @Option(
      names = {"-d", "--driver"},
      paramLabel = "DRIVER",
      description = "The driver that makes the machine (default: $MACHINE_DRIVER).")
  String driver;

  @Parameters(index = "0", paramLabel = "NAME", description = "The new machine's name.")
  String name;

  @Option(
      names = "--engine-opt",
      paramLabel = "OPT",
      description = "A flag for the machine's Docker engine, e.g. log-level=debug (repeatable).")
  List<String> engineOptions = new ArrayList<>();

  @Option(
      names = "--engine-label",
      paramLabel = "KEY=VALUE",
      description = "A label for the machine's Docker engine (repeatable).")
  List<String> engineLabels = new ArrayList<>();

  @Option(
      names = "--engine-env",
      paramLabel = "KEY=VALUE",
      description = "An environment variable for the machine's Docker engine (repeatable).")
  List<String> engineEnv = new ArrayList<>();

  @Option(
      names = "--engine-insecure-registry",
      paramLabel = "REGISTRY",
      description = "A registry the engine may reach without TLS (repeatable).")
  List<String> insecureRegistries = new ArrayList<>();

  @Option(
      names = "--engine-registry-mirror",
      paramLabel = "URL",
      description = "A registry mirror for the engine (repeatable; env ENGINE_REGISTRY_MIRROR).")
  List<String> registryMirrors = new ArrayList<>();

  @Option(
      names = "--engine-storage-driver",
      paramLabel = "DRIVER",
      description = "The engine's storage driver.")
  String storageDriver = "";

  @Option(
      names = "--tls-san",
      paramLabel = "NAME",
      description = "An extra name or IP for the engine's TLS certificate (repeatable).")
  List<String> tlsSans = new ArrayList<>();

  @Option(
      names = "--label",
      paramLabel = "KEY=VALUE",
      description =
          "A label for the machine itself, for 'machine ls --filter label=' (repeatable).")
  List<String> labels = new ArrayList<>();

  @Option(
      names = "--no-provision",
      description = "Do not install or configure a Docker engine on the machine.")
  boolean noProvision;

  private DriverFlagOptions driverFlags;

  /**
   * Before the real parse: when the command line is a create with a driver, asks that driver for
   * its flags and adds them as options, so they parse, validate and show in --help like any other.
   *
   * @return {@link ExitCodes#OK} to go on, or the exit code of a failure already reported
   */
  public static int prepare(CommandLine commandLine, MachineCli cli, String... args) {
    if (!java.util.Arrays.asList(args).contains("create")) {
      return ExitCodes.OK; // no create on the line: spare every other command a second parse
    }
    MachineCli probe = new MachineCli(cli.environment());
    CommandLine scan = MachineCli.commandLine(probe, args);
    scan.setUnmatchedArgumentsAllowed(true);
    ParseResult parsed;
    try {
      parsed = scan.parseArgs(args);
    } catch (CommandLine.ParameterException e) {
      return ExitCodes.OK; // the real parse reports it
    }
    ParseResult sub = parsed.subcommand();
    if (sub == null || !sub.commandSpec().name().equals("create")) {
      return ExitCodes.OK;
    }
    CreateCommand probed = (CreateCommand) sub.commandSpec().userObject();
    String driver = probed.driverOrEnv(cli.environment().env());
    if (driver == null) {
      return ExitCodes.OK;
    }
    cli.adopt(probe);
    CommandLine create = commandLine.getSubcommands().get("create");
    CreateCommand command = (CreateCommand) create.getCommand();
    try {
      MachineDriver plugin = cli.session().drivers().plugin(driver);
      command.driverFlags =
          DriverFlagOptions.install(create.getCommandSpec(), driver, plugin.getCreateFlags());
      return ExitCodes.OK;
    } catch (CliException | DriverException e) {
      commandLine.getErr().println("Error: " + e.getMessage());
      return ExitCodes.of(e);
    }
  }

  private String driverOrEnv(Map<String, String> env) {
    if (driver != null && !driver.isBlank()) {
      return driver;
    }
    String fromEnv = env.get("MACHINE_DRIVER");
    return fromEnv == null || fromEnv.isBlank() ? null : fromEnv;
  }

  @Override
  public Integer call() throws CliException {
    Session session = session();
    String driverName = driverOrEnv(session.env());
    if (driverName == null) {
      throw new CliException(
          ExitCodes.USAGE,
          "no driver given: use -d DRIVER (or set MACHINE_DRIVER); \"machine plugin ls\" lists the"
              + " drivers installed",
          null);
    }
    checkName(name);
    Map<String, String> machineLabels = LabelCommand.parse(labels);
    Provisioning.validate(
        new MachineRecord.HostOptions(
            engineOptions,
            engineLabels,
            engineEnv,
            insecureRegistries,
            registryMirrors,
            storageDriver,
            tlsSans,
            true,
            null,
            null),
        driverName);
    if (session.store().exists(name)) {
      throw new CliException(
          String.format(
              "machine \"%s\" already exists; choose another name, or remove it first with"
                  + " \"machine rm %s\"",
              name, name));
    }
    if (driverFlags == null || !driverFlags.driver().equals(driverName)) {
      throw new CliException("the flags of the " + driverName + " driver could not be read");
    }
    FlagValues values;
    try {
      values = FlagValues.validate(driverFlags.flags(), driverFlags.values(session.env(), err()));
    } catch (DriverException e) {
      throw new CliException(
          ExitCodes.USAGE,
          e.getMessage() + "; see \"machine create -d " + driverName + " --help\"",
          e);
    }
    MachineDriver machine = session.drivers().machine(driverName, name, "", session.callTimeout());
    try {
      machine.setConfigFromFlags(values);
      machine.preCreateCheck();
    } catch (DriverException e) {
      throw new CliException(
          ExitCodes.of(e),
          String.format("cannot create machine \"%s\": %s", name, e.getMessage()),
          e);
    }
    reserve(session, machine, driverName, machineLabels);
    boolean terminal = cli().environment().interactive();
    err().printf("Creating machine \"%s\" with the %s driver...%n", name, driverName);
    err().flush();
    MachineRecord created;
    try (HostOperation operation = new HostOperation(name, err(), terminal, false)) {
      try {
        machine.create(operation);
        operation.finishLine();
        session.saveConfig(name, machine.getConfigRaw());
        created = session.store().update(name, r -> r.withError(""));
      } catch (DriverException | CliException | StoreException | RuntimeException e) {
        operation.finishLine();
        throw undo(session, machine, operation.isCancelled(), e);
      }
    }
    if (noProvision || !Provisioning.supported(driverName, machine)) {
      out().printf("Machine \"%s\" was created.%n", name);
      return ExitCodes.OK;
    }
    // A failed provisioning keeps the machine: "machine provision" finishes it.
    err().printf("Provisioning \"%s\" with Docker...%n", name);
    err().flush();
    try (HostOperation operation = new HostOperation(name, err(), terminal, false)) {
      Provisioning.run(session, created, machine, operation, true, false);
    }
    out().printf("Machine \"%s\" was created and runs Docker.%n", name);
    out().printf("To point your docker client at its engine, run: eval $(machine env %s)%n", name);
    return ExitCodes.OK;
  }

  // The record is written before the driver creates anything: if the host dies mid-create, the
  // machine shows in Error with the reason, and "machine rm" removes what the driver made.
  private void reserve(
      Session session, MachineDriver machine, String driverName, Map<String, String> labels)
      throws CliException {
    try {
      session.store().reserve(name);
      MachineRecord record =
          new MachineRecord(
              name,
              driverName,
              Session.parseConfig(name, machine.getConfigRaw()),
              hostOptions(machine, labels),
              Instant.now(),
              IN_PROGRESS + "; remove it with \"machine rm -f " + name + "\"");
      session.store().save(record);
    } catch (StoreException e) {
      throw new CliException(
          ExitCodes.FAILURE,
          e.kind() == StoreException.Kind.ALREADY_EXISTS
              ? String.format(
                  "machine \"%s\" already exists; choose another name, or remove it first with"
                      + " \"machine rm %s\"",
                  name, name)
              : e.getMessage(),
          e);
    }
  }

  private MachineRecord.HostOptions hostOptions(
      MachineDriver machine, Map<String, String> machineLabels) {
    List<String> mirrors = new ArrayList<>(registryMirrors);
    String envMirror = session().env().get("ENGINE_REGISTRY_MIRROR");
    if (mirrors.isEmpty() && envMirror != null && !envMirror.isBlank()) {
      mirrors.add(envMirror);
    }
    List<String> secrets = new ArrayList<>(machine.secretConfigKeys());
    return new MachineRecord.HostOptions(
        engineOptions,
        engineLabels,
        engineEnv,
        insecureRegistries,
        mirrors,
        storageDriver,
        tlsSans,
        !noProvision,
        machineLabels,
        secrets);
  }

  /** Removes what a failed create made: the driver's resources, then the machine directory. */
  private CliException undo(
      Session session, MachineDriver machine, boolean cancelled, Exception failure) {
    String cleanup = "";
    try {
      machine.remove(Operation.none());
    } catch (DriverException e) {
      cleanup =
          String.format(
              "; the driver could not clean up (%s): check the provider, then run \"machine rm -f"
                  + " %s\"",
              e.getMessage(), name);
    }
    if (cleanup.isEmpty()) {
      try {
        session.store().remove(name);
      } catch (StoreException e) {
        cleanup = "; " + e.getMessage();
      }
    } else {
      try {
        session
            .store()
            .update(name, r -> r.withError("create failed" + " (" + failure.getMessage() + ")"));
      } catch (StoreException e) {
        cleanup += "; " + e.getMessage();
      }
    }
    if (cancelled) {
      return new CliException(
          ExitCodes.INTERRUPTED,
          String.format(
              "create of machine \"%s\" cancelled%s",
              name, cleanup.isEmpty() ? "; nothing was left behind" : cleanup),
          failure);
    }
    String reason =
        failure instanceof DriverException e
            ? e.getMessage()
            : failure.getMessage() == null ? failure.toString() : failure.getMessage();
    return new CliException(
        ExitCodes.of(failure),
        String.format(
            "creating machine \"%s\" failed: %s%s",
            name, reason, cleanup.isEmpty() ? "; nothing was left behind" : cleanup),
        failure);
  }
}
