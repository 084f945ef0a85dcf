package io.machinehost.sdk.rpc;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
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
    com.google.rpc.Status rich = richStatus(t);
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

  private static final Metadata.Key<com.google.rpc.Status> DETAILS_KEY =
      Metadata.Key.of(
          "grpc-status-details-bin",
          ProtoUtils.metadataMarshaller(com.google.rpc.Status.getDefaultInstance()));

  /**
   * The {@code google.rpc.Status} of the trailer, also when its code differs from the call's (which
   * grpc's StatusProto refuses with an exception), or null if there is none or it is unreadable.
   */
  private static com.google.rpc.Status richStatus(Throwable t) {
    try {
      return StatusProto.fromThrowable(t);
    } catch (IllegalArgumentException mismatch) {
      Metadata trailers = Status.trailersFromThrowable(t);
      try {
        return trailers == null ? null : trailers.get(DETAILS_KEY);
      } catch (RuntimeException unreadable) {
        return null;
      }
    }
  }

  private static Code parseCode(String reason, Status.Code fallback) {
    try {
      return Code.valueOf(reason);
    } catch (IllegalArgumentException e) {
      return driverCode(fallback);
    }
  }

  /**
   * Says what a failed call carried, as the host reads it: the gRPC code and message, and the
   * ErrorInfo's reason, domain and metadata, or that there was none (for {@code --debug}).
   *
   * @param t what the call threw
   * @param read the driver error it was read as
   */
  public static String describe(Throwable t, DriverException read) {
    Status status = Status.fromThrowable(t);
    StringBuilder b =
        new StringBuilder("gRPC status ")
            .append(status.getCode())
            .append(" \"")
            .append(status.getDescription() == null ? "" : status.getDescription())
            .append("\"; ");
    com.google.rpc.Status rich = richStatus(t);
    ErrorInfo info = null;
    if (rich != null) {
      for (Any detail : rich.getDetailsList()) {
        if (detail.is(ErrorInfo.class)) {
          try {
            info = detail.unpack(ErrorInfo.class);
          } catch (InvalidProtocolBufferException e) {
            b.append("an unreadable ErrorInfo; ");
          }
          break;
        }
      }
    }
    if (info == null) {
      b.append("no ErrorInfo");
    } else {
      b.append("ErrorInfo reason \"")
          .append(info.getReason())
          .append("\" domain \"")
          .append(info.getDomain())
          .append('"');
      if (!info.getMetadataMap().isEmpty()) {
        b.append(" metadata ").append(new java.util.TreeMap<>(info.getMetadataMap()));
      }
      if (!DOMAIN.equals(info.getDomain())) {
        b.append(" (not the domain ").append(DOMAIN).append(": ignored)");
      }
    }
    return b.append(" -> ").append(read.code()).toString();
  }

  /**
   * The host's words for a machine a driver finds not running when asked for its address
   * (FAILED_PRECONDITION from GetIp, GetUrl, GetSshHostname, GetSshPort; proto/README.md §11).
   *
   * @param machine the machine
   * @param plugin the driver's name
   * @param message what the driver said
   */
  public static String notRunning(String machine, String plugin, String message) {
    return String.format(
        "machine \"%s\" is not running (the %s driver says: %s); start it with \"machine start"
            + " %s\"",
        machine, plugin, message, machine);
  }

  /**
   * The host's words for a machine its driver no longer finds at the provider (NOT_FOUND from a
   * call about an existing machine; proto/README.md §11).
   *
   * @param machine the machine
   * @param plugin the driver's name
   * @param message what the driver said
   */
  public static String notFound(String machine, String plugin, String message) {
    return String.format(
        "machine \"%s\" no longer exists at its provider (the %s driver says: %s); if it was"
            + " removed outside machine, remove it here too with \"machine rm %s\"",
        machine, plugin, message, machine);
  }
}
