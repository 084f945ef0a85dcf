package io.machinehost.host.plugin;

import java.nio.file.Path;

/** A host that launches a plugin, prints its PID and waits to be killed. */
public final class HostProcessMain {
  private HostProcessMain() {}

  public static void main(String[] args) throws Exception {
    PluginProcess plugin =
        new PluginLauncher(PluginLauncher.Options.defaults()).launch("none", Path.of(args[0]));
    System.out.println(plugin.pid());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
