'use strict';
// Launches a driver executable the way the `machine` host does, for tests: cookie in the
// environment, a one-time client certificate in PLUGIN_CLIENT_CERT, a private socket directory,
// stdin held open through a pipe (the lifeline), the handshake line read from stdout, and a
// mutual-TLS gRPC client that trusts exactly the certificate the plugin returned.

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const health = require('grpc-health-check');
const protos = require('../lib/protos');
const tls = require('../lib/tls');

const EXECUTABLE = path.resolve(__dirname, '..', 'machine-driver-nodeproc');
const COOKIE = { MACHINE_PLUGIN_COOKIE: 'machinehost-driver-v1' };

function baseEnv() {
  const keep = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'MACHINEHOST_PROTO_DIR'];
  return Object.fromEntries(keep.filter((k) => k in process.env).map((k) => [k, process.env[k]]));
}

const healthPackage = grpc.loadPackageDefinition(
  protoLoader.loadSync(health.protoPath, protos.LOADER_OPTIONS),
).grpc.health.v1;

function parseHandshake(line) {
  const fields = line.replace(/\n$/, '').split('|');
  if (fields.length < 5) throw new Error(`bad handshake line ${JSON.stringify(line)}`);
  return {
    line,
    core: Number(fields[0]),
    app: Number(fields[1]),
    network: fields[2],
    address: fields[3],
    protocol: fields[4],
    cert: fields[5] || null,
    target: fields[2] === 'unix' ? `unix:${fields[3]}` : fields[3],
  };
}

class Plugin {
  /** Resolves once the plugin printed its handshake line. */
  static async launch({ env = {}, mtls = true, transport, versions = '1', timeoutMs = 10000 } = {}) {
    const plugin = new Plugin();
    plugin.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nodeproc-test-'));
    plugin.client = mtls ? await tls.generate('machinehost host') : null;
    const environment = { ...baseEnv(), ...COOKIE, PLUGIN_UNIX_SOCKET_DIR: plugin.tmp };
    if (versions !== null) environment.PLUGIN_PROTOCOL_VERSIONS = versions;
    if (plugin.client) environment.PLUGIN_CLIENT_CERT = plugin.client.certPem;
    if (transport) environment.MACHINE_PLUGIN_TRANSPORT = transport;
    Object.assign(environment, env);
    const started = process.hrtime.bigint();
    plugin.process = spawn(EXECUTABLE, [], { env: environment, stdio: ['pipe', 'pipe', 'pipe'] });
    plugin.stderr = '';
    plugin.process.stderr.on('data', (d) => {
      plugin.stderr += d;
    });
    plugin.exited = new Promise((resolve) => plugin.process.on('exit', (code, signal) => resolve({ code, signal })));
    plugin.stdoutAfter = '';
    const line = await new Promise((resolve, reject) => {
      let data = '';
      const timer = setTimeout(() => {
        plugin.process.kill('SIGKILL');
        reject(new Error(`no handshake within ${timeoutMs} ms; stderr: ${plugin.stderr}`));
      }, timeoutMs);
      const onData = (chunk) => {
        data += chunk;
        const newline = data.indexOf('\n');
        if (newline >= 0) {
          clearTimeout(timer);
          plugin.stdoutAfter = data.slice(newline + 1);
          plugin.process.stdout.off('data', onData);
          plugin.process.stdout.on('data', (more) => {
            plugin.stdoutAfter += more;
          });
          resolve(data.slice(0, newline + 1));
        }
      };
      plugin.process.stdout.on('data', onData);
      plugin.process.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`plugin exited (${code}) before its handshake; stderr: ${plugin.stderr}`));
      });
    });
    plugin.handshakeMs = Number(process.hrtime.bigint() - started) / 1e6;
    plugin.handshake = parseHandshake(line);
    plugin.clients = [];
    return plugin;
  }

  serverPem() {
    return Buffer.from(tls.certificateFromBase64(this.handshake.cert));
  }

  credentials({ withClientCert = true, identity } = {}) {
    const id = identity || this.client;
    return grpc.credentials.createSsl(
      this.serverPem(),
      withClientCert ? Buffer.from(id.keyPem) : null,
      withClientCert ? Buffer.from(id.certPem) : null,
    );
  }

  /** Clients for the three services over one channel (mutual TLS by default). */
  connect(credentials) {
    const creds = credentials || (this.client ? this.credentials() : grpc.credentials.createInsecure());
    const { driver, controller } = protos.load();
    const tcp = this.handshake.network === 'tcp'
      ? { 'grpc.ssl_target_name_override': 'localhost', 'grpc.default_authority': 'localhost' } : {};
    const d = new driver.DriverService(this.handshake.target, creds, tcp);
    const channelOverride = d.getChannel();
    const options = { channelOverride };
    const c = {
      driver: d,
      controller: new controller.GRPCController(this.handshake.target, creds, options),
      health: new healthPackage.Health(this.handshake.target, creds, options),
    };
    this.clients.push(d);
    return c;
  }

  closeStdin() {
    this.process.stdin.end();
  }

  async close() {
    for (const client of this.clients) client.close();
    this.closeStdin();
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}

/** Calls a unary method; resolves to its response, rejects with the gRPC error. */
function call(client, method, request, deadlineMs = 10000) {
  return new Promise((resolve, reject) => {
    client[method](request, { deadline: Date.now() + deadlineMs }, (error, response) =>
      error ? reject(error) : resolve(response));
  });
}

/** Runs a long operation; resolves to {progress, config}, rejects with the gRPC error. */
function run(client, method, machine, deadlineMs = 30000) {
  return new Promise((resolve, reject) => {
    const progress = [];
    let result = null;
    const stream = client[method]({ machine }, { deadline: Date.now() + deadlineMs });
    stream.on('data', (event) => {
      if (result !== null) reject(new Error('a message after the result'));
      if (event.event === 'progress') progress.push(event.progress);
      else result = JSON.parse(event.result.config_json);
    });
    stream.on('error', reject);
    stream.on('end', () => (result === null ? reject(new Error('the stream ended without a result')) : resolve({ progress, config: result })));
  });
}

module.exports = { Plugin, call, run, EXECUTABLE, COOKIE, baseEnv, healthPackage };
