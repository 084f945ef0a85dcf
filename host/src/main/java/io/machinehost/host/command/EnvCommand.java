package io.machinehost.host.command;

import io.machinehost.host.ExitCodes;
import io.machinehost.sdk.DriverException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code machine env}: the shell lines that point the {@code docker} CLI at a machine's engine
 * ({@code DOCKER_HOST}, {@code DOCKER_TLS_VERIFY}, {@code DOCKER_CERT_PATH}, {@code
 * DOCKER_MACHINE_NAME}), for {@code eval $(machine env NAME)}; {@code --unset} gives the lines that
 * remove them.
 */
@Command(
    name = "env",
    mixinStandardHelpOptions = true,
    description = {
      "Print the commands that point the docker CLI at a machine's engine.",
      "Run: eval $(machine env NAME)"
    })
public final class EnvCommand extends MachineCommand {
  static final List<String> VARIABLES =
      List.of("DOCKER_TLS_VERIFY", "DOCKER_HOST", "DOCKER_CERT_PATH", "DOCKER_MACHINE_NAME");

  @Parameters(
      paramLabel = "NAME",
      arity = "0..1",
      description = "The machine (default: the machine \"default\").")
  String name;

  @Option(
      names = "--shell",
      paramLabel = "SHELL",
      description = "bash, fish, tcsh, powershell or cmd (default: from $SHELL, else bash).")
  String shell;

  @Option(
      names = {"-u", "--unset"},
      description = "Print the commands that remove the variables instead.")
  boolean unset;

  @Option(names = "--no-proxy", description = "Also add the machine's IP address to NO_PROXY.")
  boolean noProxy;

  @Override
  public Integer call() throws CliException {
    ShellSyntax syntax = ShellSyntax.choose(shell, session().env().get("SHELL"));
    List<String> lines = new ArrayList<>();
    if (unset) {
      VARIABLES.forEach(v -> lines.add(syntax.unset(v)));
      if (noProxy) {
        lines.add(syntax.unset(proxyVariable()));
      }
      lines.add(syntax.comment("Run this command to configure your shell:"));
      lines.add(syntax.usage(commandLine(null)));
    } else {
      String machine = namesOrDefault(name == null ? List.of() : List.of(name)).get(0);
      EngineAccess access = EngineAccess.of(session(), machine);
      Map<String, String> values = new LinkedHashMap<>();
      values.put("DOCKER_TLS_VERIFY", "1");
      values.put("DOCKER_HOST", access.url());
      values.put("DOCKER_CERT_PATH", access.certPath().toString());
      values.put("DOCKER_MACHINE_NAME", machine);
      if (noProxy) {
        values.put(proxyVariable(), noProxyValue(machine, access));
      }
      values.forEach((k, v) -> lines.add(syntax.set(k, v)));
      lines.add(syntax.comment("Run this command to configure your shell:"));
      lines.add(syntax.usage(commandLine(machine)));
    }
    lines.forEach(out()::println);
    return ExitCodes.OK;
  }

  /** NO_PROXY, or no_proxy when only that one is set, as docker-machine does. */
  private String proxyVariable() {
    Map<String, String> env = session().env();
    return env.get("NO_PROXY") == null && env.get("no_proxy") != null ? "no_proxy" : "NO_PROXY";
  }

  private String noProxyValue(String machine, EngineAccess access) throws CliException {
    String ip;
    try {
      ip = access.driver().getIp();
    } catch (DriverException e) {
      throw Session.failure(machine, "cannot get the IP address of", e);
    }
    String current = session().env().getOrDefault(proxyVariable(), "");
    List<String> entries = new ArrayList<>();
    Arrays.stream(current.split(","))
        .map(String::strip)
        .filter(s -> !s.isEmpty())
        .forEach(entries::add);
    if (!entries.contains(ip)) {
      entries.add(ip);
    }
    return String.join(",", entries);
  }

  /** The command line the usage hint shows: this one, with the options that change the output. */
  private String commandLine(String machine) {
    List<String> words = new ArrayList<>(List.of("machine"));
    // A store given with -s must be given again, or the command would look in another one.
    if (!session()
        .storagePath()
        .equals(cli().environment().defaultStoragePath().toAbsolutePath().normalize())) {
      words.add("-s");
      words.add(quoteIfNeeded(session().storagePath().toString()));
    }
    words.add("env");
    if (shell != null && !shell.isBlank()) {
      words.add("--shell");
      words.add(shell.strip());
    }
    if (unset) {
      words.add("-u");
    }
    if (noProxy) {
      words.add("--no-proxy");
    }
    if (machine != null) {
      words.add(machine);
    }
    return String.join(" ", words);
  }

  private static String quoteIfNeeded(String word) {
    return word.matches("[A-Za-z0-9_@%+=:,./-]+") ? word : "\"" + word + "\"";
  }
}
