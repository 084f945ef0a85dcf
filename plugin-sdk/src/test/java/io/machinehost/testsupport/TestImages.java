package io.machinehost.testsupport;

/**
 * The images the integration tests use, named in this one place. {@code make testbed} builds them
 * from {@code <module>/src/test/docker/<name>/Dockerfile}; nothing is ever pulled.
 */
public final class TestImages {
  /** OpenSSH's sshd as a machine: plugin-sdk/src/test/docker/sshd-target. */
  public static final String SSHD_TARGET = "machinehost/sshd-target:latest";

  /**
   * The docker driver's machine, a Debian container that can run a Docker engine:
   * plugins/docker/src/main/docker/machine.
   */
  public static final String MACHINE = "machinehost/machine:latest";

  /** A Debian booted by systemd, without Docker: host/src/test/docker/systemd-target. */
  public static final String SYSTEMD_TARGET = "machinehost/systemd-target:latest";

  /** The debootstrapped Debian all project images start from. */
  public static final String DEBIAN = "machinehost/debian:bookworm";

  private TestImages() {}
}
