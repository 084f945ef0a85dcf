package io.machinehost.sdk;

/**
 * The state of a machine, in Docker Machine's order, plus {@link #NOT_FOUND} (the instance no
 * longer exists at the provider).
 */
public enum MachineState {
  NONE("None"),
  RUNNING("Running"),
  PAUSED("Paused"),
  SAVED("Saved"),
  STOPPED("Stopped"),
  STOPPING("Stopping"),
  STARTING("Starting"),
  ERROR("Error"),
  TIMEOUT("Timeout"),
  NOT_FOUND("NotFound");

  private final String displayName;

  MachineState(String displayName) {
    this.displayName = displayName;
  }

  /** Returns the name Docker Machine prints, e.g. {@code Running}. */
  public String displayName() {
    return displayName;
  }

  /**
   * Returns the state with the given display name, ignoring case.
   *
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
