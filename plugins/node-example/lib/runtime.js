'use strict';
// The plugin side of the machinehost protocol (v1), for any Node driver.
//
// Cookie check, version negotiation, private Unix socket (or loopback TCP), go-plugin AutoMTLS,
// health, the handshake line, the stdin lifeline, Shutdown and signals. proto/README.md in the
// repository is the protocol document this follows.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const COOKIE_KEY = 'MACHINE_PLUGIN_COOKIE';
const COOKIE_VALUE = 'machinehost-driver-v1';
const CORE_VERSION = 1;
const SUPPORTED_VERSIONS = [1];
const SHUTDOWN_GRACE_MS = 30000; // Shutdown lets running operations finish for this long
const LIFELINE_GRACE_MS = 1200; // after stdin EOF: cancel, clean up, and be gone within 2 s
const SOCKET_PATH_MAX = 107; // sun_path holds 108 bytes, with the terminating NUL

const LEVELS = { error: 0, info: 1, debug: 2 };
let level = LEVELS.info;
const log = (at, message) => {
  if (LEVELS[at] <= level) process.stderr.write(`nodeproc: ${at.toUpperCase()} ${message}\n`);
};

/**
 * The highest version both sides speak; our lowest when none is shared (the host complains); our
 * highest when the host sends no list.
 */
function negotiate(offered) {
  if (!(offered || '').trim()) return Math.max(...SUPPORTED_VERSIONS);
  const versions = (offered || '')
    .split(',')
    .map((v) => v.trim())
    .filter((v) => /^\d+$/.test(v)) // not a version: ignored, as go-plugin does
    .map(Number);
  const shared = SUPPORTED_VERSIONS.filter((v) => versions.includes(v));
  return shared.length ? Math.max(...shared) : Math.min(...SUPPORTED_VERSIONS);
}

class Plugin {
  constructor(env) {
    this.env = env;
    this.socketDir = null;
    this.exiting = false;
  }

  async start() {
    const grpc = require('@grpc/grpc-js');
    const { HealthImplementation } = require('grpc-health-check');
    const protos = require('./protos').load();
    const service = require('./service');

    const app = negotiate(this.env.PLUGIN_PROTOCOL_VERSIONS);
    this.operations = new service.Operations();

    let credentials = grpc.ServerCredentials.createInsecure();
    let identity = null;
    const clientPem = (this.env.PLUGIN_CLIENT_CERT || '').trim();
    if (clientPem) {
      const tls = require('./tls');
      let trusted;
      try {
        trusted = tls.readPemCertificate(clientPem);
      } catch (e) {
        throw new Error(`PLUGIN_CLIENT_CERT: ${e.message}`);
      }
      identity = await tls.generate();
      credentials = grpc.ServerCredentials.createSsl(
        trusted,
        [{ private_key: Buffer.from(identity.keyPem), cert_chain: Buffer.from(identity.certPem) }],
        true, // require and verify a client certificate
      );
    }

    this.server = new grpc.Server();
    this.server.addService(protos.driver.DriverService.service, service.makeDriverService(this.operations, app));
    this.server.addService(
      protos.controller.GRPCController.service,
      service.makeController(() => this.exit('shutdown requested', SHUTDOWN_GRACE_MS, false)),
    );
    this.health = new HealthImplementation({ '': 'SERVING', plugin: 'SERVING' });
    this.health.addToServer(this.server);

    const transport = this.env.MACHINE_PLUGIN_TRANSPORT || 'unix';
    let network;
    let address;
    if (transport === 'tcp') {
      const port = await this.bind('127.0.0.1:0', credentials);
      network = 'tcp';
      address = `127.0.0.1:${port}`;
    } else if (transport === 'unix') {
      const parent = this.env.PLUGIN_UNIX_SOCKET_DIR || os.tmpdir();
      this.socketDir = fs.mkdtempSync(path.join(parent, 'machine-plugin-')); // 0700
      address = path.join(this.socketDir, 'plugin.sock');
      if (Buffer.byteLength(address) > SOCKET_PATH_MAX) {
        throw new Error(`socket path ${address} is longer than ${SOCKET_PATH_MAX} bytes; set PLUGIN_UNIX_SOCKET_DIR to a shorter directory`);
      }
      fs.rmSync(address, { force: true }); // grpc-js does not replace a stale socket
      await this.bind(`unix:${address}`, credentials);
      network = 'unix';
    } else {
      throw new Error(`MACHINE_PLUGIN_TRANSPORT=${transport}: expected unix or tcp`);
    }

    const fields = [CORE_VERSION, app, network, address, 'grpc'];
    if (identity) fields.push(identity.certDer.toString('base64'));
    return fields.join('|');
  }

  bind(address, credentials) {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, credentials, (error, port) => {
        if (error) reject(new Error(`cannot listen on ${address}: ${error.message}`));
        else resolve(port);
      });
    });
  }

  /** Stops serving and exits: cancels running operations or lets them finish within grace. */
  async exit(why, graceMs, cancelRunning) {
    if (this.exiting) {
      // Already leaving (say, a Shutdown letting operations finish): a later stdin EOF or SIGTERM
      // still cancels them and bounds the exit to its grace.
      if (cancelRunning) {
        log('debug', `exiting sooner: ${why}`);
        this.operations.cancelAll();
        setTimeout(() => this.hardExit(), graceMs + 400).unref();
      }
      return;
    }
    this.exiting = true;
    log('debug', `exiting: ${why}`);
    if (graceMs < 2000) setTimeout(() => this.hardExit(), graceMs + 400).unref();
    this.health.setStatus('plugin', 'NOT_SERVING');
    if (cancelRunning) this.operations.cancelAll();
    await this.operations.waitIdle(graceMs);
    // Let the last answers go out, then close whatever is left (health watchers, say).
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, 300);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.hardExit();
  }

  cleanup() {
    if (this.socketDir) {
      fs.rmSync(this.socketDir, { recursive: true, force: true });
      this.socketDir = null;
    }
  }

  hardExit(code = 0) {
    this.cleanup();
    if (this.server) this.server.forceShutdown();
    process.exit(code);
  }

  watchStdin() {
    // The lifeline: the host holds our stdin open; EOF (or an error) means it is gone.
    const gone = () => this.exit('stdin closed', LIFELINE_GRACE_MS, true);
    process.stdin.on('end', gone);
    process.stdin.on('close', gone);
    process.stdin.on('error', gone);
    process.stdin.on('data', () => {}); // the host writes nothing; anything read is ignored
    process.stdin.resume();
  }
}

async function main() {
  const env = process.env;
  if (env[COOKIE_KEY] !== COOKIE_VALUE) {
    process.stderr.write(
      'This is a machinehost driver plugin (protocol v1). It is not meant to be run directly: ' +
        'it is launched by `machine`, e.g. `machine create -d nodeproc NAME`.\n',
    );
    process.exitCode = 1;
    return;
  }

  // Ctrl-C in a terminal reaches the whole process group: the host decides what to cancel.
  process.on('SIGINT', () => {});

  // stdout carries the handshake line and nothing else: everything written to process.stdout
  // (console.log included) goes to stderr from here on.
  process.stdout.write = process.stderr.write.bind(process.stderr);

  level = LEVELS[env.MACHINE_PLUGIN_LOG_LEVEL] ?? LEVELS.info;
  const plugin = new Plugin(env);
  for (const signal of ['SIGTERM', 'SIGHUP']) {
    process.on(signal, () => plugin.exit(`signal ${signal}`, LIFELINE_GRACE_MS, true));
  }
  let line;
  try {
    line = await plugin.start();
  } catch (e) {
    process.stderr.write(`nodeproc plugin: cannot start: ${e.message}\n`);
    plugin.cleanup();
    process.exit(1);
  }
  fs.writeSync(1, `${line}\n`);
  log('debug', `serving: ${line.split('|').slice(0, 4).join('|')}`);
  plugin.watchStdin();
}

module.exports = { main, negotiate };
