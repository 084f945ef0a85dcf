package io.machinehost.driver.qemu;

import io.machinehost.sdk.DriverException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A machine's seed: the directory QEMU attaches read-only as a FAT disk labelled {@code CIDATA}. It
 * holds the NoCloud files ({@code meta-data}, {@code user-data}), so an image with cloud-init boots
 * as the machine too, and the same facts as plain files under {@code machinehost/} ({@code
 * hostname}, {@code user}, {@code authorized_keys}), which the built image's first-boot unit
 * ({@code machinehost-seed.service}) reads with nothing but {@code sh}.
 */
final class Seed {
  static final String DIR = "seed";

  private Seed() {}

  /**
   * Writes the seed.
   *
   * @param dir the seed directory, created or rewritten
   * @param instanceId what makes a first boot a first boot for cloud-init
   * @param hostname the machine's host name
   * @param user the SSH user to create (or root)
   * @param publicKey its authorized key line
   */
  static void write(Path dir, String instanceId, String hostname, String user, String publicKey)
      throws DriverException {
    String metaData = "instance-id: " + instanceId + "\nlocal-hostname: " + hostname + "\n";
    String userData =
        user.equals("root")
            ? """
              #cloud-config
              hostname: %1$s
              disable_root: false
              ssh_authorized_keys:
                - %3$s
              """
                .formatted(hostname, user, publicKey)
            : """
              #cloud-config
              hostname: %1$s
              users:
                - name: %2$s
                  groups: [sudo, docker]
                  shell: /bin/bash
                  sudo: "ALL=(ALL) NOPASSWD:ALL"
                  ssh_authorized_keys:
                    - %3$s
              """
                .formatted(hostname, user, publicKey);
    try {
      Path own = dir.resolve("machinehost");
      Files.createDirectories(own);
      Files.writeString(dir.resolve("meta-data"), metaData);
      Files.writeString(dir.resolve("user-data"), userData);
      Files.writeString(own.resolve("hostname"), hostname + "\n");
      Files.writeString(own.resolve("user"), user + "\n");
      Files.writeString(own.resolve("authorized_keys"), publicKey.strip() + "\n");
    } catch (IOException e) {
      throw DriverException.unavailable("cannot write the seed in %s: %s", dir, e.getMessage());
    }
  }
}
