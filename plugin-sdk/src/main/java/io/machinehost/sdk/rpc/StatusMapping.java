package io.machinehost.sdk.rpc;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.DriverException.Code;

/**
 * The one translator between {@link DriverException} and gRPC statuses. On the wire an error is a
 * gRPC code, a message and a {@code google.rpc.ErrorInfo} whose reason is the {@link Code} name;
 * the receiving side rebuilds the code from the reason and falls back to the gRPC code.
 */
public final class StatusMapping {
  /** The ErrorInfo domain of driver errors. */
  public static final String DOMAIN = "driver.machinehost.io";

  /** The ErrorInfo metadata key naming the flag an INVALID_ARGUMENT is about. */
  public static final String FLAG_KEY = "flag";

  private StatusMapping() {}

  /** Returns the gRPC code a driver error travels as. */
  public static Status.Code grpcCode(Code code) {
    return switch (code) {
      case INVALID_ARGUMENT -> Status.Code.INVALID_ARGUMENT;
      case NOT_FOUND -> Status.Code.NOT_FOUND;
      case ALREADY_EXISTS -> Status.Code.ALREADY_EXISTS;
      case FAILED_PRECONDITION -> Status.Code.FAILED_PRECONDITION;
      case NOT_SUPPORTED -> Status.Code.UNIMPLEMENTED;
      case UNAVAILABLE -> Status.Code.UNAVAILABLE;
      case TIMEOUT -> Status.Code.DEADLINE_EXCEEDED;
      case PERMISSION_DENIED -> Status.Code.PERMISSION_DENIED;
      case RESOURCE_EXHAUSTED -> Status.Code.RESOURCE_EXHAUSTED;
      case CANCELLED -> Status.Code.CANCELLED;
      case INTERNAL -> Status.Code.INTERNAL;
    };
  }

  /** Returns the driver code a gRPC code without ErrorInfo stands for. */
  public static Code driverCode(Status.Code code) {
    return switch (code) {
      case INVALID_ARGUMENT, OUT_OF_RANGE -> Code.INVALID_ARGUMENT;
      case NOT_FOUND -> Code.NOT_FOUND;
      case ALREADY_EXISTS -> Code.ALREADY_EXISTS;
      case FAILED_PRECONDITION -> Code.FAILED_PRECONDITION;
      case UNIMPLEMENTED -> Code.NOT_SUPPORTED;
      case UNAVAILABLE, ABORTED -> Code.UNAVAILABLE;
      case DEADLINE_EXCEEDED -> Code.TIMEOUT;
      case PERMISSION_DENIED, UNAUTHENTICATED -> Code.PERMISSION_DENIED;
      case RESOURCE_EXHAUSTED -> Code.RESOURCE_EXHAUSTED;
      case CANCELLED -> Code.CANCELLED;
      default -> Code.INTERNAL;
    };
  }

  /** Returns the status a driver error is sent as. */
  public static StatusRuntimeException toStatus(DriverException e) {
    ErrorInfo.Builder info = ErrorInfo.newBuilder().setReason(e.code().name()).setDomain(DOMAIN);
    e.flag().ifPresent(flag -> info.putMetadata(FLAG_KEY, flag));
    com.google.rpc.Status status =
        com.google.rpc.Status.newBuilder()
            .setCode(grpcCode(e.code()).value())
            .setMessage(e.getMessage() == null ? "" : e.getMessage())
            .addDetails(Any.pack(info.build()))
            .build();
    return StatusProto.toStatusRuntimeException(status);
  }

  /**
   * Returns the driver error a failed call stands for.
   *
   * @param t what the call threw
   * @param plugin the plugin's name, for transport failures
   */
  public static DriverException fromThrowable(Throwable t, String plugin) {
    Status status = Status.fromThrowable(t);
    com.google.rpc.Status rich = StatusProto.fromThrowable(t);
    if (rich != null) {
      for (Any detail : rich.getDetailsList()) {
        if (detail.is(ErrorInfo.class)) {
          try {
            ErrorInfo info = detail.unpack(ErrorInfo.class);
            if (DOMAIN.equals(info.getDomain())) {
              Code code = parseCode(info.getReason(), status.getCode());
              String flag = info.getMetadataMap().get(FLAG_KEY);
              return new DriverException(code, rich.getMessage(), flag, null);
            }
          } catch (InvalidProtocolBufferException e) {
            break;
          }
        }
      }
    }
    Code code = driverCode(status.getCode());
    String message = status.getDescription() == null ? "" : status.getDescription();
    if (status.getCode() == Status.Code.UNAVAILABLE) {
      message = "plugin \"" + plugin + "\" is unavailable: " + message;
    } else if (status.getCode() == Status.Code.UNIMPLEMENTED && message.startsWith("Method not")) {
      message = "plugin \"" + plugin + "\" does not implement this call: " + message;
    }
    return new DriverException(code, message, null, t);
  }

  private static Code parseCode(String reason, Status.Code fallback) {
    try {
      return Code.valueOf(reason);
    } catch (IllegalArgumentException e) {
      return driverCode(fallback);
    }
  }
}
