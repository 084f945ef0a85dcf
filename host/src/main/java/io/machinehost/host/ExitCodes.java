package io.machinehost.host;

import io.machinehost.host.command.CliException;
import io.machinehost.host.plugin.PluginLaunchException;
import io.machinehost.host.store.MachineNames;
import io.machinehost.host.store.StoreException;
import io.machinehost.sdk.DriverException;

/** The exit codes of {@code machine}, and the one place that maps failures to them. */
public final class ExitCodes {
  /** Success. */
  public static final int OK = 0;

  /** The operation failed. */
  public static final int FAILURE = 1;

  /** Bad usage: an unknown option, a bad value, a missing argument (picocli's convention). */
  public static final int USAGE = 2;

  /** A driver plugin could not be found or launched. */
  public static final int PLUGIN = 3;

  /** Interrupted by the user (Ctrl-C), as shells report SIGINT. */
  public static final int INTERRUPTED = 130;

  private ExitCodes() {}

  /** Returns the exit code for a failure. */
  public static int of(Throwable failure) {
    if (failure instanceof CliException e) {
      return e.exitCode();
    }
    if (failure instanceof PluginLaunchException) {
      return PLUGIN;
    }
    if (failure instanceof DriverException e) {
      return switch (e.code()) {
        case INVALID_ARGUMENT -> USAGE;
        case CANCELLED -> INTERRUPTED;
        default -> FAILURE;
      };
    }
    if (failure instanceof MachineNames.InvalidNameException) {
      return USAGE;
    }
    if (failure instanceof StoreException) {
      return FAILURE;
    }
    return FAILURE;
  }
}
