"""The pyproc driver's operations, in Docker Machine's terms, on top of the process provider.

Each long operation gets the machine (name, store path), its config (a dict, changed in place:
the service returns it as the operation's result) and an Operation to report progress on and to
ask whether the host cancelled.
"""

from . import config as cfg
from . import errors
from .provider import Machine, now, port_free

VERSION = "0.1.0"
DESCRIPTION = "Each machine is a local process serving a greeting on a loopback TCP port (Python)"
CAPABILITIES = ("START", "STOP", "KILL", "RESTART", "CANCEL_CREATE")


def _running(config, record):
    config["Pid"] = record["pid"]
    config["ServicePort"] = record["port"]
    config["IPAddress"] = "127.0.0.1"


def _stopped(config):
    config["Pid"] = 0
    config["ServicePort"] = 0


def pre_create_check(machine, config):
    if not config.get("Greeting"):
        raise errors.invalid_argument("pyproc-greeting", 'flag "--pyproc-greeting" is required')
    if not port_free(int(config.get("Port") or 0)):
        raise errors.failed_precondition(
            "port %s on 127.0.0.1 is in use; pick another --pyproc-port, or 0" % config["Port"])


def create(machine, config, op):
    m = Machine(machine.name, machine.store_path)
    pre_create_check(machine, config)
    made_dir = not m.dir.exists()
    with m.lock():
        if m.read() is not None:
            raise errors.already_exists(
                'machine "%s" exists already at the provider (%s); remove it first'
                % (m.name, m.record_path))
        m.own.mkdir(parents=True, exist_ok=True)
        m.write({"pid": 0, "startTime": 0, "port": 0, "createdAt": now()})
        record = None
        try:
            delay = int(config.get("CreateDelay") or 0)
            op.progress("prepare", 'Preparing machine "%s"' % m.name, 0.0)
            for second in range(delay):
                op.sleep(1.0)
                op.progress("prepare", "Preparing (%d/%d s)" % (second + 1, delay),
                            0.8 * (second + 1) / delay)
            op.check()
            op.progress("start-process", "Starting the machine's process", 0.8)
            record = m.spawn(config)
            m.write(dict(m.read(), **record))
            op.check()
            if not m.service_answers(record["port"]):
                raise errors.unavailable(
                    'machine "%s": its service does not answer on 127.0.0.1:%d; see %s'
                    % (m.name, record["port"], m.log_path))
            op.progress("ready", "Process %d serves on 127.0.0.1:%d" % (record["pid"],
                                                                       record["port"]), 1.0)
            _running(config, record)
        except BaseException:
            # Cancelled or failed: undo everything made so far, then report.
            if record is not None:
                m.terminate(record, op, graceful=False)
            m.discard(remove_machine_dir=made_dir)
            raise


def remove(machine, config, op):
    m = Machine(machine.name, machine.store_path)
    if not m.own.exists():
        op.progress("remove", 'Nothing to remove for machine "%s"' % m.name)
        _stopped(config)
        m.discard()
        return
    with m.lock():
        record = m.read()
        if record is not None and m.live_pid(record):
            op.progress("kill", "Killing process %d" % record["pid"])
            m.terminate(record, op, graceful=False)
        op.progress("remove", "Deleting %s" % m.own)
        m.discard()
    _stopped(config)


def _existing(machine):
    m = Machine(machine.name, machine.store_path)
    if not m.record_path.exists():
        m.require()
    return m


def start(machine, config, op):
    m = _existing(machine)
    with m.lock():
        record = m.require()
        if m.live_pid(record):
            op.progress("start", "Already running (process %d)" % record["pid"])
        else:
            op.progress("start", "Starting the machine's process")
            record = dict(record, **m.spawn(config))
            m.write(record)
            op.progress("ready", "Process %d serves on 127.0.0.1:%d" % (record["pid"],
                                                                       record["port"]))
    _running(config, record)


def stop(machine, config, op, graceful=True):
    m = _existing(machine)
    with m.lock():
        record = m.require()
        if not m.live_pid(record):
            op.progress("stop", "Already stopped")
        else:
            m.terminate(record, op, graceful=graceful)
            m.write(dict(record, pid=0, startTime=0, port=0))
            op.progress("stopped", "Process %d is gone" % record["pid"])
    _stopped(config)


def kill(machine, config, op):
    stop(machine, config, op, graceful=False)


def restart(machine, config, op):
    m = _existing(machine)
    with m.lock():
        record = m.require()
        if m.live_pid(record):
            m.terminate(record, op)
            op.progress("stopped", "Process %d is gone" % record["pid"])
        record = dict(record, **m.spawn(config))
        m.write(record)
        op.progress("ready", "Process %d serves on 127.0.0.1:%d" % (record["pid"],
                                                                   record["port"]))
    _running(config, record)


def state(machine):
    """One of the driver_pb2.State names without the prefix."""
    return Machine(machine.name, machine.store_path).state()


def ip(machine):
    s = state(machine)
    if s == "NOT_FOUND":
        Machine(machine.name, machine.store_path).require()
    if s != "RUNNING":
        raise errors.failed_precondition(
            'machine "%s" is not running; start it with "machine start %s"'
            % (machine.name, machine.name))
    return "127.0.0.1"


def url(machine):
    # The machines run no Docker engine: there is no engine URL to give.
    if state(machine) == "NOT_FOUND":
        Machine(machine.name, machine.store_path).require()
    return ""


def no_ssh():
    raise errors.not_supported("the %s driver has no SSH: its machines are local processes"
                               % cfg.DRIVER_NAME)
