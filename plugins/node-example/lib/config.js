'use strict';
// The driver's create flags and its persisted config (the JSON the host keeps for each machine).
// The plugin keeps nothing about a machine in memory: every call brings the config back as
// Machine.config_json, and every call that changes it returns the new JSON.

const errors = require('./errors');

const DRIVER_NAME = 'nodeproc';
const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9\-.]*$/; // Docker Machine's machine-name rule

const STRING = 'FLAG_TYPE_STRING';
const INT = 'FLAG_TYPE_INT';
const BOOL = 'FLAG_TYPE_BOOL';
const STRING_LIST = 'FLAG_TYPE_STRING_LIST';

// key: the config JSON key the value is kept under.
const FLAGS = [
  {
    name: 'nodeproc-greeting', type: STRING, key: 'Greeting', env_var: 'NODEPROC_GREETING',
    usage: "Line the machine's loopback service sends to every client", required: true,
  },
  {
    name: 'nodeproc-mode', type: STRING, key: 'Mode', env_var: 'NODEPROC_MODE', default: 'banner',
    choices: ['banner', 'echo'],
    usage: 'What the service does after the greeting: close (banner) or echo lines back (echo)',
  },
  {
    name: 'nodeproc-port', type: INT, key: 'Port', env_var: 'NODEPROC_PORT', default: 0, min: 0,
    max: 65535,
    usage: "Loopback TCP port of the machine's service; 0 picks a free port at each start",
  },
  {
    name: 'nodeproc-create-delay', type: INT, key: 'CreateDelay', env_var: 'NODEPROC_CREATE_DELAY',
    default: 0, min: 0, max: 600,
    usage: 'Seconds Create spends preparing the machine before starting it (shows progress; cancellable)',
  },
  {
    name: 'nodeproc-tags', type: STRING_LIST, key: 'Tags', env_var: 'NODEPROC_TAGS',
    usage: 'Labels kept with the machine',
  },
  {
    name: 'nodeproc-token', type: STRING, key: 'Token', env_var: 'NODEPROC_TOKEN', secret: true,
    usage: 'If set, a client must send this token as its first line before the service answers',
  },
];

const SECRET_KEYS = FLAGS.filter((f) => f.secret).map((f) => f.key);

const DEFAULTS = {
  // Docker Machine's BaseDriver fields, with its key names.
  MachineName: '',
  StorePath: '',
  IPAddress: '',
  SSHUser: '',
  SSHPort: 0,
  SSHKeyPath: '',
  // This driver's own fields.
  Greeting: '',
  Mode: 'banner',
  Port: 0,
  CreateDelay: 0,
  Tags: [],
  Token: '',
  // Last known provider facts, refreshed by every operation (the provider stays the truth).
  Pid: 0,
  ServicePort: 0,
};

const VALUE_FIELD = {
  [STRING]: 'string_value',
  [INT]: 'int_value',
  [BOOL]: 'bool_value',
  [STRING_LIST]: 'string_list_value',
};
const TYPE_OF_FIELD = Object.fromEntries(Object.entries(VALUE_FIELD).map(([t, f]) => [f, t]));
const DESCRIBE = {
  [STRING]: 'a string', [INT]: 'an integer', [BOOL]: 'true or false',
  [STRING_LIST]: 'a list of strings',
};

function toFlagValue(type, value) {
  return type === STRING_LIST ? { string_list_value: { values: value } } : { [VALUE_FIELD[type]]: value };
}

/** The flags as GetCreateFlagsResponse.flags. */
function flagsToProto() {
  return FLAGS.map((f) => {
    const flag = {
      name: f.name, type: f.type, usage: f.usage, env_var: f.env_var || '',
      required: Boolean(f.required), choices: f.choices || [], secret: Boolean(f.secret),
    };
    if (f.default !== undefined) flag.default_value = toFlagValue(f.type, f.default);
    if (f.min !== undefined) flag.min = f.min;
    if (f.max !== undefined) flag.max = f.max;
    return flag;
  });
}

function fromFlagValue(value) {
  const field = value && value.value;
  if (!field) return [null, undefined];
  const v = value[field];
  return [TYPE_OF_FIELD[field], field === 'string_list_value' ? [...(v.values || [])] : v];
}

/**
 * Checks flag values (name -> FlagValue) and fills in defaults; returns {flag name: value}.
 * Throws INVALID_ARGUMENT naming the first flag at fault: unknown, wrong type, missing when
 * required, not among its choices, out of range.
 */
function validate(values) {
  const known = new Set(FLAGS.map((f) => f.name));
  for (const name of Object.keys(values || {})) {
    if (!known.has(name)) {
      throw errors.invalidArgument(
        name, `unknown flag "--${name}"; the ${DRIVER_NAME} driver accepts: ${[...known].join(', ')}`);
    }
  }
  const result = {};
  for (const f of FLAGS) {
    let [type, value] = values && values[f.name] ? fromFlagValue(values[f.name]) : [null, undefined];
    if (type === null) [type, value] = [f.type, f.default];
    if (value === undefined || (f.required && (value === '' || (Array.isArray(value) && !value.length)))) {
      if (f.required) {
        throw errors.invalidArgument(
          f.name, `flag "--${f.name}" is required${f.env_var ? ` (or set ${f.env_var})` : ''}`);
      }
      continue;
    }
    if (type !== f.type) {
      throw errors.invalidArgument(f.name, `flag "--${f.name}" takes ${DESCRIBE[f.type]}, not "${value}"`);
    }
    if (f.choices) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (!f.choices.includes(item)) {
          throw errors.invalidArgument(
            f.name, `flag "--${f.name}" must be one of ${f.choices.join(', ')}, not "${item}"`);
        }
      }
    }
    if (type === INT && ((f.min !== undefined && value < f.min) || (f.max !== undefined && value > f.max))) {
      throw errors.invalidArgument(
        f.name, `flag "--${f.name}" must be between ${f.min} and ${f.max}, not ${value}`);
    }
    result[f.name] = value;
  }
  return result;
}

/** A machine's config from validated flag values. */
function fromFlags(machine, values) {
  const config = { ...DEFAULTS, Tags: [], MachineName: machine.name, StorePath: machine.store_path };
  for (const f of FLAGS) {
    if (f.name in values) config[f.key] = values[f.name];
  }
  return config;
}

/** Reads a machine's config JSON, filling in defaults. Throws INVALID_ARGUMENT if unreadable. */
function parse(machine) {
  const config = { ...DEFAULTS, Tags: [] };
  const text = (machine.config_json || '').trim();
  if (text) {
    let given;
    try {
      given = JSON.parse(text);
    } catch (e) {
      throw errors.invalidArgument(null, `the config of machine "${machine.name}" is not JSON: ${e.message}`);
    }
    if (given === null || typeof given !== 'object' || Array.isArray(given)) {
      throw errors.invalidArgument(null, `the config of machine "${machine.name}" is not a JSON object`);
    }
    Object.assign(config, given);
  }
  config.MachineName = machine.name;
  config.StorePath = machine.store_path;
  return config;
}

/** Checks the Machine every machine-scoped call carries. */
function checkMachine(machine) {
  if (!machine || !machine.name) throw errors.invalidArgument(null, 'the request names no machine');
  if (!NAME_PATTERN.test(machine.name)) {
    throw errors.invalidArgument(
      null,
      `machine name "${machine.name}" is invalid: use letters, digits, "-" and ".", starting with a letter or digit`);
  }
  if (!machine.store_path || !machine.store_path.startsWith('/')) {
    throw errors.invalidArgument(
      null, `machine "${machine.name}" has no absolute store path (got "${machine.store_path}")`);
  }
}

module.exports = {
  DRIVER_NAME, FLAGS, SECRET_KEYS, flagsToProto, validate, fromFlags, parse, checkMachine,
  dump: (config) => JSON.stringify(config),
};
