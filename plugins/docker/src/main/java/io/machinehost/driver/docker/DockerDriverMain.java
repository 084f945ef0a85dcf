package io.machinehost.driver.docker;

import io.machinehost.sdk.PluginServer;

/** The {@code machine-driver-docker} executable. */
public final class DockerDriverMain {
  private DockerDriverMain() {}

  /** Serves the docker driver; run by {@code machine}, never directly. */
  public static void main(String[] args) {
    PluginServer.serve(DockerDriver::new);
  }
}
