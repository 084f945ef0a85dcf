package io.machinehost.host;

import io.machinehost.host.command.ActiveCommand;
import io.machinehost.host.command.CompletionCommand;
import io.machinehost.host.command.ConfigCommand;
import io.machinehost.host.command.CreateCommand;
import io.machinehost.host.command.EnvCommand;
import io.machinehost.host.command.ImportCommand;
import io.machinehost.host.command.InspectCommand;
import io.machinehost.host.command.LabelCommand;
import io.machinehost.host.command.LsCommand;
import io.machinehost.host.command.PluginLsCommand;
import io.machinehost.host.command.PowerCommand;
import io.machinehost.host.command.ProvisionCommand;
import io.machinehost.host.command.QueryCommand;
import io.machinehost.host.command.RegenerateCertsCommand;
import io.machinehost.host.command.RmCommand;
import io.machinehost.host.command.ScpCommand;
import io.machinehost.host.command.Session;
import io.machinehost.host.command.SshCommand;
import io.machinehost.host.command.VersionCommand;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code machine} command: global options and the subcommands. */
@Command(
    name = "machine",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    description = "Create and manage machines running Docker, through driver plugins.",
    footer = {
      "",
      "Run 'machine COMMAND --help' for more on a command; 'machine create -d DRIVER --help' lists"
          + " a driver's flags."
    })
public final class MachineCli implements Runnable {
  /** The subcommands, in the order help lists them. */
  private static final List<Class<?>> COMMANDS =
      List.of(
          CreateCommand.class,
          LsCommand.class,
          RmCommand.class,
          InspectCommand.class,
          QueryCommand.Status.class,
          QueryCommand.Ip.class,
          QueryCommand.Url.class,
          PowerCommand.Start.class,
          PowerCommand.Stop.class,
          PowerCommand.Restart.class,
          PowerCommand.Kill.class,
          SshCommand.class,
          ScpCommand.class,
          ActiveCommand.class,
          LabelCommand.class,
          EnvCommand.class,
          ConfigCommand.class,
          ProvisionCommand.class,
          RegenerateCertsCommand.class,
          ImportCommand.class,
          VersionCommand.class,
          MachineCli.PluginCommand.class,
          CompletionCommand.class);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = {"-s", "--storage-path"},
      scope = ScopeType.INHERIT,
      paramLabel = "DIR",
      converter = StoragePath.class,
      description = "Where machines are kept (default: $MACHINE_STORAGE_PATH, else ~/.machine).")
  Path storagePath;

  @Option(
      names = {"-D", "--debug"},
      scope = ScopeType.INHERIT,
      description = "Show plugin output, plugin launches and stack traces.")
  boolean debug;

  @Option(
      names = "--native-ssh",
      scope = ScopeType.INHERIT,
      description = "Use the built-in SSH client, not the system's ssh (also $MACHINE_NATIVE_SSH).")
  boolean nativeSsh;

  private final CliEnvironment environment;
  private Session session;

  /** A CLI in the process's own environment. */
  public MachineCli() {
    this(CliEnvironment.system());
  }

  /** A CLI in the given environment. */
  public MachineCli(CliEnvironment environment) {
    this.environment = environment;
  }

  /** Returns the environment the CLI runs in. */
  public CliEnvironment environment() {
    return environment;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Returns the store root the options select. */
  public Path storagePath() {
    return storagePath != null ? storagePath : environment.defaultStoragePath();
  }

  /** Returns whether {@code --debug} (or {@code MACHINE_DEBUG}) is on. */
  public boolean debug() {
    return debug || truthy(environment.env().get("MACHINE_DEBUG"));
  }

  /** Returns whether {@code --native-ssh} (or {@code MACHINE_NATIVE_SSH}) is on. */
  public boolean nativeSsh() {
    return nativeSsh || truthy(environment.env().get("MACHINE_NATIVE_SSH"));
  }

  private static boolean truthy(String value) {
    return value != null && (value.equals("1") || value.equalsIgnoreCase("true"));
  }

  /** Takes the global options another parse of the same command line found. */
  public void adopt(MachineCli parsed) {
    storagePath = parsed.storagePath;
    debug = parsed.debug;
    nativeSsh = parsed.nativeSsh;
  }

  /** Returns this command's session, made on first use; {@link #execute} closes it. */
  public synchronized Session session() {
    if (session == null) {
      session =
          new Session(storagePath(), environment.env(), debug(), nativeSsh(), environment.pools());
    }
    return session;
  }

  /** Reads {@code --storage-path}: an empty value would silently mean the current directory. */
  static final class StoragePath implements CommandLine.ITypeConverter<Path> {
    @Override
    public Path convert(String value) {
      if (value.isBlank()) {
        throw new CommandLine.TypeConversionException(
            "the storage path is empty; give a directory, or leave --storage-path out to use"
                + " $MACHINE_STORAGE_PATH or ~/.machine");
      }
      return Path.of(value);
    }
  }

  /** {@code machine plugin}. */
  @Command(
      name = "plugin",
      mixinStandardHelpOptions = true,
      description = "Driver plugins: list, test and benchmark them.",
      subcommands = {
        PluginLsCommand.class,
        io.machinehost.host.authoring.PluginNewCommand.class,
        io.machinehost.host.conformance.PluginTestCommand.class,
        io.machinehost.host.bench.PluginBenchCommand.class
      })
  static final class PluginCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }

  /**
   * Returns the command line for a CLI with the subcommands an argument list needs: only the one it
   * names, when it names one (building picocli's model of every command was half the work of a warm
   * {@code status}), else all of them (root help, completion, an unknown command's suggestions).
   */
  public static CommandLine commandLine(MachineCli cli, String... args) {
    CommandLine commandLine = new CommandLine(cli);
    String wanted = subcommandName(args);
    boolean known =
        wanted != null
            && COMMANDS.stream().anyMatch(c -> named(c.getAnnotation(Command.class), wanted));
    for (Class<?> command : COMMANDS) {
      Command annotation = command.getAnnotation(Command.class);
      if (!known || named(annotation, wanted)) {
        commandLine.addSubcommand(command);
        // Adding copies the root's parser settings over the subcommand's: apply its own again.
        // (picocli's own default, a no-op, is private and is skipped.)
        if (!java.lang.reflect.Modifier.isPrivate(annotation.modelTransformer().getModifiers())) {
          CommandLine sub = commandLine.getSubcommands().get(annotation.name());
          try {
            annotation
                .modelTransformer()
                .getDeclaredConstructor()
                .newInstance()
                .transform(sub.getCommandSpec());
          } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
          }
        }
      }
    }
    return commandLine;
  }

  private static boolean named(Command command, String name) {
    return command.name().equals(name) || List.of(command.aliases()).contains(name);
  }

  /** The command a line names; null for help and completion, which list every command. */
  private static String subcommandName(String... args) {
    String command = CommandLineShape.of(args).command();
    return "help".equals(command) || "completion".equals(command) ? null : command;
  }

  /**
   * Runs a command line to its end and returns the exit code; every plugin started is ended.
   *
   * @param environment the world the command runs in
   * @param out standard output
   * @param err standard error
   * @param args the arguments
   */
  public static int execute(
      CliEnvironment environment, PrintWriter out, PrintWriter err, String... args) {
    MachineCli cli = new MachineCli(environment);
    CommandLine commandLine = commandLine(cli, args);
    commandLine.setOut(out);
    commandLine.setErr(err);
    commandLine.setExecutionExceptionHandler(new ErrorReporter(cli));
    commandLine.setExitCodeExceptionMapper(ExitCodes::of);
    commandLine.setParameterExceptionHandler(new UsageErrorReporter());
    try {
      int prepared = CreateCommand.prepare(commandLine, cli, args);
      if (prepared != ExitCodes.OK) {
        return prepared;
      }
      return commandLine.execute(args);
    } finally {
      synchronized (cli) {
        if (cli.session != null) {
          cli.session.close();
        }
      }
      out.flush();
      err.flush();
    }
  }

  /** Runs the command line in this process's environment and returns its exit code. */
  public static int run(String... args) {
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    return execute(CliEnvironment.system(), out, err, args);
  }

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    System.exit(run(args));
  }
}
