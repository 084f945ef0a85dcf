"""Driver errors and how they travel: a gRPC status code, a message, and a google.rpc.ErrorInfo.

The ErrorInfo (domain "driver.machinehost.io", reason = the driver error code, metadata
{"flag": name} for a bad flag) rides in the standard ``grpc-status-details-bin`` trailer as a
serialized google.rpc.Status, exactly as grpc-java's StatusProto sends it. A host that finds no
ErrorInfo falls back to the gRPC code, so the code and a clear message are what matter most.
"""

import grpc
from google.protobuf import any_pb2

DOMAIN = "driver.machinehost.io"
FLAG_KEY = "flag"
DETAILS_KEY = "grpc-status-details-bin"

# Driver error code (the ErrorInfo reason) -> gRPC status code, as the Java SDK's StatusMapping.
CODES = {
    "INVALID_ARGUMENT": grpc.StatusCode.INVALID_ARGUMENT,
    "NOT_FOUND": grpc.StatusCode.NOT_FOUND,
    "ALREADY_EXISTS": grpc.StatusCode.ALREADY_EXISTS,
    "FAILED_PRECONDITION": grpc.StatusCode.FAILED_PRECONDITION,
    "NOT_SUPPORTED": grpc.StatusCode.UNIMPLEMENTED,
    "UNAVAILABLE": grpc.StatusCode.UNAVAILABLE,
    "TIMEOUT": grpc.StatusCode.DEADLINE_EXCEEDED,
    "PERMISSION_DENIED": grpc.StatusCode.PERMISSION_DENIED,
    "RESOURCE_EXHAUSTED": grpc.StatusCode.RESOURCE_EXHAUSTED,
    "CANCELLED": grpc.StatusCode.CANCELLED,
    "INTERNAL": grpc.StatusCode.INTERNAL,
}


class DriverError(Exception):
    """A failure the driver reports to the host."""

    def __init__(self, reason, message, flag=None):
        if reason not in CODES:
            raise ValueError("unknown driver error code %r" % reason)
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.flag = flag

    @property
    def code(self):
        return CODES[self.reason]


def invalid_argument(flag, message):
    return DriverError("INVALID_ARGUMENT", message, flag)


def not_found(message):
    return DriverError("NOT_FOUND", message)


def already_exists(message):
    return DriverError("ALREADY_EXISTS", message)


def failed_precondition(message):
    return DriverError("FAILED_PRECONDITION", message)


def not_supported(message):
    return DriverError("NOT_SUPPORTED", message)


def unavailable(message):
    return DriverError("UNAVAILABLE", message)


def timeout(message):
    return DriverError("TIMEOUT", message)


def cancelled(message):
    return DriverError("CANCELLED", message)


def internal(message):
    return DriverError("INTERNAL", message)


class _Status(grpc.Status):
    def __init__(self, code, details, trailing_metadata):
        self.code = code
        self.details = details
        self.trailing_metadata = trailing_metadata


def to_status(protos, error):
    """Returns the grpc.Status (with ErrorInfo in its trailer) that ``error`` travels as."""
    info = protos.error_details_pb2.ErrorInfo(reason=error.reason, domain=DOMAIN)
    if error.flag:
        info.metadata[FLAG_KEY] = error.flag
    detail = any_pb2.Any()
    detail.Pack(info)
    rich = protos.status_pb2.Status(
        code=error.code.value[0], message=error.message, details=[detail]
    )
    return _Status(error.code, error.message, ((DETAILS_KEY, rich.SerializeToString()),))


def error_info(protos, trailing_metadata):
    """Reads the ErrorInfo from a call's trailing metadata (for clients and tests), or None."""
    for key, value in trailing_metadata or ():
        if key == DETAILS_KEY:
            rich = protos.status_pb2.Status.FromString(value)
            for detail in rich.details:
                info = protos.error_details_pb2.ErrorInfo()
                if detail.Unpack(info):
                    return info
    return None
