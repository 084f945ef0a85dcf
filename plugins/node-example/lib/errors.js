'use strict';
// Driver errors and how they travel: a gRPC status code, a message, and a google.rpc.ErrorInfo.
//
// The ErrorInfo (domain "driver.machinehost.io", reason = the driver error code, metadata
// {flag: name} for a bad flag) rides in the standard `grpc-status-details-bin` trailer as a
// serialized google.rpc.Status, as grpc-java's StatusProto sends it. A host that finds no
// ErrorInfo falls back to the gRPC code.

const grpc = require('@grpc/grpc-js');
const path = require('node:path');
const protobuf = require('protobufjs');
const { protoRoot } = require('./protos');

const DOMAIN = 'driver.machinehost.io';
const DETAILS_KEY = 'grpc-status-details-bin';

// Driver error code (the ErrorInfo reason) -> gRPC status code, as the Java SDK's StatusMapping.
const CODES = {
  INVALID_ARGUMENT: grpc.status.INVALID_ARGUMENT,
  NOT_FOUND: grpc.status.NOT_FOUND,
  ALREADY_EXISTS: grpc.status.ALREADY_EXISTS,
  FAILED_PRECONDITION: grpc.status.FAILED_PRECONDITION,
  NOT_SUPPORTED: grpc.status.UNIMPLEMENTED,
  UNAVAILABLE: grpc.status.UNAVAILABLE,
  TIMEOUT: grpc.status.DEADLINE_EXCEEDED,
  PERMISSION_DENIED: grpc.status.PERMISSION_DENIED,
  RESOURCE_EXHAUSTED: grpc.status.RESOURCE_EXHAUSTED,
  CANCELLED: grpc.status.CANCELLED,
  INTERNAL: grpc.status.INTERNAL,
};

// google.rpc.Status and ErrorInfo from the protocol's own copies (proto/google/rpc/*.proto);
// protobufjs knows google/protobuf/{any,duration}.proto itself.
const root = new protobuf.Root();
root.resolvePath = (origin, target) =>
  target.startsWith('google/protobuf/') ? target : path.join(protoRoot(), target);
root.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto'], { keepCase: true });
const Status = root.lookupType('google.rpc.Status');
const ErrorInfo = root.lookupType('google.rpc.ErrorInfo');
const ERROR_INFO_URL = 'type.googleapis.com/google.rpc.ErrorInfo';

class DriverError extends Error {
  constructor(reason, message, flag) {
    if (!(reason in CODES)) throw new Error(`unknown driver error code ${reason}`);
    super(message);
    this.reason = reason;
    this.flag = flag || null;
  }

  get code() {
    return CODES[this.reason];
  }

  /** The grpc-js ServiceError this error travels as, ErrorInfo in its trailers. */
  toServiceError() {
    const info = { reason: this.reason, domain: DOMAIN, metadata: {} };
    if (this.flag) info.metadata.flag = this.flag;
    const status = Status.encode({
      code: this.code,
      message: this.message,
      details: [{ type_url: ERROR_INFO_URL, value: ErrorInfo.encode(info).finish() }],
    }).finish();
    const metadata = new grpc.Metadata();
    metadata.set(DETAILS_KEY, Buffer.from(status));
    return { code: this.code, details: this.message, metadata };
  }
}

const make = (reason) => (message, flag) => new DriverError(reason, message, flag);

/** Reads the ErrorInfo from a failed call's metadata (for clients and tests), or null. */
function errorInfo(metadata) {
  const values = metadata ? metadata.get(DETAILS_KEY) : [];
  for (const value of values) {
    const status = Status.decode(value);
    for (const detail of status.details) {
      if (detail.type_url === ERROR_INFO_URL) return ErrorInfo.toObject(ErrorInfo.decode(detail.value));
    }
  }
  return null;
}

module.exports = {
  DriverError,
  CODES,
  DOMAIN,
  errorInfo,
  invalidArgument: (flag, message) => new DriverError('INVALID_ARGUMENT', message, flag),
  notFound: make('NOT_FOUND'),
  alreadyExists: make('ALREADY_EXISTS'),
  failedPrecondition: make('FAILED_PRECONDITION'),
  notSupported: make('NOT_SUPPORTED'),
  unavailable: make('UNAVAILABLE'),
  timeout: make('TIMEOUT'),
  cancelled: make('CANCELLED'),
  internal: make('INTERNAL'),
};
