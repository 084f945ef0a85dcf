package io.machinehost.host.store;

import java.util.Optional;

/**
 * A machine directory as found by a listing: its record, or why it could not be read.
 *
 * @param name the directory's name
 * @param record the record, if it could be read
 * @param problem why it could not, if it could not
 */
public record StoreEntry(String name, Optional<MachineRecord> record, Optional<String> problem) {
  static StoreEntry of(MachineRecord record) {
    return new StoreEntry(record.name(), Optional.of(record), Optional.empty());
  }

  static StoreEntry broken(String name, String problem) {
    return new StoreEntry(name, Optional.empty(), Optional.of(problem));
  }
}
