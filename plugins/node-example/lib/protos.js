'use strict';
// The protocol's .proto files, loaded at run time with @grpc/proto-loader (nothing generated).

const fs = require('node:fs');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const DRIVER_PROTO = 'machine/driver/v1/driver.proto';
const CONTROLLER_PROTO = 'plugin/grpc_controller.proto';
const EXAMPLE_DIR = path.resolve(__dirname, '..');

// keepCase: the field names of the .proto (config_json, not configJson); enums as their names;
// int64 as JS numbers (flag bounds and values are far below 2^53); oneofs: a virtual field naming
// the member that is set. Proto3 `optional` fields (Flag.min/max, Progress.fraction) are absent
// when unset.
const LOADER_OPTIONS = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true };

/** The directory holding machine/driver/v1/driver.proto. */
function protoRoot() {
  const candidates = [];
  if (process.env.MACHINEHOST_PROTO_DIR) candidates.push(process.env.MACHINEHOST_PROTO_DIR);
  candidates.push(path.join(EXAMPLE_DIR, 'proto'));
  candidates.push(path.join(EXAMPLE_DIR, '..', '..', 'proto', 'src', 'main', 'proto'));
  for (const candidate of candidates) {
    if (fs.existsSync(path.join(candidate, DRIVER_PROTO))) return candidate;
  }
  throw new Error(
    `cannot find ${DRIVER_PROTO}; looked in ${candidates.join(', ')} (set MACHINEHOST_PROTO_DIR)`,
  );
}

let loaded;

/** {driver: machine.driver.v1 package, controller: plugin package, pkg: raw definitions}. */
function load() {
  if (!loaded) {
    const definition = protoLoader.loadSync([DRIVER_PROTO, CONTROLLER_PROTO], {
      ...LOADER_OPTIONS,
      includeDirs: [protoRoot()],
    });
    const tree = grpc.loadPackageDefinition(definition);
    loaded = { driver: tree.machine.driver.v1, controller: tree.plugin, definition };
  }
  return loaded;
}

module.exports = { load, protoRoot, LOADER_OPTIONS };
