package io.machinehost.sdk;

/**
 * The state of a machine, in Docker Machine's order, plus {@link #NOT_FOUND} (the instance no
 * longer exists at the provider).
 */
public enum MachineState {
  /** No state known yet. */
  NONE("None"),
  /** Up: its engine can be reached. */
  RUNNING("Running"),
  /** Paused, its memory kept. */
  PAUSED("Paused"),
  /** Suspended to disk. */
  SAVED("Saved"),
  /** Stopped; start brings it back. */
  STOPPED("Stopped"),
  /** Stopping. */
  STOPPING("Stopping"),
  /** Starting. */
  STARTING("Starting"),
  /** The provider reports it broken. */
  ERROR("Error"),
  /** The state could not be learnt in time. */
  TIMEOUT("Timeout"),
  /** The instance no longer exists at the provider. */
  NOT_FOUND("NotFound");

  private final String displayName;

  MachineState(String displayName) {
    this.displayName = displayName;
  }

  /**
   * Returns the name Docker Machine prints.
   *
   * @return the name, e.g. {@code Running}
   */
  public String displayName() {
    return displayName;
  }

  /**
   * Returns the state with the given display name, ignoring case.
   *
   * @param name a display name ({@code Running}) or a constant's name ({@code NOT_FOUND})
   * @return the state
   * @throws IllegalArgumentException if no state has that name
   */
  public static MachineState fromDisplayName(String name) {
    for (MachineState state : values()) {
      if (state.displayName.equalsIgnoreCase(name) || state.name().equalsIgnoreCase(name)) {
        return state;
      }
    }
    throw new IllegalArgumentException("unknown machine state \"" + name + "\"");
  }

  @Override
  public String toString() {
    return displayName;
  }
}
