'use strict';
// The nodeproc "cloud": machines are local processes, each a small loopback TCP service.
//
// The provider's truth lives on disk and in the process table, never in the plugin's memory:
// <store>/machines/<name>/nodeproc/instance.json records the machine's process (PID, its start
// time from /proc so that a reused PID is never mistaken for it, and its port), and service.log
// next to it is the process's stderr. The config JSON the host keeps carries a copy of those
// facts for display; the provider is always asked again.
//
// Machine processes run detached: their own session, stdin/stdout on /dev/null, stderr in the log
// file, no descriptor of the plugin inherited (libuv closes them), and re-parented away from the
// plugin by a launcher that exits, so they neither hold the plugin's pipes open nor die with it,
// even when a host kills the plugin together with its descendants.

const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { spawn } = require('node:child_process');
const errors = require('./errors');

const MACHINE_SCRIPT = path.join(__dirname, 'machine-process.js');
const STOP_TIMEOUT_MS = 10000;
const KILL_TIMEOUT_MS = 5000;
const SPAWN_TIMEOUT_MS = 15000;
const LOCK_TIMEOUT_MS = 60000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** The process's start time in clock ticks since boot, or null if it is gone or a zombie. */
function processStartTime(pid) {
  if (!(pid > 0)) return null;
  let data;
  try {
    data = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  const fields = data.slice(data.lastIndexOf(')') + 2).split(' ');
  if (['Z', 'X', 'x'].includes(fields[0])) return null;
  return Number(fields[19]);
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

class Machine {
  constructor(name, storePath) {
    this.name = name;
    this.dir = path.join(storePath, 'machines', name);
    this.own = path.join(this.dir, 'nodeproc');
    this.recordPath = path.join(this.own, 'instance.json');
    this.logPath = path.join(this.own, 'service.log');
    this.lockPath = path.join(this.dir, 'nodeproc.lock');
  }

  /** The instance record, or null when the machine does not exist at the provider. */
  read() {
    let text;
    try {
      text = fs.readFileSync(this.recordPath, 'utf8');
    } catch (e) {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
      throw e;
    }
    try {
      return JSON.parse(text);
    } catch (e) {
      throw errors.internal(`instance record ${this.recordPath} is corrupt: ${e.message}`);
    }
  }

  write(record) {
    const scratch = `${this.recordPath}.tmp`;
    const fd = fs.openSync(scratch, 'w', 0o600);
    try {
      fs.writeSync(fd, JSON.stringify(record));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(scratch, this.recordPath);
  }

  /**
   * Runs fn holding this machine's lock, across calls and plugin processes: a directory made
   * with mkdir (atomic), naming its owner's PID so that a lock left by a dead process is taken over.
   */
  async withLock(fn) {
    fs.mkdirSync(this.dir, { recursive: true });
    const deadline = Date.now() + LOCK_TIMEOUT_MS;
    for (;;) {
      try {
        fs.mkdirSync(this.lockPath);
        fs.writeFileSync(path.join(this.lockPath, 'owner'), String(process.pid));
        break;
      } catch (e) {
        if (e.code !== 'EEXIST') throw e;
        let owner = 0;
        try {
          owner = Number(fs.readFileSync(path.join(this.lockPath, 'owner'), 'utf8'));
        } catch {
          // being written or removed right now: look again
        }
        if (owner && !pidAlive(owner)) {
          fs.rmSync(this.lockPath, { recursive: true, force: true });
          continue;
        }
        if (Date.now() > deadline) {
          throw errors.unavailable(`machine "${this.name}" is busy with another operation; try again`);
        }
        await sleep(25);
      }
    }
    try {
      return await fn();
    } finally {
      fs.rmSync(this.lockPath, { recursive: true, force: true });
    }
  }

  /** The record's PID if that very process still runs, else 0. */
  static livePid(record) {
    if (!record || !record.pid) return 0;
    const start = processStartTime(record.pid);
    return start !== null && start === record.startTime ? record.pid : 0;
  }

  /** 'NOT_FOUND', 'RUNNING' or 'STOPPED', asked of the provider now. */
  state() {
    const record = this.read();
    if (record === null) return 'NOT_FOUND';
    return Machine.livePid(record) ? 'RUNNING' : 'STOPPED';
  }

  require() {
    const record = this.read();
    if (record === null) {
      throw errors.notFound(
        `machine "${this.name}" does not exist (no ${this.recordPath}); remove it with "machine rm ${this.name}"`);
    }
    return record;
  }

  /** Starts the machine's process; resolves to the record fields to update. */
  spawn(config) {
    const env = { PATH: process.env.PATH || '/usr/bin:/bin', LC_ALL: 'C.UTF-8' };
    if (config.Token) env.NODEPROC_MACHINE_TOKEN = config.Token;
    const log = fs.openSync(this.logPath, 'a', 0o600);
    // The launcher starts the machine in a session of its own, reports "<pid> <port>" once it
    // listens, and exits: the machine is no descendant of the plugin.
    const launcher = spawn(
      process.execPath,
      [MACHINE_SCRIPT, '--detach', '--name', this.name, '--port', String(Number(config.Port) || 0),
        '--mode', config.Mode || 'banner', '--greeting', config.Greeting || ''],
      { stdio: ['ignore', 'pipe', log], env, cwd: '/' },
    );
    fs.closeSync(log);
    return new Promise((resolve, reject) => {
      let out = '';
      launcher.stdout.on('data', (chunk) => {
        out += chunk;
      });
      const timer = setTimeout(() => {
        launcher.kill('SIGKILL');
        reject(errors.timeout(
          `machine "${this.name}": its process did not start within ${SPAWN_TIMEOUT_MS / 1000} s; see ${this.logPath}`));
      }, SPAWN_TIMEOUT_MS);
      launcher.once('error', (e) => {
        clearTimeout(timer);
        reject(errors.unavailable(`machine "${this.name}": cannot start its process: ${e.message}`));
      });
      launcher.once('close', (code) => {
        clearTimeout(timer);
        if (code === 3) {
          reject(errors.failedPrecondition(
            `machine "${this.name}": port ${config.Port} on 127.0.0.1 is in use; pick another --nodeproc-port, or 0`));
          return;
        }
        const [pid, port] = out.trim().split(' ').map(Number);
        if (code !== 0 || !(pid > 0)) {
          reject(errors.unavailable(
            `machine "${this.name}": its process failed to start (exit ${code}); see ${this.logPath}`));
          return;
        }
        const startTime = processStartTime(pid);
        if (startTime === null) {
          reject(errors.unavailable(`machine "${this.name}": its process exited at once; see ${this.logPath}`));
          return;
        }
        resolve({ pid, startTime, port, startedAt: now() });
      });
    });
  }

  /** Sends a signal if the record's process is still that process. Returns whether sent. */
  static signal(record, signal) {
    const pid = Machine.livePid(record);
    if (!pid) return false;
    try {
      process.kill(pid, signal);
      return true;
    } catch (e) {
      if (e.code === 'ESRCH') return false;
      throw e;
    }
  }

  static async waitGone(record, ms) {
    const deadline = Date.now() + ms;
    while (Machine.livePid(record)) {
      if (Date.now() > deadline) return false;
      await sleep(20);
    }
    return true;
  }

  /** Stops the record's process: SIGTERM then, after STOP_TIMEOUT_MS, SIGKILL; or SIGKILL. */
  async terminate(record, op, graceful = true) {
    if (graceful && Machine.signal(record, 'SIGTERM')) {
      op.progress('wait-stop', `Sent SIGTERM to process ${record.pid}; waiting for it to exit`);
      if (await Machine.waitGone(record, STOP_TIMEOUT_MS)) return;
      op.progress('kill', `Process ${record.pid} did not exit within ${STOP_TIMEOUT_MS / 1000} s; sending SIGKILL`);
    }
    if (Machine.signal(record, 'SIGKILL') && !(await Machine.waitGone(record, KILL_TIMEOUT_MS))) {
      throw errors.timeout(`machine "${this.name}": process ${record.pid} survived SIGKILL`);
    }
  }

  /** Deletes everything the driver made for this machine. */
  discard(removeMachineDir = false) {
    fs.rmSync(this.own, { recursive: true, force: true });
    if (removeMachineDir) {
      try {
        fs.rmdirSync(this.dir);
      } catch {
        // not empty or gone: leave it
      }
    }
  }
}

function serviceAnswers(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(false));
  });
}

/** Whether 127.0.0.1:port can be bound now (port 0 always can). */
function portFree(port) {
  if (!port) return Promise.resolve(true);
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

module.exports = { Machine, portFree, serviceAnswers, now, processStartTime };
