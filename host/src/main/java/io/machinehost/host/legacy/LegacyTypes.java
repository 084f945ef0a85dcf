package io.machinehost.host.legacy;

import static io.machinehost.host.legacy.gob.GobType.field;
import static io.machinehost.host.legacy.gob.GobType.struct;

import io.machinehost.host.legacy.gob.GobType;
import io.machinehost.host.legacy.gob.GobType.Basic;
import io.machinehost.host.legacy.gob.GobType.MapOf;
import io.machinehost.host.legacy.gob.GobType.SliceOf;
import io.machinehost.host.legacy.gob.GobType.StructOf;

/**
 * The gob types of docker-machine's legacy plugin protocol, with the Go names libmachine gives
 * them: net/rpc's request and response headers, the empty argument, {@code rpcdriver.RPCFlags}, and
 * the registered interface names of the flag types (docker-machine.md §4.3).
 */
public final class LegacyTypes {
  /** net/rpc's {@code Request{ServiceMethod string; Seq uint64}}. */
  public static final StructOf REQUEST =
      struct("Request", field("ServiceMethod", Basic.STRING), field("Seq", Basic.UINT));

  /** net/rpc's {@code Response{ServiceMethod string; Seq uint64; Error string}}. */
  public static final StructOf RESPONSE =
      struct(
          "Response",
          field("ServiceMethod", Basic.STRING),
          field("Seq", Basic.UINT),
          field("Error", Basic.STRING));

  /** {@code struct{}}, the argument of every method without one. */
  public static final StructOf EMPTY = struct("");

  /** {@code rpcdriver.RPCFlags{Values map[string]interface{}}}. */
  public static final StructOf RPC_FLAGS =
      struct(
          "RPCFlags",
          field("Values", new MapOf("map[string]interface {}", Basic.STRING, Basic.INTERFACE)));

  /** The name {@code *rpcdriver.RPCFlags} is registered under. */
  public static final String RPC_FLAGS_NAME = "*rpcdriver.RPCFlags";

  /** {@code []string} inside an interface (Go names it there by its element: no name). */
  public static final SliceOf STRINGS = new SliceOf("", Basic.STRING);

  /** {@code mcnflag.StringFlag}. */
  public static final StructOf STRING_FLAG_TYPE = flag("StringFlag", Basic.STRING);

  /** {@code mcnflag.IntFlag}. */
  public static final StructOf INT_FLAG_TYPE = flag("IntFlag", Basic.INT);

  /** {@code mcnflag.BoolFlag} (no value: a bool flag defaults to false). */
  public static final StructOf BOOL_FLAG_TYPE =
      struct(
          "BoolFlag",
          field("Name", Basic.STRING),
          field("Usage", Basic.STRING),
          field("EnvVar", Basic.STRING));

  /** {@code mcnflag.StringSliceFlag}. */
  public static final StructOf STRING_SLICE_FLAG_TYPE =
      flag("StringSliceFlag", new SliceOf("[]string", Basic.STRING));

  private static StructOf flag(String name, GobType value) {
    return struct(
        name,
        field("Name", Basic.STRING),
        field("Usage", Basic.STRING),
        field("EnvVar", Basic.STRING),
        field("Value", value));
  }

  /** Registered name of {@code *mcnflag.StringFlag}. */
  public static final String STRING_FLAG = "*mcnflag.StringFlag";

  /** Registered name of {@code *mcnflag.IntFlag}. */
  public static final String INT_FLAG = "*mcnflag.IntFlag";

  /** Registered name of {@code *mcnflag.BoolFlag}. */
  public static final String BOOL_FLAG = "*mcnflag.BoolFlag";

  /** Registered name of {@code *mcnflag.StringSliceFlag}. */
  public static final String STRING_SLICE_FLAG = "*mcnflag.StringSliceFlag";

  /** Returns the gob type of a Go value in an {@code interface{}}, by its registered name. */
  public static GobType basic(String name) {
    return switch (name) {
      case "string" -> Basic.STRING;
      case "int" -> Basic.INT;
      case "bool" -> Basic.BOOL;
      case "[]string" -> STRINGS;
      default -> throw new IllegalArgumentException("no gob type registered as " + name);
    };
  }

  private LegacyTypes() {}
}
