package io.machinehost.sdk;

/** Optional operations a driver declares it supports; undeclared ones answer NOT_SUPPORTED. */
public enum Capability {
  /** {@link Driver#start}. */
  START,
  /** {@link Driver#stop}. */
  STOP,
  /** {@link Driver#kill}. */
  KILL,
  /** {@link Driver#restart}. */
  RESTART,
  /** The machine is reachable over SSH. */
  SSH,
  /** The host installs a Docker engine on the machine after create. */
  PROVISION,
  /** Create honours cancellation by removing what it made. */
  CANCEL_CREATE
}
