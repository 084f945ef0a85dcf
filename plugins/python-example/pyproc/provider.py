"""The pyproc "cloud": machines are local processes, each a small loopback TCP service.

The provider's truth lives on disk and in the process table, never in the plugin's memory:
``<store>/machines/<name>/pyproc/instance.json`` records the machine's process (PID, its start
time from /proc so that a reused PID is never mistaken for it, and its port), and
``service.log`` next to it is the process's stderr. The config JSON the host keeps carries a
copy of those facts for display; the provider is always asked again.

Machine processes run detached: a new session, stdin/stdout on /dev/null, stderr in the log
file, no descriptor of the plugin inherited, and re-parented away from the plugin (the helper
forks), so they neither hold the plugin's pipes open nor die with it.
"""

import contextlib
import datetime
import errno
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from . import errors

MACHINE_SCRIPT = Path(__file__).resolve().parent / "machine_process.py"
STOP_TIMEOUT = 10.0
KILL_TIMEOUT = 5.0
SPAWN_TIMEOUT = 15.0


def now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def process_start_time(pid):
    """The process's start time in clock ticks since boot, or None if it is gone or a zombie."""
    if pid <= 0:
        return None
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rindex(b")") + 2:].split()
    if fields[0] in (b"Z", b"X", b"x"):
        return None
    return int(fields[19])


class Machine:
    """One machine at the provider, found from the store path and name of a call."""

    def __init__(self, name, store_path):
        self.name = name
        self.dir = Path(store_path) / "machines" / name
        self.own = self.dir / "pyproc"
        self.record_path = self.own / "instance.json"
        self.log_path = self.own / "service.log"
        self.lock_path = self.dir / "pyproc.lock"

    # -- record ------------------------------------------------------------------------------

    def read(self):
        """The instance record, or None when the machine does not exist at the provider."""
        try:
            return json.loads(self.record_path.read_text())
        except FileNotFoundError:
            return None
        except ValueError as e:
            raise errors.internal("instance record %s is corrupt: %s" % (self.record_path, e))

    def write(self, record):
        scratch = self.record_path.with_suffix(".tmp")
        with open(scratch, "w") as f:
            json.dump(record, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(scratch, self.record_path)

    @contextlib.contextmanager
    def lock(self):
        """Serializes changes to this machine, across threads and plugin processes."""
        self.dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    # -- state -------------------------------------------------------------------------------

    @staticmethod
    def live_pid(record):
        """The record's PID if that very process still runs, else 0."""
        if not record or not record.get("pid"):
            return 0
        start = process_start_time(record["pid"])
        return record["pid"] if start is not None and start == record.get("startTime") else 0

    def state(self):
        """"NOT_FOUND", "RUNNING" or "STOPPED", asked of the provider now."""
        record = self.read()
        if record is None:
            return "NOT_FOUND"
        return "RUNNING" if self.live_pid(record) else "STOPPED"

    def require(self):
        record = self.read()
        if record is None:
            raise errors.not_found(
                'machine "%s" does not exist (no %s); remove it with "machine rm %s"'
                % (self.name, self.record_path, self.name))
        return record

    # -- processes ---------------------------------------------------------------------------

    def spawn(self, config):
        """Starts the machine's process; returns the updated record fields."""
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8"}
        if config.get("Token"):
            env["PYPROC_MACHINE_TOKEN"] = config["Token"]
        argv = [sys.executable, "-I", str(MACHINE_SCRIPT), "--name", self.name,
                "--port", str(int(config.get("Port") or 0)), "--mode", config.get("Mode", "banner"),
                "--greeting", config.get("Greeting", "")]
        with open(self.log_path, "ab") as log:
            helper = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log,
                close_fds=True, start_new_session=True, env=env, cwd="/")
            try:
                out, _ = helper.communicate(timeout=SPAWN_TIMEOUT)
            except subprocess.TimeoutExpired:
                helper.kill()
                helper.communicate()
                raise errors.timeout(
                    'machine "%s": its process did not start within %d s; see %s'
                    % (self.name, SPAWN_TIMEOUT, self.log_path))
        if helper.returncode == 3:
            raise errors.failed_precondition(
                'machine "%s": port %s on 127.0.0.1 is in use; pick another --pyproc-port, or 0'
                % (self.name, config.get("Port")))
        if helper.returncode != 0:
            raise errors.unavailable(
                'machine "%s": its process failed to start (exit %d); see %s'
                % (self.name, helper.returncode, self.log_path))
        pid, port = (int(x) for x in out.split())
        start = process_start_time(pid)
        if start is None:
            raise errors.unavailable(
                'machine "%s": its process exited at once; see %s' % (self.name, self.log_path))
        return {"pid": pid, "startTime": start, "port": port, "startedAt": now()}

    def send_signal(self, record, signum):
        """Sends a signal to the record's process if it is still that process. Returns whether sent."""
        pid = self.live_pid(record)
        if not pid:
            return False
        try:
            # A pidfd pins the process: checking the start time after opening it rules out a
            # PID reused between the check and the signal.
            fd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            fd = None
        try:
            if process_start_time(pid) != record.get("startTime"):
                return False
            if fd is not None:
                signal.pidfd_send_signal(fd, signum)
            else:
                os.kill(pid, signum)
            return True
        except ProcessLookupError:
            return False
        finally:
            if fd is not None:
                os.close(fd)

    def wait_gone(self, record, seconds):
        deadline = time.monotonic() + seconds
        while self.live_pid(record):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def terminate(self, record, op, graceful=True):
        """Stops the record's process: SIGTERM then, after STOP_TIMEOUT, SIGKILL; or SIGKILL."""
        if graceful and self.send_signal(record, signal.SIGTERM):
            op.progress("wait-stop", "Sent SIGTERM to process %d; waiting for it to exit"
                        % record["pid"])
            if self.wait_gone(record, STOP_TIMEOUT):
                return
            op.progress("kill", "Process %d did not exit within %d s; sending SIGKILL"
                        % (record["pid"], STOP_TIMEOUT))
        if self.send_signal(record, signal.SIGKILL):
            if not self.wait_gone(record, KILL_TIMEOUT):
                raise errors.timeout('machine "%s": process %d survived SIGKILL for %d s'
                                     % (self.name, record["pid"], KILL_TIMEOUT))

    def service_answers(self, port):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                return True
        except OSError:
            return False

    def discard(self, remove_machine_dir=False):
        """Deletes everything the driver made for this machine."""
        shutil.rmtree(self.own, ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            self.lock_path.unlink()
        if remove_machine_dir:
            with contextlib.suppress(OSError):
                self.dir.rmdir()


def port_free(port):
    """Whether 127.0.0.1:port can be bound now (port 0 always can)."""
    if not port:
        return True
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        return True
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            return False
        raise
    finally:
        s.close()
