package io.machinehost.host.provision;

import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.ssh.CommandResult;
import io.machinehost.sdk.ssh.SshClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A machine as provisioning drives it: shell scripts run as root over one SSH connection (through
 * {@code sudo -n} unless the SSH user is root), and files written only when their content changes.
 */
final class RemoteHost {
  private final SshClient ssh;
  private final boolean root;

  RemoteHost(SshClient ssh, boolean root) {
    this.ssh = ssh;
    this.root = root;
  }

  /** Returns the command line that runs a script as root. */
  String asRoot(String script) {
    return (root ? "sh -c " : "sudo -n sh -c ") + EngineConfig.quote(script);
  }

  /**
   * Runs a script as root and returns what it gave, whatever its exit status.
   *
   * @throws ProvisionException naming the step if the connection fails or the time runs out
   */
  CommandResult run(String step, String script, Duration timeout) throws ProvisionException {
    return run(step, script, new byte[0], timeout);
  }

  private CommandResult run(String step, String script, byte[] stdin, Duration timeout)
      throws ProvisionException {
    try {
      return ssh.run(asRoot(script), stdin, timeout);
    } catch (DriverException e) {
      if (e.code() == DriverException.Code.CANCELLED) {
        throw ProvisionException.cancelled(step);
      }
      throw new ProvisionException(step, e.getMessage(), "", e);
    }
  }

  /**
   * Runs a script as root and returns its standard output.
   *
   * @throws ProvisionException naming the step, with the script's output, if it exits non-zero
   */
  String check(String step, String script, Duration timeout) throws ProvisionException {
    CommandResult result = run(step, script, timeout);
    if (!result.isSuccess()) {
      throw new ProvisionException(
          step, "the command exited with status " + result.exitStatus(), output(result), null);
    }
    return result.stdout();
  }

  /**
   * Writes a file as root (atomically, creating its directory) unless it already holds exactly this
   * content; sets its mode either way.
   *
   * @return whether the file changed
   * @throws ProvisionException naming the step and the file if it cannot be written
   */
  boolean write(String step, String path, String content, String mode) throws ProvisionException {
    String p = EngineConfig.quote(path);
    String script =
        String.join(
            "\n",
            "set -e",
            "mkdir -p \"$(dirname " + p + ")\"",
            "tmp=$(mktemp " + EngineConfig.quote(path + ".XXXXXX") + ")",
            "cat > \"$tmp\"",
            "chmod " + mode + " \"$tmp\"",
            "if [ -f " + p + " ] && cmp -s \"$tmp\" " + p + "; then",
            "  rm -f \"$tmp\"; chmod " + mode + " " + p + "; echo unchanged",
            "else",
            "  mv -f \"$tmp\" " + p + "; echo changed",
            "fi");
    CommandResult result =
        run(step, script, content.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(60));
    if (!result.isSuccess()) {
      throw new ProvisionException(
          step,
          "cannot write " + path + " (exit status " + result.exitStatus() + ")",
          output(result),
          null);
    }
    return result.stdout().strip().equals("changed");
  }

  /** Returns a command's standard output and error, for a message. */
  static String output(CommandResult result) {
    String out = result.stdout().strip();
    String err = result.stderr().strip();
    if (out.isEmpty()) {
      return err;
    }
    return err.isEmpty() ? out : out + "\n" + err;
  }
}
