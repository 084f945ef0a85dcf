package io.machinehost.host.store;

import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

/** Where machines are kept: {@code <storage>/machines/<name>/config.json}. */
public interface MachineStore {
  /** Returns the store root. */
  Path root();

  /** Returns a machine's directory (which may not exist). */
  Path machineDir(String name);

  /** Returns whether a machine exists. */
  boolean exists(String name);

  /**
   * Reads a machine.
   *
   * @throws StoreException NOT_FOUND, or CORRUPT naming the file and the next step
   */
  MachineRecord load(String name) throws StoreException;

  /**
   * Returns every machine directory, sorted by name; unreadable ones carry their problem.
   *
   * @throws StoreException if the store itself cannot be read (not a directory, no permission)
   */
  List<StoreEntry> list() throws StoreException;

  /**
   * Reserves a new machine's directory; fails if the name is taken. Nothing else is written.
   *
   * @throws StoreException ALREADY_EXISTS or IO
   */
  Path reserve(String name) throws StoreException;

  /**
   * Writes a machine's record atomically.
   *
   * @throws StoreException IO
   */
  void save(MachineRecord record) throws StoreException;

  /**
   * Reads, changes and writes a machine's record under its lock, so concurrent updates are all
   * kept.
   *
   * @throws StoreException NOT_FOUND, CORRUPT or IO
   */
  MachineRecord update(String name, UnaryOperator<MachineRecord> change) throws StoreException;

  /**
   * Deletes a machine's directory and everything in it; a missing one is fine.
   *
   * @throws StoreException IO
   */
  void remove(String name) throws StoreException;
}
