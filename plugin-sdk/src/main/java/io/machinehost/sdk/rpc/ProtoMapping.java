package io.machinehost.sdk.rpc;

import io.machinehost.proto.driver.v1.Flag;
import io.machinehost.proto.driver.v1.FlagType;
import io.machinehost.proto.driver.v1.FlagValue;
import io.machinehost.proto.driver.v1.State;
import io.machinehost.proto.driver.v1.StringList;
import io.machinehost.sdk.Capability;
import io.machinehost.sdk.CreateFlag;
import io.machinehost.sdk.MachineState;
import java.util.List;

/** Converts between the SDK's plain types and their protobuf messages. */
public final class ProtoMapping {
  private ProtoMapping() {}

  /** Returns the wire form of a flag. */
  public static Flag toProto(CreateFlag flag) {
    Flag.Builder b =
        Flag.newBuilder()
            .setName(flag.name())
            .setType(toProto(flag.type()))
            .setUsage(flag.usage())
            .setEnvVar(flag.envVar())
            .setRequired(flag.required())
            .addAllChoices(flag.choices())
            .setSecret(flag.secret());
    if (flag.defaultValue() != null) {
      b.setDefaultValue(toProto(flag.defaultValue()));
    }
    if (flag.min() != null) {
      b.setMin(flag.min());
    }
    if (flag.max() != null) {
      b.setMax(flag.max());
    }
    return b.build();
  }

  /**
   * Returns the flag a wire flag describes.
   *
   * @throws IllegalArgumentException if it is malformed (no type, bad name, default of another
   *     type)
   */
  public static CreateFlag fromProto(Flag flag) {
    CreateFlag.Type type =
        switch (flag.getType()) {
          case FLAG_TYPE_STRING -> CreateFlag.Type.STRING;
          case FLAG_TYPE_INT -> CreateFlag.Type.INT;
          case FLAG_TYPE_BOOL -> CreateFlag.Type.BOOL;
          case FLAG_TYPE_STRING_LIST -> CreateFlag.Type.STRING_LIST;
          case FLAG_TYPE_UNSPECIFIED, UNRECOGNIZED ->
              throw new IllegalArgumentException(
                  "flag \"" + flag.getName() + "\" has no known type");
        };
    return new CreateFlag(
        flag.getName(),
        type,
        flag.getUsage(),
        flag.getEnvVar(),
        flag.hasDefaultValue() ? fromProto(flag.getDefaultValue()) : null,
        flag.getRequired(),
        flag.getChoicesList(),
        flag.hasMin() ? flag.getMin() : null,
        flag.hasMax() ? flag.getMax() : null,
        flag.getSecret());
  }

  /** Returns the wire form of a flag value. */
  public static FlagValue toProto(Object value) {
    if (value instanceof String s) {
      return FlagValue.newBuilder().setStringValue(s).build();
    } else if (value instanceof Long l) {
      return FlagValue.newBuilder().setIntValue(l).build();
    } else if (value instanceof Integer i) {
      return FlagValue.newBuilder().setIntValue(i).build();
    } else if (value instanceof Boolean b) {
      return FlagValue.newBuilder().setBoolValue(b).build();
    } else if (value instanceof List<?> list) {
      StringList.Builder values = StringList.newBuilder();
      list.forEach(item -> values.addValues(String.valueOf(item)));
      return FlagValue.newBuilder().setStringListValue(values).build();
    }
    throw new IllegalArgumentException("not a flag value: " + value);
  }

  /** Returns the plain value of a wire flag value, or {@code null} when it is empty. */
  public static Object fromProto(FlagValue value) {
    return switch (value.getValueCase()) {
      case STRING_VALUE -> value.getStringValue();
      case INT_VALUE -> value.getIntValue();
      case BOOL_VALUE -> value.getBoolValue();
      case STRING_LIST_VALUE -> List.copyOf(value.getStringListValue().getValuesList());
      case VALUE_NOT_SET -> null;
    };
  }

  private static FlagType toProto(CreateFlag.Type type) {
    return switch (type) {
      case STRING -> FlagType.FLAG_TYPE_STRING;
      case INT -> FlagType.FLAG_TYPE_INT;
      case BOOL -> FlagType.FLAG_TYPE_BOOL;
      case STRING_LIST -> FlagType.FLAG_TYPE_STRING_LIST;
    };
  }

  /** Returns the wire form of a state. */
  public static State toProto(MachineState state) {
    return switch (state) {
      case NONE -> State.STATE_NONE;
      case RUNNING -> State.STATE_RUNNING;
      case PAUSED -> State.STATE_PAUSED;
      case SAVED -> State.STATE_SAVED;
      case STOPPED -> State.STATE_STOPPED;
      case STOPPING -> State.STATE_STOPPING;
      case STARTING -> State.STATE_STARTING;
      case ERROR -> State.STATE_ERROR;
      case TIMEOUT -> State.STATE_TIMEOUT;
      case NOT_FOUND -> State.STATE_NOT_FOUND;
    };
  }

  /** Returns the state a wire state stands for; unknown values are {@link MachineState#ERROR}. */
  public static MachineState fromProto(State state) {
    return switch (state) {
      case STATE_NONE -> MachineState.NONE;
      case STATE_RUNNING -> MachineState.RUNNING;
      case STATE_PAUSED -> MachineState.PAUSED;
      case STATE_SAVED -> MachineState.SAVED;
      case STATE_STOPPED -> MachineState.STOPPED;
      case STATE_STOPPING -> MachineState.STOPPING;
      case STATE_STARTING -> MachineState.STARTING;
      case STATE_ERROR, UNRECOGNIZED -> MachineState.ERROR;
      case STATE_TIMEOUT -> MachineState.TIMEOUT;
      case STATE_NOT_FOUND -> MachineState.NOT_FOUND;
    };
  }

  /** Returns the wire form of a capability. */
  public static io.machinehost.proto.driver.v1.Capability toProto(Capability capability) {
    return switch (capability) {
      case START -> io.machinehost.proto.driver.v1.Capability.CAPABILITY_START;
      case STOP -> io.machinehost.proto.driver.v1.Capability.CAPABILITY_STOP;
      case KILL -> io.machinehost.proto.driver.v1.Capability.CAPABILITY_KILL;
      case RESTART -> io.machinehost.proto.driver.v1.Capability.CAPABILITY_RESTART;
      case SSH -> io.machinehost.proto.driver.v1.Capability.CAPABILITY_SSH;
      case PROVISION -> io.machinehost.proto.driver.v1.Capability.CAPABILITY_PROVISION;
      case CANCEL_CREATE -> io.machinehost.proto.driver.v1.Capability.CAPABILITY_CANCEL_CREATE;
    };
  }

  /** Returns the capability a wire capability stands for, or {@code null} if unknown. */
  public static Capability fromProto(io.machinehost.proto.driver.v1.Capability capability) {
    return switch (capability) {
      case CAPABILITY_START -> Capability.START;
      case CAPABILITY_STOP -> Capability.STOP;
      case CAPABILITY_KILL -> Capability.KILL;
      case CAPABILITY_RESTART -> Capability.RESTART;
      case CAPABILITY_SSH -> Capability.SSH;
      case CAPABILITY_PROVISION -> Capability.PROVISION;
      case CAPABILITY_CANCEL_CREATE -> Capability.CANCEL_CREATE;
      case CAPABILITY_UNSPECIFIED, UNRECOGNIZED -> null;
    };
  }

  /** Returns the wire form of declared operation deadlines (whole seconds, rounded up). */
  public static io.machinehost.proto.driver.v1.OperationTimeouts toProto(
      java.util.Map<io.machinehost.sdk.LongOperation, java.time.Duration> timeouts) {
    var b = io.machinehost.proto.driver.v1.OperationTimeouts.newBuilder();
    timeouts.forEach(
        (operation, timeout) -> {
          if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            return;
          }
          long seconds = timeout.plusNanos(999_999_999L).toSeconds();
          switch (operation) {
            case CREATE -> b.setCreateSeconds(seconds);
            case REMOVE -> b.setRemoveSeconds(seconds);
            case START -> b.setStartSeconds(seconds);
            case STOP -> b.setStopSeconds(seconds);
            case KILL -> b.setKillSeconds(seconds);
            case RESTART -> b.setRestartSeconds(seconds);
          }
        });
    return b.build();
  }

  /** Returns the declared operation deadlines; zero or negative seconds mean "not declared". */
  public static java.util.Map<io.machinehost.sdk.LongOperation, java.time.Duration> fromProto(
      io.machinehost.proto.driver.v1.OperationTimeouts timeouts) {
    var map =
        new java.util.EnumMap<io.machinehost.sdk.LongOperation, java.time.Duration>(
            io.machinehost.sdk.LongOperation.class);
    for (io.machinehost.sdk.LongOperation operation : io.machinehost.sdk.LongOperation.values()) {
      long seconds =
          switch (operation) {
            case CREATE -> timeouts.getCreateSeconds();
            case REMOVE -> timeouts.getRemoveSeconds();
            case START -> timeouts.getStartSeconds();
            case STOP -> timeouts.getStopSeconds();
            case KILL -> timeouts.getKillSeconds();
            case RESTART -> timeouts.getRestartSeconds();
          };
      if (seconds > 0) {
        map.put(operation, java.time.Duration.ofSeconds(seconds));
      }
    }
    return map;
  }
}
