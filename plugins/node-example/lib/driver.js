'use strict';
// The nodeproc driver's operations, in Docker Machine's terms, on top of the process provider.
// Each long operation gets the machine (name, store path), its config (changed in place: the
// service returns it as the operation's result) and an Operation to report progress on and to
// ask whether the host cancelled.

const fs = require('node:fs');
const cfg = require('./config');
const errors = require('./errors');
const { Machine, portFree, serviceAnswers, now } = require('./provider');

const VERSION = require('../package.json').version;
const DESCRIPTION = 'Each machine is a local process serving a greeting on a loopback TCP port (Node)';
const CAPABILITIES = ['START', 'STOP', 'KILL', 'RESTART', 'CANCEL_CREATE'];

function running(config, record) {
  config.Pid = record.pid;
  config.ServicePort = record.port;
  config.IPAddress = '127.0.0.1';
}

function stopped(config) {
  config.Pid = 0;
  config.ServicePort = 0;
}

async function preCreateCheck(machine, config) {
  if (!config.Greeting) throw errors.invalidArgument('nodeproc-greeting', 'flag "--nodeproc-greeting" is required');
  if (!(await portFree(Number(config.Port) || 0))) {
    throw errors.failedPrecondition(`port ${config.Port} on 127.0.0.1 is in use; pick another --nodeproc-port, or 0`);
  }
}

async function create(machine, config, op) {
  const m = new Machine(machine.name, machine.store_path);
  await preCreateCheck(machine, config);
  const madeDir = !fs.existsSync(m.dir);
  await m.withLock(async () => {
    if (m.read() !== null) {
      throw errors.alreadyExists(`machine "${m.name}" exists already at the provider (${m.recordPath}); remove it first`);
    }
    fs.mkdirSync(m.own, { recursive: true });
    m.write({ pid: 0, startTime: 0, port: 0, createdAt: now() });
    let record = null;
    try {
      const delay = Number(config.CreateDelay) || 0;
      op.progress('prepare', `Preparing machine "${m.name}"`, 0);
      for (let second = 1; second <= delay; second++) {
        await op.sleep(1000);
        op.progress('prepare', `Preparing (${second}/${delay} s)`, (0.8 * second) / delay);
      }
      op.check();
      op.progress('start-process', "Starting the machine's process", 0.8);
      record = await m.spawn(config);
      m.write({ ...m.read(), ...record });
      op.check();
      if (!(await serviceAnswers(record.port))) {
        throw errors.unavailable(
          `machine "${m.name}": its service does not answer on 127.0.0.1:${record.port}; see ${m.logPath}`);
      }
      op.progress('ready', `Process ${record.pid} serves on 127.0.0.1:${record.port}`, 1);
      running(config, record);
    } catch (e) {
      // Cancelled or failed: undo everything made so far, then report.
      if (record !== null) await m.terminate(record, op, false);
      m.discard(madeDir);
      throw e;
    }
  });
}

async function remove(machine, config, op) {
  const m = new Machine(machine.name, machine.store_path);
  if (!fs.existsSync(m.own)) {
    op.progress('remove', `Nothing to remove for machine "${m.name}"`);
    stopped(config);
    return;
  }
  await m.withLock(async () => {
    const record = m.read();
    if (record !== null && Machine.livePid(record)) {
      op.progress('kill', `Killing process ${record.pid}`);
      await m.terminate(record, op, false);
    }
    op.progress('remove', `Deleting ${m.own}`);
    m.discard();
  });
  stopped(config);
}

function existing(machine) {
  const m = new Machine(machine.name, machine.store_path);
  m.require();
  return m;
}

async function start(machine, config, op) {
  const m = existing(machine);
  const record = await m.withLock(async () => {
    let r = m.require();
    if (Machine.livePid(r)) {
      op.progress('start', `Already running (process ${r.pid})`);
      return r;
    }
    op.progress('start', "Starting the machine's process");
    r = { ...r, ...(await m.spawn(config)) };
    m.write(r);
    op.progress('ready', `Process ${r.pid} serves on 127.0.0.1:${r.port}`);
    return r;
  });
  running(config, record);
}

async function stop(machine, config, op, graceful = true) {
  const m = existing(machine);
  await m.withLock(async () => {
    const record = m.require();
    if (!Machine.livePid(record)) {
      op.progress('stop', 'Already stopped');
      return;
    }
    await m.terminate(record, op, graceful);
    m.write({ ...record, pid: 0, startTime: 0, port: 0 });
    op.progress('stopped', `Process ${record.pid} is gone`);
  });
  stopped(config);
}

const kill = (machine, config, op) => stop(machine, config, op, false);

async function restart(machine, config, op) {
  const m = existing(machine);
  const record = await m.withLock(async () => {
    let r = m.require();
    if (Machine.livePid(r)) {
      await m.terminate(r, op);
      op.progress('stopped', `Process ${r.pid} is gone`);
    }
    r = { ...r, ...(await m.spawn(config)) };
    m.write(r);
    op.progress('ready', `Process ${r.pid} serves on 127.0.0.1:${r.port}`);
    return r;
  });
  running(config, record);
}

/** 'NOT_FOUND', 'RUNNING' or 'STOPPED'. */
const state = (machine) => new Machine(machine.name, machine.store_path).state();

function ip(machine) {
  const s = state(machine);
  if (s === 'NOT_FOUND') existing(machine);
  if (s !== 'RUNNING') {
    throw errors.failedPrecondition(`machine "${machine.name}" is not running; start it with "machine start ${machine.name}"`);
  }
  return '127.0.0.1';
}

function url(machine) {
  // The machines run no Docker engine: there is no engine URL to give.
  if (state(machine) === 'NOT_FOUND') existing(machine);
  return '';
}

function noSsh() {
  throw errors.notSupported(`the ${cfg.DRIVER_NAME} driver has no SSH: its machines are local processes`);
}

module.exports = {
  VERSION, DESCRIPTION, CAPABILITIES, preCreateCheck, create, remove, start, stop, kill, restart,
  state, ip, url, noSsh,
};
