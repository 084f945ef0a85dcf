package io.machinehost.host.legacy;

import io.machinehost.host.legacy.gob.GobType;
import io.machinehost.host.plugin.LegacyProcess;
import io.machinehost.host.plugin.PluginLaunchException;
import io.machinehost.sdk.DriverException;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A connected legacy plugin process: the RPC service it answers to ({@code RPCServerDriver}, or
 * {@code RpcServerDriver} for plugins older than docker-machine 0.5.1), its API version checked (it
 * must be 1), a heartbeat every 5 s while in use (the plugin exits 10 s after the last one, so none
 * outlives its host by more), and at the end {@code Close}, then a kill after a grace.
 */
public final class LegacyPlugin implements AutoCloseable {
  /** The API version libmachine speaks ({@code version.APIVersion}). */
  public static final int API_VERSION = 1;

  static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(5);
  static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(2);

  private final LegacyProcess process;
  private final RpcClient rpc;
  private final String service;
  private final ScheduledExecutorService heartbeat;
  private volatile String dead;
  private boolean closed;

  private LegacyPlugin(LegacyProcess process, RpcClient rpc, String service) {
    this.process = process;
    this.rpc = rpc;
    this.service = service;
    this.heartbeat =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "machinehost-legacy-heartbeat-" + process.pid());
              t.setDaemon(true);
              return t;
            });
    var unused =
        heartbeat.scheduleWithFixedDelay(
            this::beat,
            HEARTBEAT_INTERVAL.toMillis(),
            HEARTBEAT_INTERVAL.toMillis(),
            TimeUnit.MILLISECONDS);
  }

  /**
   * Connects to a started plugin and checks its API version.
   *
   * @throws PluginLaunchException if it cannot be reached or speaks another version (it is killed)
   */
  public static LegacyPlugin connect(LegacyProcess process) throws PluginLaunchException {
    RpcClient rpc = null;
    try {
      rpc = RpcClient.connect(process.address(), CONNECT_TIMEOUT);
      String service = "RPCServerDriver";
      Object version;
      try {
        version = rpc.call(service + ".GetVersion", LegacyTypes.EMPTY, Map.of(), CONNECT_TIMEOUT);
      } catch (RpcException e) {
        // Plugins built before docker-machine 0.5.1 register only the old name.
        service = "RpcServerDriver";
        version = rpc.call(service + ".GetVersion", LegacyTypes.EMPTY, Map.of(), CONNECT_TIMEOUT);
      }
      if (!(version instanceof Long v) || v != API_VERSION) {
        throw new PluginLaunchException(
            String.format(
                "the %s driver plugin (%s) speaks docker-machine plugin API version %s; machine"
                    + " speaks version %d, as docker-machine 0.16 and rancher-machine do: install a"
                    + " build of the driver for those",
                process.driver(), process.executable(), version, API_VERSION));
      }
      return new LegacyPlugin(process, rpc, service);
    } catch (IOException | RpcException | TimeoutException e) {
      if (rpc != null) {
        rpc.close();
      }
      process.kill();
      throw new PluginLaunchException(
          String.format(
              "cannot talk to the %s driver plugin (%s) at %s: %s; %s",
              process.driver(),
              process.executable(),
              process.address(),
              e.getMessage(),
              process.describeExit()),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.kill();
      throw new PluginLaunchException("interrupted while connecting to the legacy plugin");
    } catch (PluginLaunchException e) {
      rpc.close();
      process.kill();
      throw e;
    }
  }

  private void beat() {
    if (dead != null) {
      return;
    }
    try {
      rpc.call(service + ".Heartbeat", LegacyTypes.EMPTY, Map.of(), HEARTBEAT_TIMEOUT);
    } catch (TimeoutException e) {
      die(
          String.format(
              "the %s driver plugin (pid %d) stopped answering heartbeats (none answered within %d"
                  + " s); it was killed",
              process.driver(), process.pid(), HEARTBEAT_TIMEOUT.toSeconds()));
    } catch (IOException | RpcException e) {
      die(
          String.format(
              "the %s driver plugin (pid %d) exited unexpectedly: %s",
              process.driver(), process.pid(), process.describeExit()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void die(String reason) {
    dead = reason;
    rpc.abort(reason);
    process.kill();
    heartbeat.shutdown();
  }

  /** Returns the process. */
  public LegacyProcess process() {
    return process;
  }

  /** Returns the service name the plugin answers to. */
  public String service() {
    return service;
  }

  /** Starts a call of {@code method} on the plugin's service. */
  CompletableFuture<Object> start(String method, GobType argType, Object arg) {
    return rpc.start(service + "." + method, argType, arg);
  }

  /**
   * Turns a transport failure into a driver error that says what became of the plugin.
   *
   * @param method the call that failed
   */
  DriverException failure(String method, IOException e) {
    String reason = dead;
    if (reason == null) {
      reason =
          String.format(
              "the %s driver plugin (pid %d) exited unexpectedly during %s: %s",
              process.driver(), process.pid(), method, process.describeExit());
    }
    return new DriverException(DriverException.Code.UNAVAILABLE, reason);
  }

  /** Sends Close, then kills the plugin if it has not exited after a grace. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    heartbeat.shutdownNow();
    if (dead == null && process.isAlive()) {
      // The plugin exits as soon as it reads Close: its answer may never come.
      var unused = rpc.start(service + ".Close", LegacyTypes.EMPTY, Map.of());
    }
    process.stop(CLOSE_GRACE);
    rpc.close();
  }
}
