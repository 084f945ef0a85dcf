'use strict';
// machine.driver.v1.DriverService and go-plugin's GRPCController, over the driver.
//
// A long operation runs as a promise of its own and streams what it reports. When the host
// cancels the call (or the plugin must exit), the operation sees it through op.check() or
// op.sleep() and still cleans up, even though nobody reads its stream any more.

const cfg = require('./config');
const driver = require('./driver');
const errors = require('./errors');

class Operation {
  constructor(call) {
    this.call = call;
    this.cancelled = false;
    this.finished = false;
    this.wakers = new Set();
  }

  progress(step, message, fraction) {
    if (this.cancelled || this.finished) return;
    const progress = { step, message };
    if (fraction !== undefined) progress.fraction = fraction;
    this.call.write({ progress });
  }

  check() {
    if (this.cancelled) throw errors.cancelled('the operation was cancelled; what it made was removed');
  }

  sleep(ms) {
    return new Promise((resolve, reject) => {
      const waker = () => {
        clearTimeout(timer);
        this.wakers.delete(waker);
        try {
          this.check();
          resolve();
        } catch (e) {
          reject(e);
        }
      };
      const timer = setTimeout(waker, ms);
      this.wakers.add(waker);
    });
  }

  cancel() {
    if (this.finished || this.cancelled) return;
    this.cancelled = true;
    for (const waker of [...this.wakers]) waker();
  }
}

/** The long operations running now, so that the plugin can cancel or await them on exit. */
class Operations {
  constructor() {
    this.running = new Set();
  }

  track(op, promise) {
    const entry = { op, promise };
    this.running.add(entry);
    promise.finally(() => this.running.delete(entry)).catch(() => {});
  }

  cancelAll() {
    for (const { op } of this.running) op.cancel();
  }

  /** Resolves to whether every operation ended within ms. */
  async waitIdle(ms) {
    let timer;
    const timeout = new Promise((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const idle = Promise.allSettled([...this.running].map((e) => e.promise)).then(() => true);
    const result = await Promise.race([idle, timeout]);
    clearTimeout(timer);
    return result;
  }
}

function toServiceError(e) {
  if (e instanceof errors.DriverError) return e.toServiceError();
  process.stderr.write(`nodeproc: the driver failed unexpectedly:\n${e && e.stack}\n`);
  return errors.internal(`the driver failed unexpectedly: ${e}`).toServiceError();
}

function load(machine) {
  cfg.checkMachine(machine);
  return cfg.parse(machine);
}

/** A unary handler: body(request) returns (or resolves to) the response. */
function unary(body) {
  return (call, callback) => {
    Promise.resolve()
      .then(() => body(call.request))
      .then((response) => callback(null, response), (e) => callback(toServiceError(e)));
  };
}

function makeDriverService(operations, protocolVersion) {
  function operation(body) {
    return (call) => {
      let config;
      try {
        config = load(call.request.machine);
      } catch (e) {
        call.emit('error', toServiceError(e));
        return;
      }
      const op = new Operation(call);
      call.on('cancelled', () => op.cancel());
      const work = (async () => {
        try {
          await body(call.request.machine, config, op);
          op.finished = true;
          if (!op.cancelled) {
            call.write({ result: { config_json: cfg.dump(config) } });
            call.end();
          }
        } catch (e) {
          op.finished = true;
          if (!op.cancelled) call.emit('error', toServiceError(e));
        }
      })();
      operations.track(op, work);
    };
  }

  return {
    GetPluginInfo: unary(() => ({
      name: cfg.DRIVER_NAME,
      version: driver.VERSION,
      protocol_version: protocolVersion,
      capabilities: driver.CAPABILITIES.map((c) => `CAPABILITY_${c}`),
      description: driver.DESCRIPTION,
      secret_config_keys: cfg.SECRET_KEYS,
    })),
    DriverName: unary(() => ({ name: cfg.DRIVER_NAME })),
    GetCreateFlags: unary(() => ({ flags: cfg.flagsToProto() })),
    SetConfigFromFlags: unary((request) => {
      cfg.checkMachine(request.machine);
      const config = cfg.fromFlags(request.machine, cfg.validate(request.values));
      return { config_json: cfg.dump(config) };
    }),
    PreCreateCheck: unary(async (request) => {
      await driver.preCreateCheck(request.machine, load(request.machine));
      return {};
    }),
    Create: operation(driver.create),
    Remove: operation(driver.remove),
    Start: operation(driver.start),
    Stop: operation(driver.stop),
    Kill: operation(driver.kill),
    Restart: operation(driver.restart),
    GetState: unary((request) => {
      load(request.machine);
      return { state: `STATE_${driver.state(request.machine)}` };
    }),
    GetIp: unary((request) => {
      load(request.machine);
      return { ip: driver.ip(request.machine) };
    }),
    GetUrl: unary((request) => {
      load(request.machine);
      return { url: driver.url(request.machine) };
    }),
    GetMachineName: unary((request) => {
      load(request.machine);
      return { name: request.machine.name };
    }),
    GetSshHostname: unary(driver.noSsh),
    GetSshPort: unary(driver.noSsh),
    GetSshUsername: unary((request) => {
      load(request.machine);
      return { username: '' };
    }),
    GetSshKeyPath: unary((request) => {
      load(request.machine);
      return { path: '' };
    }),
    GetConfig: unary((request) => ({ config_json: cfg.dump(load(request.machine)) })),
  };
}

/** go-plugin's plugin.GRPCController: Shutdown answers, then the plugin exits. */
function makeController(onShutdown) {
  return {
    Shutdown: (call, callback) => {
      callback(null, {});
      setImmediate(onShutdown);
    },
  };
}

module.exports = { makeDriverService, makeController, Operations };
