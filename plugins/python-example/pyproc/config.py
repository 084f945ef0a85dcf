"""The driver's create flags and its persisted config (the JSON the host keeps for each machine).

The plugin keeps nothing about a machine in memory: every call brings the config back as
Machine.config_json, and every call that changes it returns the new JSON.
"""

import json
import re

from . import errors

DRIVER_NAME = "pyproc"

STRING, INT, BOOL, STRING_LIST = "string", "int", "bool", "string_list"

# Docker Machine's machine-name rule.
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9\-\.]*$")


class Flag:
    """One create flag, with the constraints the host checks and the plugin checks again."""

    def __init__(self, name, kind, usage, key, env_var="", default=None, required=False,
                 choices=(), minimum=None, maximum=None, secret=False):
        self.name = name
        self.kind = kind
        self.usage = usage
        self.key = key  # the config JSON key the value is kept under
        self.env_var = env_var
        self.default = default
        self.required = required
        self.choices = tuple(choices)
        self.minimum = minimum
        self.maximum = maximum
        self.secret = secret


FLAGS = (
    Flag("pyproc-greeting", STRING, "Line the machine's loopback service sends to every client",
         "Greeting", env_var="PYPROC_GREETING", required=True),
    Flag("pyproc-mode", STRING, "What the service does after the greeting: close (banner) or "
         "echo lines back (echo)", "Mode", env_var="PYPROC_MODE", default="banner",
         choices=("banner", "echo")),
    Flag("pyproc-port", INT, "Loopback TCP port of the machine's service; 0 picks a free port "
         "at each start", "Port", env_var="PYPROC_PORT", default=0, minimum=0, maximum=65535),
    Flag("pyproc-create-delay", INT, "Seconds Create spends preparing the machine before "
         "starting it (shows progress; cancellable)", "CreateDelay",
         env_var="PYPROC_CREATE_DELAY", default=0, minimum=0, maximum=600),
    Flag("pyproc-tags", STRING_LIST, "Labels kept with the machine", "Tags",
         env_var="PYPROC_TAGS"),
    Flag("pyproc-token", STRING, "If set, a client must send this token as its first line "
         "before the service answers", "Token", env_var="PYPROC_TOKEN", secret=True),
)

SECRET_KEYS = tuple(f.key for f in FLAGS if f.secret)

DEFAULTS = {
    # Docker Machine's BaseDriver fields, with its key names.
    "MachineName": "",
    "StorePath": "",
    "IPAddress": "",
    "SSHUser": "",
    "SSHPort": 0,
    "SSHKeyPath": "",
    # This driver's own fields.
    "Greeting": "",
    "Mode": "banner",
    "Port": 0,
    "CreateDelay": 0,
    "Tags": [],
    "Token": "",
    # Last known provider facts, refreshed by every operation (the provider stays the truth).
    "Pid": 0,
    "ServicePort": 0,
}


def flags_to_proto(protos):
    pb = protos.driver_pb2
    kinds = {STRING: pb.FLAG_TYPE_STRING, INT: pb.FLAG_TYPE_INT, BOOL: pb.FLAG_TYPE_BOOL,
             STRING_LIST: pb.FLAG_TYPE_STRING_LIST}
    result = []
    for f in FLAGS:
        flag = pb.Flag(name=f.name, type=kinds[f.kind], usage=f.usage, env_var=f.env_var,
                       required=f.required, choices=list(f.choices), secret=f.secret)
        if f.default is not None:
            flag.default_value.CopyFrom(value_to_proto(protos, f.kind, f.default))
        if f.minimum is not None:
            flag.min = f.minimum
        if f.maximum is not None:
            flag.max = f.maximum
        result.append(flag)
    return result


def value_to_proto(protos, kind, value):
    pb = protos.driver_pb2
    if kind == STRING:
        return pb.FlagValue(string_value=value)
    if kind == INT:
        return pb.FlagValue(int_value=value)
    if kind == BOOL:
        return pb.FlagValue(bool_value=value)
    return pb.FlagValue(string_list_value=pb.StringList(values=list(value)))


def _value_from_proto(value):
    which = value.WhichOneof("value")
    if which == "string_value":
        return STRING, value.string_value
    if which == "int_value":
        return INT, value.int_value
    if which == "bool_value":
        return BOOL, value.bool_value
    if which == "string_list_value":
        return STRING_LIST, list(value.string_list_value.values)
    return None, None


_DESCRIBE = {STRING: "a string", INT: "an integer", BOOL: "true or false",
             STRING_LIST: "a list of strings"}


def validate(values):
    """Checks flag values (a map name -> FlagValue) and fills in defaults.

    Returns {flag name: python value}. Raises INVALID_ARGUMENT naming the first flag at fault:
    unknown, wrong type, missing when required, not among its choices, out of range.
    """
    by_name = {f.name: f for f in FLAGS}
    for name in values:
        if name not in by_name:
            raise errors.invalid_argument(
                name, 'unknown flag "--%s"; the %s driver accepts: %s'
                % (name, DRIVER_NAME, ", ".join(by_name)))
    result = {}
    for f in FLAGS:
        kind, value = _value_from_proto(values[f.name]) if f.name in values else (None, None)
        if kind is None:
            kind, value = f.kind, f.default
        if value is None or (f.required and value in ("", [])):
            if f.required:
                raise errors.invalid_argument(
                    f.name, 'flag "--%s" is required%s'
                    % (f.name, " (or set %s)" % f.env_var if f.env_var else ""))
            continue
        if kind != f.kind:
            raise errors.invalid_argument(
                f.name, 'flag "--%s" takes %s, not "%s"' % (f.name, _DESCRIBE[f.kind], value))
        if f.choices:
            for item in value if isinstance(value, list) else [value]:
                if item not in f.choices:
                    raise errors.invalid_argument(
                        f.name, 'flag "--%s" must be one of %s, not "%s"'
                        % (f.name, ", ".join(f.choices), item))
        if kind == INT and ((f.minimum is not None and value < f.minimum)
                            or (f.maximum is not None and value > f.maximum)):
            raise errors.invalid_argument(
                f.name, 'flag "--%s" must be between %s and %s, not %d'
                % (f.name, f.minimum, f.maximum, value))
        result[f.name] = value
    return result


def from_flags(machine, values):
    """Builds a machine's config from validated flag values."""
    config = dict(DEFAULTS)
    config["MachineName"] = machine.name
    config["StorePath"] = machine.store_path
    for f in FLAGS:
        if f.name in values:
            config[f.key] = values[f.name]
    return config


def parse(machine):
    """Reads a machine's config JSON, filling in defaults; name and store path come from the call.

    Raises INVALID_ARGUMENT when the JSON is unreadable.
    """
    config = dict(DEFAULTS)
    text = machine.config_json.strip()
    if text:
        try:
            given = json.loads(text)
        except ValueError as e:
            raise errors.invalid_argument(
                None, 'the config of machine "%s" is not JSON: %s' % (machine.name, e))
        if not isinstance(given, dict):
            raise errors.invalid_argument(
                None, 'the config of machine "%s" is not a JSON object' % machine.name)
        config.update(given)
    config["MachineName"] = machine.name
    config["StorePath"] = machine.store_path
    return config


def dump(config):
    return json.dumps(config, indent=None, sort_keys=False)


def check_machine(machine):
    """Checks the Machine every machine-scoped call carries."""
    if not machine.name:
        raise errors.invalid_argument(None, "the request names no machine")
    if not NAME_PATTERN.match(machine.name):
        raise errors.invalid_argument(
            None, 'machine name "%s" is invalid: use letters, digits, "-" and ".", starting '
            "with a letter or digit" % machine.name)
    if not machine.store_path.startswith("/"):
        raise errors.invalid_argument(
            None, 'machine "%s" has no absolute store path (got "%s")'
            % (machine.name, machine.store_path))
