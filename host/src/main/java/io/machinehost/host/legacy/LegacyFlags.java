package io.machinehost.host.legacy;

import io.machinehost.host.legacy.gob.GobInterface;
import io.machinehost.host.legacy.gob.GobStruct;
import io.machinehost.host.legacy.gob.GobType.Basic;
import io.machinehost.sdk.CreateFlag;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.DriverOptions;
import io.machinehost.sdk.FlagValues;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Maps libmachine's {@code mcnflag} flags onto typed create flags, and create flag values onto the
 * {@code rpcdriver.RPCFlags} a legacy driver's {@code SetConfigFromFlags} reads.
 */
final class LegacyFlags {
  // Read by BaseDriver.SetSwarmConfigFromFlags in most drivers; sent so that they find them.
  private static final Map<String, Object> SHARED =
      Map.of("swarm-master", false, "swarm-host", "", "swarm-discovery", "");

  private LegacyFlags() {}

  /**
   * Converts the flags a legacy driver declared.
   *
   * @throws DriverException if one cannot be offered as a create flag
   */
  static List<CreateFlag> toCreateFlags(String driver, Object reply) throws DriverException {
    List<CreateFlag> flags = new ArrayList<>();
    if (!(reply instanceof List<?> list)) {
      throw DriverException.internal(
          "the %s driver answered GetCreateFlags with something other than a flag list", driver);
    }
    for (Object item : list) {
      if (!(item instanceof GobInterface iface) || !(iface.value() instanceof GobStruct flag)) {
        throw DriverException.internal("the %s driver sent a malformed create flag", driver);
      }
      flags.add(toCreateFlag(driver, iface.name(), flag));
    }
    return flags;
  }

  private static CreateFlag toCreateFlag(String driver, String type, GobStruct flag)
      throws DriverException {
    String name = flag.string("Name");
    Object value = flag.fields().get("Value");
    try {
      CreateFlag.Builder b =
          switch (type) {
            case LegacyTypes.STRING_FLAG ->
                CreateFlag.string(name).defaultValue(flag.string("Value"));
            case LegacyTypes.INT_FLAG ->
                CreateFlag.integer(name).defaultValue(flag.integer("Value"));
            case LegacyTypes.BOOL_FLAG -> CreateFlag.bool(name).defaultValue(false);
            case LegacyTypes.STRING_SLICE_FLAG ->
                CreateFlag.stringList(name).defaultValue(strings(value));
            default ->
                throw DriverException.internal(
                    "the %s driver declares flag \"%s\" of an unknown type %s", driver, name, type);
          };
      b.usage(flag.string("Usage")).envVar(flag.string("EnvVar"));
      if (looksSecret(name)) {
        b.secret();
      }
      return b.build();
    } catch (IllegalArgumentException e) {
      throw DriverException.internal(
          "the %s driver declares a flag machine cannot offer: %s", driver, e.getMessage());
    }
  }

  private static List<String> strings(Object value) {
    List<String> out = new ArrayList<>();
    if (value instanceof List<?> list) {
      list.forEach(v -> out.add(String.valueOf(v)));
    }
    return out;
  }

  // Legacy flags carry no secret mark; these names hold credentials in the drivers people use.
  static boolean looksSecret(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.contains("password")
        || n.contains("secret")
        || n.contains("token")
        || n.contains("access-key")
        || n.contains("api-key")
        || n.endsWith("-apikey");
  }

  /** Builds the {@code *rpcdriver.RPCFlags} interface value for SetConfigFromFlags. */
  static GobInterface toRpcFlags(DriverOptions options) {
    Map<String, Object> values = new LinkedHashMap<>();
    SHARED.forEach((k, v) -> values.put(k, basic(v)));
    Map<String, Object> given = options instanceof FlagValues f ? f.asMap() : Map.of();
    for (String name : options.names()) {
      Object v = given.containsKey(name) ? given.get(name) : options.getString(name);
      if (v != null) {
        values.put(name, basic(v));
      }
    }
    return GobInterface.of(
        LegacyTypes.RPC_FLAGS_NAME, LegacyTypes.RPC_FLAGS, Map.of("Values", values));
  }

  private static GobInterface basic(Object v) {
    if (v instanceof Boolean b) {
      return GobInterface.of("bool", Basic.BOOL, b);
    } else if (v instanceof Number n) {
      return GobInterface.of("int", Basic.INT, n.longValue());
    } else if (v instanceof List<?> list) {
      return GobInterface.of("[]string", LegacyTypes.STRINGS, strings(list));
    }
    return GobInterface.of("string", Basic.STRING, String.valueOf(v));
  }
}
