package io.machinehost.host;

/**
 * What a {@code machine} command line is before picocli reads it: the command it names, the store
 * it picks with {@code -s}/{@code --storage-path}, and whether it has only the global options the
 * shape knows. The front end decides from it whether the command server may answer, the server
 * which store it served, and the CLI which subcommand to build. Uses {@code java.base} only.
 *
 * @param command the first argument that is neither an option nor an option's value, or {@code
 *     null} (none, or only after {@code --})
 * @param storagePath the {@code --storage-path} value, wherever it stands, or {@code null}
 * @param plain whether every option before the command is {@code -s DIR}, {@code
 *     --storage-path[=]DIR}, {@code -D}, {@code --debug} or {@code --native-ssh}
 * @param help whether {@code -h} or {@code --help} appears
 * @param endOfOptions whether {@code --} appears
 */
public record CommandLineShape(
    String command, String storagePath, boolean plain, boolean help, boolean endOfOptions) {

  /** Reads the shape of an argument list. */
  public static CommandLineShape of(String... args) {
    String command = null;
    String storagePath = null;
    boolean plain = true;
    boolean help = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--")) {
        return new CommandLineShape(command, storagePath, plain, help, true);
      } else if (arg.equals("-h") || arg.equals("--help")) {
        help = true;
      } else if (arg.equals("-s") || arg.equals("--storage-path")) {
        if (i + 1 < args.length) {
          storagePath = args[++i];
        } else {
          plain = false;
        }
      } else if (arg.startsWith("--storage-path=")) {
        storagePath = arg.substring("--storage-path=".length());
      } else if (!arg.startsWith("-")) {
        if (command == null) {
          command = arg;
        }
      } else if (command == null
          && !arg.equals("-D")
          && !arg.equals("--debug")
          && !arg.equals("--native-ssh")) {
        plain = false;
      }
    }
    return new CommandLineShape(command, storagePath, plain, help, false);
  }
}
