package io.machinehost.driver.docker;

import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.HostConfig;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How a machine's container gets the rights a Docker engine inside it needs: {@code --privileged}
 * where the engine allows it, otherwise every capability the engine itself holds, unconfined
 * seccomp and AppArmor, unmasked system paths, and every device. Some engines run without
 * CAP_SYS_RESOURCE (in a VM that lacks it, or rootless) and fail every privileged container at
 * start with "unable to apply caps"; {@link Setting#AUTO} tries, and remembers per engine what
 * worked.
 */
final class Privileges {
  /** What {@code --docker-privileged} asks for. */
  enum Setting {
    AUTO,
    TRUE,
    FALSE;

    String value() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Setting of(String value) {
      return value == null || value.isBlank()
          ? AUTO
          : Setting.valueOf(value.trim().toUpperCase(Locale.ROOT));
    }
  }

  /** What a container got. */
  enum Mode {
    /** {@code --privileged}. */
    PRIVILEGED,
    /** The capability set that stands in for it. */
    CAPABILITIES;

    String value() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What an engine accepted, by engine: learnt once per plugin process. */
  private static final Map<EngineAddress, Mode> LEARNT = new ConcurrentHashMap<>();

  /** A writable /run on tmpfs, as an init system would give: sshd and dockerd keep state there. */
  static final Map<String, String> TMPFS = Map.of("/run", "rw,exec,nosuid,size=64m");

  /** Security options of {@link Mode#CAPABILITIES}. */
  static final List<String> UNCONFINED = List.of("seccomp=unconfined", "apparmor=unconfined");

  private Privileges() {}

  /** Returns the mode to try first. */
  static Mode first(Setting setting, EngineAddress engine) {
    return switch (setting) {
      case TRUE -> Mode.PRIVILEGED;
      case FALSE -> Mode.CAPABILITIES;
      case AUTO -> LEARNT.getOrDefault(engine, Mode.PRIVILEGED);
    };
  }

  /** Whether a failed start in this mode is worth one more try in the other. */
  static boolean mayFallBack(Setting setting, Mode tried) {
    return setting == Setting.AUTO && tried == Mode.PRIVILEGED;
  }

  /** Records what the engine accepted. */
  static void learn(EngineAddress engine, Mode mode) {
    LEARNT.put(engine, mode);
  }

  /** Sets a container's rights for the mode. */
  static HostConfig apply(UnconfinedHostConfig host, Mode mode) {
    host.withTmpFs(TMPFS);
    if (mode == Mode.PRIVILEGED) {
      return host.withPrivileged(true);
    }
    host.withUnconfinedSystemPaths(); // --security-opt systempaths=unconfined
    // CAP_SYS_RESOURCE is the one an engine without it cannot hand on; everything else a Docker
    // engine inside needs is here.
    return host.withPrivileged(false)
        .withCapAdd(Capability.ALL)
        .withCapDrop(Capability.SYS_RESOURCE)
        .withSecurityOpts(UNCONFINED)
        .withDeviceCgroupRules(List.of("a *:* rwm"));
  }
}
