package io.machinehost.host.command;

import io.machinehost.host.ExitCodes;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code machine completion bash|zsh}: a shell completion script; starts no plugin. */
@Command(
    name = "completion",
    mixinStandardHelpOptions = true,
    description = {
      "Print a shell completion script.",
      "bash: source <(machine completion bash)",
      "zsh:  autoload -U +X bashcompinit && bashcompinit; source <(machine completion zsh)"
    })
public final class CompletionCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "SHELL", description = "bash or zsh.")
  Shell shell;

  /** The shells a script is made for. */
  enum Shell {
    bash,
    zsh
  }

  @Override
  public Integer call() {
    CommandLine root = spec.root().commandLine();
    // picocli's script serves both: zsh runs it through bashcompinit.
    spec.commandLine().getOut().print(AutoComplete.bash("machine", root));
    spec.commandLine().getOut().flush();
    return ExitCodes.OK;
  }
}
