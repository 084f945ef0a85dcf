'use strict';
// End-to-end tests of machine-driver-nodeproc, launched as the host launches it.
// Run: plugins/node-example/test.sh (or `node --test test/` in plugins/node-example).

const { describe, it, before, after, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { X509Certificate } = require('node:crypto');
const grpc = require('@grpc/grpc-js');
const { Plugin, call, run, EXECUTABLE, baseEnv } = require('./harness');
const errors = require('../lib/errors');
const tls = require('../lib/tls');

const S = grpc.status;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function processAlive(pid) {
  try {
    const data = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return !['Z', 'X'].includes(data.slice(data.lastIndexOf(')') + 2).split(' ')[0]);
  } catch {
    return false;
  }
}

function ancestors(pid) {
  const result = [];
  for (let p = pid; p > 1;) {
    const stat = fs.readFileSync(`/proc/${p}/stat`, 'latin1');
    p = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    result.push(p);
  }
  return result;
}

async function waitUntil(predicate, ms = 5000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await predicate()) return true;
    await sleep(20);
  }
  return predicate();
}

function greetingOf(port, token) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      if (token) socket.write(`${token}\n`);
    });
    let data = '';
    socket.setTimeout(5000, () => reject(new Error('no greeting')));
    socket.on('data', (d) => {
      data += d;
      const newline = data.indexOf('\n');
      if (newline >= 0) {
        socket.destroy();
        resolve(data.slice(0, newline));
      }
    });
    socket.on('error', reject);
  });
}

/** A machine store on disk, as the host keeps one; kills every machine process it sees. */
class Store {
  constructor() {
    this.path = fs.mkdtempSync(path.join(os.tmpdir(), 'nodeproc-store-'));
  }

  machine(name, config = '') {
    fs.mkdirSync(path.join(this.path, 'machines', name), { recursive: true });
    return { name, store_path: this.path, config_json: typeof config === 'string' ? config : JSON.stringify(config) };
  }

  pids() {
    const dir = path.join(this.path, 'machines');
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir)
      .map((name) => path.join(dir, name, 'nodeproc', 'instance.json'))
      .filter((file) => fs.existsSync(file))
      .map((file) => JSON.parse(fs.readFileSync(file, 'utf8')).pid)
      .filter(Boolean);
  }

  destroy() {
    for (const pid of this.pids()) {
      if (processAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    fs.rmSync(this.path, { recursive: true, force: true });
  }
}

/** Flag values by flag name. */
function values(given) {
  const result = {};
  for (const [name, value] of Object.entries(given)) {
    if (typeof value === 'boolean') result[name] = { bool_value: value };
    else if (typeof value === 'number') result[name] = { int_value: value };
    else if (Array.isArray(value)) result[name] = { string_list_value: { values: value } };
    else result[name] = { string_value: value };
  }
  return result;
}

async function assertCode(code, promise, flag) {
  const error = await promise.then(
    () => assert.fail(`expected ${code}, the call succeeded`),
    (e) => e,
  );
  assert.equal(error.code, code, error.details || error.message);
  const info = errors.errorInfo(error.metadata);
  assert.ok(info, 'no ErrorInfo');
  assert.equal(info.domain, 'driver.machinehost.io');
  if (flag !== undefined) assert.equal(info.metadata.flag, flag);
  return error;
}

describe('nodeproc driver (one plugin process for every machine)', () => {
  let plugin;
  let c;
  let store;

  before(async () => {
    plugin = await Plugin.launch();
    c = plugin.connect();
  });
  after(() => plugin.close());
  beforeEach(() => {
    store = new Store();
  });
  afterEach(() => store.destroy());

  async function configure(name, flags = {}) {
    const given = { 'nodeproc-greeting': `hello from ${name}`, ...flags };
    const response = await call(c.driver, 'SetConfigFromFlags', { machine: store.machine(name), values: values(given) });
    return store.machine(name, response.config_json);
  }

  const state = async (machine) => (await call(c.driver, 'GetState', { machine })).state;
  const withConfig = (machine, config) => ({ ...machine, config_json: JSON.stringify(config) });

  it('health: plugin is SERVING', async () => {
    const response = await call(c.health, 'Check', { service: 'plugin' });
    assert.equal(response.status, 'SERVING');
  });

  it('plugin info: name, version, protocol 1, capabilities, secret keys', async () => {
    const info = await call(c.driver, 'GetPluginInfo', {});
    assert.equal(info.name, 'nodeproc');
    assert.ok(info.version);
    assert.equal(info.protocol_version, 1);
    assert.deepEqual(info.capabilities, ['CAPABILITY_START', 'CAPABILITY_STOP', 'CAPABILITY_KILL',
      'CAPABILITY_RESTART', 'CAPABILITY_CANCEL_CREATE']);
    assert.ok(info.description);
    assert.deepEqual(info.secret_config_keys, ['Token']);
    assert.equal((await call(c.driver, 'DriverName', {})).name, 'nodeproc');
  });

  it('create flags are typed, with required, choices, defaults and bounds', async () => {
    const { flags } = await call(c.driver, 'GetCreateFlags', {});
    const byName = Object.fromEntries(flags.map((f) => [f.name, f]));
    assert.equal(byName['nodeproc-greeting'].type, 'FLAG_TYPE_STRING');
    assert.equal(byName['nodeproc-greeting'].required, true);
    assert.equal(byName['nodeproc-greeting'].env_var, 'NODEPROC_GREETING');
    assert.deepEqual(byName['nodeproc-mode'].choices, ['banner', 'echo']);
    assert.equal(byName['nodeproc-mode'].default_value.string_value, 'banner');
    const port = byName['nodeproc-port'];
    assert.equal(port.type, 'FLAG_TYPE_INT');
    assert.equal(port.min, 0);
    assert.equal(port.max, 65535);
    assert.equal(port.default_value.int_value, 0);
    assert.equal(byName['nodeproc-tags'].type, 'FLAG_TYPE_STRING_LIST');
    assert.equal(byName['nodeproc-tags'].default_value, null);
    assert.equal(byName['nodeproc-token'].secret, true);
  });

  it('SetConfigFromFlags without the required flag is INVALID_ARGUMENT naming it', async () => {
    const e = await assertCode(S.INVALID_ARGUMENT,
      call(c.driver, 'SetConfigFromFlags', { machine: store.machine('m1'), values: {} }), 'nodeproc-greeting');
    assert.match(e.details, /nodeproc-greeting/);
  });

  it('SetConfigFromFlags rejects bad values, naming the flag', async () => {
    const cases = [
      [{ 'nodeproc-greeting': 'hi', 'nodeproc-mode': 'telnet' }, 'nodeproc-mode'],
      [{ 'nodeproc-greeting': 'hi', 'nodeproc-port': 70000 }, 'nodeproc-port'],
      [{ 'nodeproc-greeting': 'hi', 'nodeproc-port': '22' }, 'nodeproc-port'],
      [{ 'nodeproc-greeting': 'hi', 'nodeproc-colour': 'red' }, 'nodeproc-colour'],
    ];
    for (const [given, flag] of cases) {
      await assertCode(S.INVALID_ARGUMENT,
        call(c.driver, 'SetConfigFromFlags', { machine: store.machine('m1'), values: values(given) }), flag);
    }
  });

  it('SetConfigFromFlags fills defaults and GetConfig round-trips', async () => {
    const machine = await configure('m1', { 'nodeproc-tags': ['a', 'b'] });
    const config = JSON.parse(machine.config_json);
    assert.equal(config.Greeting, 'hello from m1');
    assert.equal(config.Mode, 'banner');
    assert.equal(config.Port, 0);
    assert.deepEqual(config.Tags, ['a', 'b']);
    const got = await call(c.driver, 'GetConfig', { machine });
    assert.deepEqual(JSON.parse(got.config_json), config);
    assert.equal((await call(c.driver, 'GetMachineName', { machine })).name, 'm1');
  });

  it('a bad machine name is INVALID_ARGUMENT', async () => {
    await assertCode(S.INVALID_ARGUMENT,
      call(c.driver, 'GetState', { machine: { name: '../etc', store_path: store.path } }));
  });

  it('SSH calls are UNIMPLEMENTED', async () => {
    const machine = await configure('m1');
    await assertCode(S.UNIMPLEMENTED, call(c.driver, 'GetSshHostname', { machine }));
    await assertCode(S.UNIMPLEMENTED, call(c.driver, 'GetSshPort', { machine }));
  });

  it('lifecycle: create, stop, start, kill, restart, remove, with idempotent repeats', async () => {
    let machine = await configure('life', { 'nodeproc-mode': 'echo' });
    assert.equal(await state(machine), 'STATE_NOT_FOUND');
    await call(c.driver, 'PreCreateCheck', { machine });

    let { progress, config } = await run(c.driver, 'Create', machine);
    assert.ok(progress.length > 0, 'Create reported no progress');
    machine = withConfig(machine, config);
    let pid = config.Pid;
    assert.ok(processAlive(pid));
    assert.equal(await state(machine), 'STATE_RUNNING');
    assert.equal(await greetingOf(config.ServicePort), 'hello from life');
    assert.equal((await call(c.driver, 'GetIp', { machine })).ip, '127.0.0.1');

    ({ config } = await run(c.driver, 'Stop', machine));
    assert.equal(await state(machine), 'STATE_STOPPED');
    assert.ok(!processAlive(pid));
    assert.equal(config.Pid, 0);
    await assertCode(S.FAILED_PRECONDITION, call(c.driver, 'GetIp', { machine }));
    await run(c.driver, 'Stop', machine); // stopping a stopped machine succeeds
    assert.equal(await state(machine), 'STATE_STOPPED');

    ({ config } = await run(c.driver, 'Start', machine));
    assert.equal(await state(machine), 'STATE_RUNNING');
    pid = config.Pid;
    const again = await run(c.driver, 'Start', machine); // starting a running machine succeeds
    assert.equal(again.config.Pid, pid);

    await run(c.driver, 'Kill', machine);
    assert.equal(await state(machine), 'STATE_STOPPED');
    assert.ok(!processAlive(pid));
    await run(c.driver, 'Kill', machine); // killing a stopped machine succeeds

    ({ config } = await run(c.driver, 'Restart', machine)); // restarting a stopped machine starts it
    assert.equal(await state(machine), 'STATE_RUNNING');
    const first = config.Pid;
    ({ config } = await run(c.driver, 'Restart', machine));
    assert.equal(await state(machine), 'STATE_RUNNING');
    assert.notEqual(config.Pid, first);
    assert.ok(!processAlive(first));
    pid = config.Pid;

    await run(c.driver, 'Remove', machine);
    assert.equal(await state(machine), 'STATE_NOT_FOUND');
    assert.ok(!processAlive(pid));
    assert.ok(!fs.existsSync(path.join(store.path, 'machines', 'life', 'nodeproc')));
    await run(c.driver, 'Remove', machine); // removing a missing machine succeeds

    for (const method of ['Start', 'Stop', 'Kill', 'Restart']) {
      await assertCode(S.NOT_FOUND, run(c.driver, method, machine));
    }
    await assertCode(S.NOT_FOUND, call(c.driver, 'GetIp', { machine }));
  });

  it('Create of an existing machine is ALREADY_EXISTS', async () => {
    const machine = await configure('dup');
    const { config } = await run(c.driver, 'Create', machine);
    await assertCode(S.ALREADY_EXISTS, run(c.driver, 'Create', machine));
    assert.ok(processAlive(config.Pid));
    await run(c.driver, 'Remove', withConfig(machine, config));
  });

  it('two machines at once', async () => {
    // Each Create takes at least 2 s: one after the other they would take 4 s or more.
    const machines = [await configure('twin-0', { 'nodeproc-create-delay': 2 }),
      await configure('twin-1', { 'nodeproc-create-delay': 2 })];
    const started = Date.now();
    const results = await Promise.all(machines.map((m) => run(c.driver, 'Create', m)));
    assert.ok(Date.now() - started < 3600, 'the creates did not overlap');
    const pids = new Set(results.map((r) => r.config.Pid));
    assert.equal(pids.size, 2);
    for (let i = 0; i < 2; i++) {
      const machine = withConfig(machines[i], results[i].config);
      assert.equal(await state(machine), 'STATE_RUNNING');
      assert.equal(await greetingOf(results[i].config.ServicePort), `hello from twin-${i}`);
    }
    await Promise.all(machines.map((m, i) => run(c.driver, 'Remove', withConfig(m, results[i].config))));
    assert.ok([...pids].every((p) => !processAlive(p)));
  });

  it('a cancelled Create removes what it made', async () => {
    const machine = await configure('cancel-me', { 'nodeproc-create-delay': 30 });
    const stream = c.driver.Create({ machine });
    stream.on('error', () => {});
    await new Promise((resolve) => stream.once('data', resolve));
    stream.cancel();
    const own = path.join(store.path, 'machines', 'cancel-me', 'nodeproc');
    assert.ok(await waitUntil(() => !fs.existsSync(own)), `Create left ${own}`);
    assert.equal(await state(machine), 'STATE_NOT_FOUND');
    assert.deepEqual(store.pids(), []);
  });

  it('Remove after a cancelled Create waits for its cleanup', async () => {
    // What a host does after Ctrl-C: cancel the stream, then Remove (idempotent), whose answer
    // comes only once the driver has finished cleaning up.
    const machine = await configure('cancel-rm', { 'nodeproc-create-delay': 30 });
    const stream = c.driver.Create({ machine });
    stream.on('error', () => {});
    await new Promise((resolve) => stream.once('data', resolve));
    stream.cancel();
    await run(c.driver, 'Remove', machine);
    assert.equal(await state(machine), 'STATE_NOT_FOUND');
    assert.ok(!fs.existsSync(path.join(store.path, 'machines', 'cancel-rm', 'nodeproc')));
    assert.deepEqual(store.pids(), []);
  });

  it('the secret token guards the service', async () => {
    const machine = await configure('vault', { 'nodeproc-token': 's3cret' });
    const { config } = await run(c.driver, 'Create', machine);
    assert.equal(await greetingOf(config.ServicePort, 'wrong'), 'denied');
    assert.equal(await greetingOf(config.ServicePort, 's3cret'), 'hello from vault');
    await run(c.driver, 'Remove', withConfig(machine, config));
  });

  it('a port in use is FAILED_PRECONDITION', async () => {
    const busy = net.createServer();
    await new Promise((resolve) => busy.listen({ host: '127.0.0.1', port: 0 }, resolve));
    try {
      const machine = await configure('busy', { 'nodeproc-port': busy.address().port });
      await assertCode(S.FAILED_PRECONDITION, call(c.driver, 'PreCreateCheck', { machine }));
    } finally {
      busy.close();
    }
  });

  it('SIGINT is ignored', async () => {
    process.kill(plugin.process.pid, 'SIGINT');
    await sleep(200);
    assert.equal(plugin.process.exitCode, null);
    assert.equal((await call(c.health, 'Check', { service: 'plugin' })).status, 'SERVING');
  });
});

describe('channel security', () => {
  let plugin;
  before(async () => {
    plugin = await Plugin.launch();
  });
  after(() => plugin.close());

  async function assertRefused(credentials) {
    const c = plugin.connect(credentials);
    await assert.rejects(call(c.health, 'Check', { service: 'plugin' }, 5000), (e) => e.code === S.UNAVAILABLE);
  }

  it('handshake line: 1|1|unix|<socket in a 0700 dir>|grpc|<P-256 cert>', () => {
    const h = plugin.handshake;
    assert.deepEqual([h.core, h.app, h.network, h.protocol], [1, 1, 'unix', 'grpc']);
    assert.match(h.address, /\/plugin\.sock$/);
    assert.equal(fs.statSync(path.dirname(h.address)).mode & 0o777, 0o700);
    assert.ok(fs.statSync(h.address).isSocket());
    const cert = new X509Certificate(plugin.serverPem());
    assert.equal(cert.publicKey.asymmetricKeyDetails.namedCurve, 'prime256v1');
    assert.match(cert.subjectAltName, /DNS:localhost/);
  });

  it('a client without a certificate is refused', () => assertRefused(plugin.credentials({ withClientCert: false })));

  it('a client with another certificate is refused', async () => {
    const other = await tls.generate('someone else');
    await assertRefused(plugin.credentials({ identity: other }));
  });

  it('a plaintext client is refused', () => assertRefused(grpc.credentials.createInsecure()));
});

describe('the shipped protos (proto/ alone)', () => {
  it('every .proto a driver needs loads with proto-loader from one include directory', () => {
    const protoLoader = require('@grpc/proto-loader');
    const { protoRoot, LOADER_OPTIONS } = require('../lib/protos');
    const files = [
      'machine/driver/v1/driver.proto',
      'plugin/grpc_controller.proto',
      'grpc/health/v1/health.proto',
      'google/rpc/status.proto',
      'google/rpc/error_details.proto',
    ];
    const definition = protoLoader.loadSync(files, { ...LOADER_OPTIONS, includeDirs: [protoRoot()] });
    const tree = grpc.loadPackageDefinition(definition);
    assert.equal(typeof tree.machine.driver.v1.DriverService, 'function');
    assert.equal(typeof tree.plugin.GRPCController, 'function');
    assert.deepEqual(Object.keys(tree.grpc.health.v1.Health.service), ['Check', 'Watch']);
    assert.ok(definition['google.rpc.Status']);
    assert.ok(definition['google.rpc.ErrorInfo']);
  });

  it('errors travel as proto/\'s google.rpc.Status with an ErrorInfo', () => {
    const error = errors.invalidArgument('nodeproc-greeting', 'bad greeting').toServiceError();
    assert.equal(error.code, S.INVALID_ARGUMENT);
    assert.deepEqual(errors.errorInfo(error.metadata), {
      reason: 'INVALID_ARGUMENT',
      domain: errors.DOMAIN,
      metadata: { flag: 'nodeproc-greeting' },
    });
  });
});

describe('launch and exit', () => {
  it('without the cookie it exits 1 and says it is a plugin', () => {
    const result = spawnSync(EXECUTABLE, [], { env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'], timeout: 10000 });
    assert.equal(result.status, 1);
    assert.equal(result.stdout.length, 0);
    assert.match(result.stderr.toString(), /machinehost driver plugin/);
    assert.match(result.stderr.toString(), /launched by `machine`/);
  });

  it('closing stdin makes it exit within 2 s, removing its socket directory', async () => {
    const plugin = await Plugin.launch();
    const c = plugin.connect();
    await call(c.health, 'Check', { service: 'plugin' });
    const socketDir = path.dirname(plugin.handshake.address);
    const started = Date.now();
    plugin.closeStdin();
    const { code } = await plugin.exited;
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    assert.equal(code, 0);
    assert.ok(!fs.existsSync(socketDir), 'socket directory left behind');
    assert.equal(plugin.stdoutAfter, '', 'more than one line on stdout');
    await plugin.close();
  });

  it('Shutdown makes it exit', async () => {
    const plugin = await Plugin.launch();
    const c = plugin.connect();
    const socketDir = path.dirname(plugin.handshake.address);
    await call(c.controller, 'Shutdown', {});
    const { code } = await plugin.exited;
    assert.equal(code, 0);
    assert.ok(!fs.existsSync(socketDir), 'socket directory left behind');
    await plugin.close();
  });

  it('Shutdown lets a running operation finish', async () => {
    const store = new Store();
    const plugin = await Plugin.launch();
    try {
      const c = plugin.connect();
      const configured = await call(c.driver, 'SetConfigFromFlags', {
        machine: store.machine('slow'), values: values({ 'nodeproc-greeting': 'hi', 'nodeproc-create-delay': 1 }),
      });
      const creating = run(c.driver, 'Create', store.machine('slow', configured.config_json));
      await sleep(300);
      await call(c.controller, 'Shutdown', {});
      const { config } = await creating;
      assert.equal((await plugin.exited).code, 0);
      assert.ok(processAlive(config.Pid));
    } finally {
      await plugin.close();
      store.destroy();
    }
  });

  it('stdin EOF after Shutdown still exits within 2 s, the cancelled Create cleaned up', async () => {
    // The host sends Shutdown and then closes stdin: the lifeline bound holds even while a
    // Shutdown would let a long operation finish.
    const store = new Store();
    const plugin = await Plugin.launch();
    try {
      const c = plugin.connect();
      const configured = await call(c.driver, 'SetConfigFromFlags', {
        machine: store.machine('long'), values: values({ 'nodeproc-greeting': 'hi', 'nodeproc-create-delay': 30 }),
      });
      const stream = c.driver.Create({ machine: store.machine('long', configured.config_json) });
      stream.on('error', () => {});
      await new Promise((resolve) => stream.once('data', resolve));
      await call(c.controller, 'Shutdown', {});
      const started = Date.now();
      plugin.closeStdin();
      const { code } = await plugin.exited;
      assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
      assert.equal(code, 0);
      assert.ok(!fs.existsSync(path.join(store.path, 'machines', 'long', 'nodeproc')));
      assert.deepEqual(store.pids(), []);
    } finally {
      await plugin.close();
      store.destroy();
    }
  });

  it('machines outlive the plugin process (no per-machine state in memory)', async () => {
    const store = new Store();
    try {
      const first = await Plugin.launch();
      let c = first.connect();
      const configured = await call(c.driver, 'SetConfigFromFlags', {
        machine: store.machine('keep'), values: values({ 'nodeproc-greeting': 'still here' }),
      });
      const { config } = await run(c.driver, 'Create', store.machine('keep', configured.config_json));
      await first.close();
      assert.ok(processAlive(config.Pid));
      const second = await Plugin.launch();
      c = second.connect();
      const machine = store.machine('keep', config);
      assert.equal((await call(c.driver, 'GetState', { machine })).state, 'STATE_RUNNING');
      assert.equal(await greetingOf(config.ServicePort), 'still here');
      await run(c.driver, 'Remove', machine);
      await second.close();
      assert.ok(!processAlive(config.Pid));
    } finally {
      store.destroy();
    }
  });

  it('machine processes do not hold the plugin pipes, run in their own session and do not descend from the plugin', async () => {
    const store = new Store();
    try {
      const plugin = await Plugin.launch();
      const c = plugin.connect();
      const configured = await call(c.driver, 'SetConfigFromFlags', {
        machine: store.machine('pipes'), values: values({ 'nodeproc-greeting': 'hi' }),
      });
      const { config } = await run(c.driver, 'Create', store.machine('pipes', configured.config_json));
      const pluginPipes = [1, 2].map((fd) => fs.readlinkSync(`/proc/${plugin.process.pid}/fd/${fd}`));
      // Not a descendant: a host that kills the plugin with its descendants spares the machine.
      assert.ok(!ancestors(config.Pid).includes(plugin.process.pid), 'the machine descends from the plugin');
      const stdoutClosed = new Promise((resolve) => plugin.process.stdout.on('close', resolve));
      await plugin.close();
      await Promise.race([stdoutClosed, sleep(3000).then(() => assert.fail('stdout still open'))]);
      const targets = fs.readdirSync(`/proc/${config.Pid}/fd`).map((fd) => fs.readlinkSync(`/proc/${config.Pid}/fd/${fd}`));
      assert.ok(!targets.some((t) => pluginPipes.includes(t)), `${targets.join(' ')} vs ${pluginPipes}`);
      const stat = fs.readFileSync(`/proc/${config.Pid}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      assert.equal(Number(fields[3]), config.Pid, 'not a session leader of its own session');
    } finally {
      store.destroy();
    }
  });

  it('tcp transport on loopback', async () => {
    const plugin = await Plugin.launch({ transport: 'tcp' });
    try {
      assert.equal(plugin.handshake.network, 'tcp');
      assert.match(plugin.handshake.address, /^127\.0\.0\.1:\d+$/);
      const info = await call(plugin.connect().driver, 'GetPluginInfo', {});
      assert.equal(info.name, 'nodeproc');
    } finally {
      await plugin.close();
    }
  });

  it('without PLUGIN_CLIENT_CERT it serves plaintext', async () => {
    const plugin = await Plugin.launch({ mtls: false });
    try {
      assert.equal(plugin.handshake.cert, null);
      const info = await call(plugin.connect().driver, 'GetPluginInfo', {});
      assert.equal(info.protocol_version, 1);
    } finally {
      await plugin.close();
    }
  });

  it('version negotiation picks 1, or its lowest when none is shared', async () => {
    for (const offered of ['1', '1,2', '3,2', '', 'x, 1']) {
      const plugin = await Plugin.launch({ versions: offered, mtls: false });
      assert.equal(plugin.handshake.app, 1, `offered ${offered}`);
      await plugin.close();
    }
  });
});
