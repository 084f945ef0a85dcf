#!/usr/bin/python3
"""make chaos: the fault suite. Runs each fault COUNT times against dist/bin/machine and prints a
table (test, runs, failures, worst case). Counts decide: the suite exits 1 when any run failed.

  COUNT=50 REASONS=5 .ci/chaos/chaos.py [TEST-REGEX]     e.g. .ci/chaos/chaos.py 'kill-plugin|foreign'

Every run has a store, a runtime directory (so its command server is its own) and a plugin socket
directory of its own under one temporary directory, and carries MACHINEHOST_CHAOS=<suite>/<run> in
its environment, which every process it starts inherits: that is how the suite finds a run's
plugins and command server in /proc, checks that none outlives its idle period, and ends any that
does, by PID. Every wait has a limit. The temporary directory, the SSH target container of the CA
test and every process of the suite are gone when it exits (also on Ctrl-C).

Tests (see README.md, "Fault suite"):
  kill-create/none, kill-create/pyproc   SIGKILL `machine create` at a random moment
  kill-plugin/{status,ls20}/{served,in-process}   SIGKILL the plugin while a call is in flight
  writers/8                 8 concurrent label, create and rm on one store
  first-create-ca/8         8 concurrent first creates on a fresh store make one CA
  bad-input/*               the corpus of bad names, store paths, URLs, corrupt configs (x1 each)
  foreign-user/*            another local user on the plugin's and the command server's socket
"""

import atexit
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

ROOT = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DIST = os.path.realpath(os.environ.get("DIST", os.path.join(ROOT, "dist")))
MACHINE = os.path.join(DIST, "bin", "machine")
PYPROC_DIR = os.path.join(ROOT, "plugins", "python-example")
SLOW_DIR = os.path.join(ROOT, ".ci", "chaos", "drivers")
COUNT = int(os.environ.get("COUNT", "50"))
REASONS = int(os.environ.get("REASONS", "5"))  # reasons listed per failed test
ONLY = re.compile(sys.argv[1] if len(sys.argv) > 1 else ".")
IDLE = 1  # MACHINEHOST_PLUGIN_IDLE of most runs, seconds
LINGER = 15  # how long a run's processes may outlive their idle period once its store is gone
CACHE = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
URL = "tcp://127.0.0.1:2376"
MARK = "MACHINEHOST_CHAOS"
SUITE = "%06x" % random.randrange(1 << 24)
NOBODY = (65534, 65534)
SETPRIV = ["setpriv", "--reuid=%d" % NOBODY[0], "--regid=%d" % NOBODY[1], "--clear-groups"]

# One temporary directory for everything; short, since socket paths under it are limited to 107.
WORK = tempfile.mkdtemp(prefix="mhc.", dir="/tmp")
os.chmod(WORK, 0o711)  # the foreign user may traverse it (only where a test opens a way)
containers = []  # docker containers the suite started
provider_records = []  # (pid, start time) of pyproc machine processes the suite saw


# -- processes ------------------------------------------------------------------------------------

def start_time(pid):
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            return int(f.read().rsplit(b")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def parent_of(pid):
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            return int(f.read().rsplit(b")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def marked(prefix):
    """PID -> command line of every live process whose environment has MARK=<prefix>..."""
    needle = ("%s=%s" % (MARK, prefix)).encode()
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open("/proc/%s/environ" % entry, "rb") as f:
                env = f.read()
            with open("/proc/%s/stat" % entry, "rb") as f:
                if f.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                    continue
        except (OSError, IndexError):
            continue
        if any(e.startswith(needle) for e in env.split(b"\0")):
            found[int(entry)] = cmdline(int(entry))
    return found


def kill_pids(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def wait_until(predicate, limit, step=0.05):
    """Polls predicate() until it is true or limit seconds passed; returns whether it came true."""
    deadline = time.monotonic() + limit
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(step)


def provider_processes(name):
    """PIDs of pyproc machine processes of the machine called name (they drop the environment)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            line = cmdline(int(entry))
            if "machine_process.py" in line and (" --name %s " % name) in line + " ":
                pids.append(int(entry))
    return pids


def read_text(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def state_of(pid):
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0].decode()
    except (OSError, IndexError):
        return None


def provider_alive(record):
    """Whether the pyproc machine process of record still runs (a zombie does not: it waits for
    PID 1 to reap it, which here may take a while)."""
    if not record or not record.get("pid"):
        return False
    pid = record["pid"]
    return start_time(pid) == record.get("startTime") and state_of(pid) not in (None, "Z")


class Result:
    def __init__(self, rc, out, err, seconds):
        self.rc, self.out, self.err, self.seconds = rc, out, err, seconds

    @property
    def text(self):
        return self.out + self.err

    def brief(self):
        last = (self.err.strip() or self.out.strip()).splitlines()
        return "exit %s: %s" % ("timeout" if self.rc is None else self.rc,
                                (last[0] if last else "(no output)")[:160])


def run(args, env, timeout=90, user=None, stdin=subprocess.DEVNULL):
    """Runs a command in a session of its own; a command that overstays is killed with its group."""
    if user:
        args = SETPRIV + args
    started = time.monotonic()
    p = subprocess.Popen(args, env=env, stdin=stdin, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True, cwd=WORK)
    try:
        out, err = p.communicate(timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        rc = None
    return Result(rc, out.decode(errors="replace"), err.decode(errors="replace"),
                  time.monotonic() - started)


# -- runs -----------------------------------------------------------------------------------------

class Ctx:
    """One run's private world: store, runtime directory, plugin socket directory, marker."""
    serial = 0

    def __init__(self, idle=IDLE, plugin_path=None, private_sockets=True):
        Ctx.serial += 1
        self.idle = idle
        self.id = "r%d" % Ctx.serial
        self.dir = os.path.join(WORK, self.id)
        self.store = os.path.join(self.dir, "s")
        self.xdg = os.path.join(self.dir, "x")
        self.sockets = os.path.join(self.dir, "p")
        self.home = os.path.join(self.dir, "h")  # so that no default store is the user's
        for d in (self.dir, self.xdg, self.sockets, self.home):
            os.mkdir(d, 0o700)
        self.tag = "%s/%s" % (SUITE, self.id)
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("MACHINE", "PLUGIN_", "PYPROC", "CHAOS_"))}
        self.env.update({
            "MACHINE_STORAGE_PATH": self.store,
            "HOME": self.home,
            "XDG_CACHE_HOME": CACHE,  # class-data archives and pyproc's generated code are kept
            "XDG_RUNTIME_DIR": self.xdg,
            "MACHINEHOST_PLUGIN_IDLE": str(idle),
            "MACHINE_PLUGIN_PATH": plugin_path or "",
            MARK: self.tag,
        })
        if private_sockets:
            self.env["PLUGIN_UNIX_SOCKET_DIR"] = self.sockets

    def machine(self, *args, env=None, timeout=90, user=None):
        e = dict(self.env, **(env or {}))
        return run([MACHINE] + list(args), e, timeout=timeout, user=user)

    def popen(self, *args, env=None):
        return subprocess.Popen([MACHINE] + list(args), env=dict(self.env, **(env or {})),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True, cwd=WORK)

    def procs(self):
        return marked(self.tag)

    def machine_dir(self, name):
        return os.path.join(self.store, "machines", name)


pending = []  # (ctx, test, deadline): runs whose processes must end by themselves


def reap(ctx, test):
    """Ends a run: removes its store (warm plugins and its command server then exit at once) and
    leaves it to settle() to check that its processes went away."""
    shutil.rmtree(ctx.store, ignore_errors=True)
    pending.append((ctx, test, time.monotonic() + ctx.idle + LINGER))


def settle(block=False):
    """Checks reaped runs: a process that outlives LINGER is a failure of its test, and is killed."""
    while pending:
        for item in list(pending):
            ctx, test, deadline = item
            left = ctx.procs()
            if left and time.monotonic() < deadline:
                continue
            pending.remove(item)
            if left:
                test.fail("processes outlived the idle period by %d s: %s" % (LINGER, describe(left)))
                kill_pids(left)
            shutil.rmtree(ctx.dir, ignore_errors=True)
        if not block or not pending:
            return
        time.sleep(0.1)


def describe(procs):
    return "; ".join("%d %s" % (pid, line[:100]) for pid, line in sorted(procs.items()))


def configs_valid(store):
    """Problems with the store's machine records: every config.json must be a JSON object."""
    problems = []
    machines = os.path.join(store, "machines")
    for name in sorted(os.listdir(machines)) if os.path.isdir(machines) else []:
        path = os.path.join(machines, name, "config.json")
        try:
            with open(path, "rb") as f:
                value = json.load(f)
            if not isinstance(value, dict) or value.get("Name") != name:
                problems.append("%s: not the record of %s" % (path, name))
        except (OSError, ValueError) as e:
            problems.append("%s: %s" % (path, e))
    return problems


def copy_machine(store, source, target):
    """A copy of a machine's directory under another name (what a create would have written)."""
    src, dst = os.path.join(store, "machines", source), os.path.join(store, "machines", target)
    shutil.copytree(src, dst)
    path = os.path.join(dst, "config.json")
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(text.replace('"%s"' % source, '"%s"' % target))


def ls_names(result):
    return [line.split()[0] for line in result.out.splitlines()[1:] if line.strip()]


def crashed(result):
    """A JVM stack trace or an out-of-memory error in a command's output."""
    return re.search(r"OutOfMemoryError|\n\s+at [\w.$]+\(|Exception in thread", result.text)


# -- results --------------------------------------------------------------------------------------

class Test:
    def __init__(self, name):
        self.name, self.runs, self.failures, self.worst, self.unit = name, 0, 0, None, ""
        self.reasons = []
        self.failed_run = False
        self.tallies = {}

    def tally(self, what):
        self.tallies[what] = self.tallies.get(what, 0) + 1

    def begin(self):
        self.runs += 1
        self.failed_run = False

    def fail(self, reason):
        if not self.failed_run:
            self.failures += 1
            self.failed_run = True
        self.reasons.append("run %d: %s" % (self.runs, reason))

    def check(self, ok, reason):
        if not ok:
            self.fail(reason)
        return ok

    def measure(self, value, unit):
        self.unit = unit
        if value is not None and (self.worst is None or value > self.worst):
            self.worst = value


TESTS = []


def test(name):
    t = Test(name)
    TESTS.append(t)
    return t


def selected(name):
    return ONLY.search(name) is not None


# -- SIGKILL machine during create ----------------------------------------------------------------

def kill_create(variant):
    t = test("kill-create/" + variant)
    window = None
    for i in range(COUNT):
        t.begin()
        name = "k%s%d" % (SUITE, i)
        if variant == "none":
            ctx = Ctx()
            args = ["create", "-d", "none", "--url", URL, name]
        else:
            ctx = Ctx(plugin_path=PYPROC_DIR)
            args = ["create", "-d", "pyproc", "--pyproc-greeting", "hi",
                    "--pyproc-create-delay", "2", name]
        if window is None:
            # The kill lands anywhere from 30% to 120% of the time one create takes now: before
            # the record is written, during the driver's Create, and after the create finished.
            calibration = Ctx(plugin_path=ctx.env["MACHINE_PLUGIN_PATH"])
            r = calibration.machine(*args[:-1], "calibrate", timeout=120)
            window = 1.2 * r.seconds
            if r.rc == 0:
                calibration.machine("rm", "-f", "-y", "calibrate", timeout=60)
            reap(calibration, t)
        p = ctx.popen(*args)
        try:
            p.communicate(timeout=random.uniform(0.3 * window, window))
            t.tally("finished first")
        except subprocess.TimeoutExpired:
            os.kill(p.pid, signal.SIGKILL)
            p.wait(timeout=10)
        killed = time.monotonic()
        for pipe in (p.stdout, p.stderr):  # a plugin may still hold the other end
            pipe.close()
        record_path = os.path.join(ctx.machine_dir(name), "pyproc", "instance.json")
        # No plugin (nor anything else of the run) outlives the kill by more than the idle period.
        gone = wait_until(lambda: not ctx.procs(), IDLE + 10)
        t.measure(time.monotonic() - killed, "s after the kill until no process of the run")
        if not t.check(gone, "still running %d s after the kill: %s" % (IDLE + 10,
                                                                          describe(ctx.procs()))):
            kill_pids(ctx.procs())
        left = os.listdir(ctx.sockets)
        t.check(not left, "socket directories of dead plugins left: %s" % left)
        record = None
        try:
            with open(record_path) as f:
                record = json.load(f)
            provider_records.append((record.get("pid"), record.get("startTime")))
        except (OSError, ValueError):
            pass
        exists = os.path.isdir(ctx.machine_dir(name))
        t.tally("left a machine" if exists else "left no machine")
        ls = ctx.machine("ls", timeout=60)
        if t.check(ls.rc == 0 and not crashed(ls), "ls after the kill: " + ls.brief()):
            t.check((name in ls_names(ls)) == exists,
                    "ls %s the machine whose directory %s: %s" % (
                        "omits" if exists else "shows", "exists" if exists else "is gone",
                        ls.out.strip().replace("\n", " | ")[:300]))
        if exists:
            rm = ctx.machine("rm", "-f", "-y", name, timeout=60)
            t.check(rm.rc == 0, "rm -f of the half-created machine: " + rm.brief())
            t.check(not os.path.exists(ctx.machine_dir(name)),
                    "rm -f left %s" % ctx.machine_dir(name))
        if variant == "pyproc":
            t.check(wait_until(lambda: not provider_alive(record), 5),
                    "rm -f left the machine's process %s (%s)" % (
                        record, record and state_of(record["pid"])))
            wait_until(lambda: not provider_processes(name), 5)
            leaked = provider_processes(name)
            if not t.check(not leaked, "machine processes of %s left: %s" % (name, leaked)):
                kill_pids(leaked)
        reap(ctx, t)
        settle()
    settle(block=True)


# -- SIGKILL the plugin while a call is in flight -------------------------------------------------

def kill_plugin():
    ctx = Ctx(idle=60, plugin_path=SLOW_DIR)
    create = ctx.machine("create", "-d", "pyproc", "--pyproc-greeting", "hi", "kp0",
                         env={"MACHINEHOST_PLUGIN_REUSE": "0"}, timeout=120)
    setup = test("kill-plugin/setup")
    setup.begin()
    if not setup.check(create.rc == 0, "create of kp0: " + create.brief()):
        reap(ctx, setup)
        settle(block=True)
        return
    try:
        with open(os.path.join(ctx.machine_dir("kp0"), "pyproc", "instance.json")) as f:
            r = json.load(f)
        provider_records.append((r.get("pid"), r.get("startTime")))
    except (OSError, ValueError):
        pass
    for n in range(1, 20):
        copy_machine(ctx.store, "kp0", "kp%d" % n)
    TESTS.remove(setup)
    server = [None]

    def warm_server():
        """Waits until the run's command server answers; returns its PID or None."""
        def answered():
            r = ctx.machine("--debug", "version", timeout=30)
            m = re.search(r"answered by the command server, pid (\d+)", r.err)
            server[0] = int(m.group(1)) if m else None
            return server[0] is not None
        wait_until(answered, 40, step=0.3)
        return server[0]

    for command in (["status", "kp0"], ["ls"]):
        for served in (True, False):
            t = test("kill-plugin/%s/%s" % ("status" if command[0] == "status" else "ls20",
                                           "served" if served else "in-process"))
            if not selected(t.name):
                TESTS.remove(t)
                continue
            if served and not warm_server():
                t.begin()
                t.fail("no command server answered within 40 s")
                continue
            for _ in range(COUNT):
                t.begin()
                mark = os.path.join(ctx.dir, "rpc.mark")
                if os.path.exists(mark):
                    os.unlink(mark)
                env = {"CHAOS_STATE_DELAY": "20", "CHAOS_RPC_MARK": mark}
                if not served:
                    env["MACHINEHOST_PLUGIN_REUSE"] = "0"
                p = ctx.popen(*command, env=env)
                if not wait_until(lambda: read_text(mark).strip(), 60):
                    os.kill(p.pid, signal.SIGKILL)
                    p.communicate(timeout=10)
                    t.fail("the call did not reach the plugin within 60 s")
                    continue
                plugin = int(read_text(mark).split()[0])
                way = "served" if parent_of(plugin) not in (p.pid, None) else "in-process"
                t.check(way == ("served" if served else "in-process"),
                        "ran %s (plugin %d's parent %s)" % (way, plugin, parent_of(plugin)))
                os.kill(plugin, signal.SIGKILL)
                killed = time.monotonic()
                try:
                    out, err = p.communicate(timeout=30)
                    rc = p.returncode
                except subprocess.TimeoutExpired:
                    os.kill(p.pid, signal.SIGKILL)
                    out, err = p.communicate(timeout=10)
                    rc = None
                took = time.monotonic() - killed
                t.measure(took, "s from the kill to the command's end")
                said = (out + err).decode(errors="replace")
                brief = Result(rc, "", said, took).brief()
                t.check(took <= 2.0, "ended %.1f s after the kill (limit 2 s): %s" % (took, brief))
                t.check(rc not in (0, None), "exit %s after the plugin was killed: %s"
                        % (rc, said.strip().replace("\n", " | ")[:300]))
                t.check("pyproc" in said, "the error does not name the driver: "
                        + said.strip().replace("\n", " | ")[:300])
                t.check(not crashed(Result(rc, "", said, 0)), "a stack trace: " + brief)
                problems = configs_valid(ctx.store)
                t.check(len(os.listdir(os.path.join(ctx.store, "machines"))) == 20 and not problems,
                        "store damaged: %s" % problems[:3])
                # The killed plugin's socket directory: the host knows it and removes it.
                wait_until(lambda: not os.listdir(ctx.sockets), 2)
                left = os.listdir(ctx.sockets)
                t.check(not left, "socket directories of the killed plugin left: %s" % left)
                for d in left:
                    shutil.rmtree(os.path.join(ctx.sockets, d), ignore_errors=True)
    cleanup_row("kill-plugin", ctx)


def cleanup_row(part, ctx):
    """A row of its own for the processes of a run shared by several tests."""
    t = test(part + "/cleanup")
    t.begin()
    reap(ctx, t)
    settle(block=True)


# -- concurrent writers ---------------------------------------------------------------------------

def writers():
    t = test("writers/8")
    ctx = Ctx(idle=5)
    made = ctx.machine("create", "-d", "none", "--url", URL, "shared", timeout=120)
    t.begin()
    if not t.check(made.rc == 0, "create of shared: " + made.brief()):
        reap(ctx, t)
        settle(block=True)
        return
    t.runs -= 1
    expected = {}
    for i in range(COUNT):
        t.begin()
        for v in ("a", "b"):
            copy_machine(ctx.store, "shared", "r%d%s" % (i, v))
        labels = {"w%dx%d" % (i, j): "v%d" % j for j in range(4)}
        expected.update(labels)
        jobs = [ctx.popen("label", "shared", "%s=%s" % kv) for kv in labels.items()]
        jobs += [ctx.popen("create", "-d", "none", "--url", URL, "c%d%s" % (i, v)) for v in "ab"]
        jobs += [ctx.popen("rm", "-y", "r%d%s" % (i, v)) for v in "ab"]
        started = time.monotonic()
        for job in jobs:
            try:
                out, err = job.communicate(timeout=max(1, 120 - (time.monotonic() - started)))
                t.check(job.returncode == 0, "%s: %s" % (" ".join(job.args[1:4]), Result(
                    job.returncode, "", (out + err).decode(errors="replace"), 0).brief()))
            except subprocess.TimeoutExpired:
                os.killpg(job.pid, signal.SIGKILL)
                job.communicate(timeout=10)
                t.fail("%s did not end within 120 s" % " ".join(job.args[1:4]))
        t.measure(time.monotonic() - started, "s for a round of 8 (wall)")
        problems = configs_valid(ctx.store)
        t.check(not problems, "torn or foreign records: %s" % problems[:3])
        try:
            with open(os.path.join(ctx.machine_dir("shared"), "config.json")) as f:
                have = json.load(f)["HostOptions"]["Labels"]
            lost = sorted(k for k in expected if have.get(k) != expected[k])
            t.check(not lost, "lost label updates: %s" % lost)
        except (OSError, ValueError, KeyError, TypeError) as e:
            t.fail("shared's labels unreadable: %s" % e)
        for v in "ab":
            t.check(os.path.isfile(os.path.join(ctx.machine_dir("c%d%s" % (i, v)), "config.json")),
                    "c%d%s was not created" % (i, v))
            t.check(not os.path.exists(ctx.machine_dir("r%d%s" % (i, v))),
                    "r%d%s was not removed" % (i, v))
    reap(ctx, t)
    settle(block=True)


# -- concurrent first creates make one CA ----------------------------------------------------------

def docker_env():
    out = subprocess.run([os.path.join(ROOT, ".ci", "testbed", "testbed.sh"), "env"],
                         capture_output=True, text=True, timeout=60).stdout
    env = dict(os.environ)
    for m in re.finditer(r"^export (\w+)=(.*)$", out, re.M):
        env[m.group(1)] = m.group(2).strip("'\"")
    return env


def ssh_target():
    """An sshd-target container of the test bench on a loopback port, where provisioning gets as
    far as the certificates and then fails: dockerd and hostname are stubs (a container may not
    set its host name), and /etc/docker is a file, so the certificates cannot be installed. Returns (port, key) or raises with the reason."""
    denv = docker_env()
    key = os.path.join(WORK, "id_ed25519")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True,
                   timeout=30)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with open(key + ".pub") as f:
        pub = f.read().strip()
    r = subprocess.run(["docker", "run", "-d", "--label", "io.machinehost.purpose=chaos",
                        "-e", "SSH_AUTHORIZED_KEYS=" + pub, "-p", "127.0.0.1:%d:22" % port,
                        "machinehost/sshd-target:latest"],
                       env=denv, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError("docker run of machinehost/sshd-target failed (run \"make testbed\"): "
                           + r.stderr.strip()[:200])
    container = r.stdout.strip()
    containers.append((container, denv))
    subprocess.run(["docker", "exec", container, "sh", "-c",
                    "printf '#!/bin/sh\\nexit 0\\n' > /usr/local/bin/dockerd"
                    " && printf '#!/bin/sh\\nexit 0\\n' > /usr/local/bin/hostname"
                    " && chmod 755 /usr/local/bin/dockerd /usr/local/bin/hostname"
                    " && rm -rf /etc/docker"
                    " && echo 'not a directory' > /etc/docker"],
                   env=denv, check=True, timeout=60, capture_output=True)

    def listening():
        logs = subprocess.run(["docker", "logs", container], env=denv, capture_output=True,
                              text=True, timeout=30)
        return "Server listening on" in logs.stdout + logs.stderr
    if not wait_until(listening, 30, step=0.3):
        raise RuntimeError("sshd in container %s did not start within 30 s" % container[:12])
    return port, key


def first_create_ca():
    t = test("first-create-ca/8")
    try:
        port, key = ssh_target()
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        t.begin()
        t.fail("no SSH target: %s" % e)
        return
    for i in range(COUNT):
        t.begin()
        ctx = Ctx()
        names = ["g%d" % j for j in range(8)]
        started = time.monotonic()
        jobs = [ctx.popen("create", "-d", "generic", "--generic-ip-address", "127.0.0.1",
                          "--generic-ssh-port", str(port), "--generic-ssh-key", key,
                          "--generic-ssh-user", "root", n) for n in names]
        for job in jobs:
            try:
                job.communicate(timeout=max(1, 180 - (time.monotonic() - started)))
            except subprocess.TimeoutExpired:
                os.killpg(job.pid, signal.SIGKILL)
                job.communicate(timeout=10)
                t.fail("a create did not end within 180 s")
        t.measure(time.monotonic() - started, "s for 8 creates (wall)")
        certs = os.path.join(ctx.store, "certs")
        try:
            with open(os.path.join(certs, "ca.pem"), "rb") as f:
                ca = f.read()
        except OSError as e:
            t.fail("no CA: %s" % e)
            reap(ctx, t)
            settle()
            continue
        for n in names:
            path = os.path.join(ctx.machine_dir(n), "ca.pem")
            try:
                with open(path, "rb") as f:
                    t.check(f.read() == ca, "%s is another CA than certs/ca.pem" % n)
            except OSError:
                t.fail("%s did not reach the certificate step (no %s)" % (n, path))
        leftovers = [f for f in os.listdir(certs) if f not in (
            "ca.pem", "ca-key.pem", "cert.pem", "key.pem", ".lock")]
        t.check(not leftovers, "unexpected files in certs/: %s" % leftovers)
        reap(ctx, t)
        settle()
    settle(block=True)


# -- the bad-input corpus -------------------------------------------------------------------------

def tree_hash(top, skip):
    """Path -> (type, mode, content hash) of everything under top except the directory skip."""
    seen = {}
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        if os.path.realpath(dirpath) == os.path.realpath(skip):
            dirnames[:] = []
            continue
        dirnames[:] = [d for d in dirnames
                       if os.path.realpath(os.path.join(dirpath, d)) != os.path.realpath(skip)]
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()
            elif stat.S_ISLNK(st.st_mode):
                digest = os.readlink(p)
            else:
                digest = ""
            seen[p] = (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), digest)
    return seen


def tree_diff(before, after):
    changes = []
    for p in sorted(set(before) | set(after)):
        if p not in after:
            changes.append("removed " + p)
        elif p not in before:
            changes.append("created " + p)
        elif before[p] != after[p]:
            changes.append("changed " + p)
    return changes


class Corpus:
    """A store with a machine "keep", inside a sentinel tree: files and directories beside and
    above it, one of them (x/) laid out like a machine directory so that a name resolved outside
    the store would find a record there."""

    def __init__(self):
        self.ctx = Ctx(idle=30, plugin_path=PYPROC_DIR)
        self.top = os.path.join(self.ctx.dir, "top")
        self.mid = os.path.join(self.top, "mid")
        self.ctx.store = os.path.join(self.mid, "store")
        self.ctx.env["MACHINE_STORAGE_PATH"] = self.ctx.store
        os.makedirs(os.path.join(self.mid, "x"))
        os.makedirs(os.path.join(self.top, "x", "deep"))
        os.makedirs(os.path.join(self.mid, "store-beside"))
        for rel, text in (("above.txt", "above"), ("x/config.json", "{}"), ("x/deep/f", "f"),
                          ("mid/beside.txt", "beside"), ("mid/store-beside/f", "f")):
            with open(os.path.join(self.top, rel), "w") as f:
                f.write(text)
        r = self.ctx.machine("create", "-d", "none", "--url", URL, "keep", timeout=120)
        if r.rc != 0:
            raise RuntimeError("create of keep: " + r.brief())
        # x/ beside the store looks like a machine: what ../x would resolve to.
        shutil.copyfile(os.path.join(self.ctx.machine_dir("keep"), "config.json"),
                        os.path.join(self.mid, "x", "config.json"))
        self.backup = os.path.join(self.ctx.dir, "backup")
        shutil.copytree(self.top, self.backup, symlinks=True,
                        ignore=lambda d, names: ["store"] if d == self.mid else [])
        shutil.copytree(self.ctx.machine_dir("keep"), os.path.join(self.backup, "keep"))
        self.before = tree_hash(self.top, self.ctx.store)
        self.keep = tree_hash(self.ctx.machine_dir("keep"), "/nonexistent")

    def restore(self):
        """Puts the sentinel tree and the machine keep back as they were, after a case that
        changed them, so that the next case starts from the same tree."""
        for parent, skip in ((self.top, {"mid", "keep"}), (self.mid, {"store"})):
            for n in os.listdir(parent):
                if n not in skip:
                    p = os.path.join(parent, n)
                    if os.path.isdir(p) and not os.path.islink(p):
                        shutil.rmtree(p)
                    else:
                        os.unlink(p)
            source = os.path.join(self.backup, os.path.relpath(parent, self.top))
            for n in os.listdir(source):
                if n not in skip:
                    src, dst = os.path.join(source, n), os.path.join(parent, n)
                    if os.path.isdir(src) and not os.path.islink(src):
                        shutil.copytree(src, dst, symlinks=True)
                    else:
                        shutil.copy2(src, dst, follow_symlinks=False)
        keep = self.ctx.machine_dir("keep")
        shutil.rmtree(keep, ignore_errors=True)
        os.makedirs(os.path.dirname(keep), exist_ok=True)
        shutil.copytree(os.path.join(self.backup, "keep"), keep)

    def untouched(self):
        """Changes outside the store and to the machine keep since the start."""
        changes = tree_diff(self.before, tree_hash(self.top, self.ctx.store))
        changes += tree_diff(self.keep, tree_hash(self.ctx.machine_dir("keep"), "/nonexistent"))
        # a .lock file the store itself keeps beside a record is not a change of the record
        return [c for c in changes if not c.endswith("/keep/.lock")]


def expect(t, r, codes, patterns, corpus, what):
    """One corpus case: the exit code is one of codes, the output matches every pattern, there is
    no stack trace, and nothing outside the store (nor the machine keep) changed."""
    t.begin()
    ok = t.check(r.rc in codes, "%s: expected exit %s, got %s" % (
        what, "/".join(map(str, codes)) if len(codes) < 4 else "non-zero", r.brief()))
    if ok:
        for p in patterns:
            if not re.search(p, r.text, re.I | re.S):
                t.fail("%s: the message does not match /%s/: %s" % (what, p, r.brief()))
                break
    t.check(not crashed(r), "%s: a stack trace: %s" % (what, r.brief()))
    changes = corpus.untouched()
    t.check(not changes, "%s: touched outside the store: %s" % (what, changes[:4]))
    if changes:  # the next case starts from the same tree
        corpus.restore()
        left = corpus.untouched()
        t.check(not left, "%s: the sentinel tree could not be restored: %s" % (what, left[:4]))


NONZERO = tuple(range(1, 256))


def bad_names(corpus):
    m = corpus.ctx.machine
    names = {"dotdot": "..", "up-up-x": "../../x", "up-x": "../x", "slash": "a/b",
             "300-chars": "a" * 300, "empty": "", "leading-dash": "-x", "leading-dot": ".x",
             "unicode": "m\u00e4ch\u00efne"}
    for label, name in names.items():
        t = test("bad-input/name/" + label)
        # 300 characters: the limit is stated (a number of characters).
        # Every command refuses before it touches the filesystem: exit 2, saying the name is not
        # valid; for 300 characters the limit is stated (a number of characters).
        want = [r"name"]
        if label == "300-chars":
            want.append(r"\b\d{2,3}\b.*character|character.*\b\d{2,3}\b")
        cases = [
            ("create", ["create", "-d", "none", "--url", URL, "--", name]),
            ("rm -f -y", ["rm", "-f", "-y", "--", name]),
            ("rm -y", ["rm", "-y", "--", name]),
            ("label", ["label", "--", name, "k=v"]),
            ("inspect", ["inspect", "--", name]),
            ("status", ["status", "--", name]),
        ]
        for what, args in cases:
            r = m(*args, timeout=60)
            expect(t, r, (2,), want, corpus, "%s %r" % (what, name[:20]))
            if what != "rm -f -y":  # an invalid name must not be met with a destructive hint
                t.check("rm -f" not in r.text, "%s %r suggests rm -f: %s" % (
                    what, name[:20], r.brief()))


def bad_store_paths(corpus):
    top = corpus.top
    afile = os.path.join(top, "mid", "beside.txt")
    t = test("bad-input/store/regular-file")
    r = run([MACHINE, "-s", afile, "ls"], corpus.ctx.env, timeout=60)
    expect(t, r, NONZERO, [re.escape(afile)], corpus, "ls -s <a regular file>")
    t = test("bad-input/store/empty")
    r = run([MACHINE, "-s", "", "ls"], corpus.ctx.env, timeout=60)
    expect(t, r, NONZERO, [r"stor"], corpus, 'ls -s ""')
    t = test("bad-input/store/machines-is-a-file")
    odd = os.path.join(corpus.ctx.dir, "odd")
    os.makedirs(odd)
    with open(os.path.join(odd, "machines"), "w") as f:
        f.write("not a directory\n")
    r = run([MACHINE, "-s", odd, "ls"], corpus.ctx.env, timeout=60)
    expect(t, r, NONZERO, [re.escape(os.path.join(odd, "machines"))], corpus,
           "ls of a store whose machines is a file")
    t = test("bad-input/store/unreadable")
    # The store belongs to root, 0700: the foreign user cannot read it.
    home = os.path.join(corpus.ctx.dir, "nobody")
    os.makedirs(os.path.join(home, "x"), 0o700)
    os.chown(home, *NOBODY)
    os.chown(os.path.join(home, "x"), *NOBODY)
    env = dict(corpus.ctx.env, HOME=home, XDG_RUNTIME_DIR=os.path.join(home, "x"),
               XDG_CACHE_HOME=home, MACHINEHOST_CDS="0")
    os.chmod(corpus.ctx.dir, 0o711)
    os.chmod(corpus.ctx.store, 0o700)
    r = run([MACHINE, "-s", corpus.ctx.store, "ls"], env, timeout=60, user=True)
    expect(t, r, NONZERO, [re.escape(corpus.ctx.store)], corpus, "ls of a store unreadable to nobody")


def bad_urls(corpus):
    m = corpus.ctx.machine
    t = test("bad-input/url/port-99999")
    r = m("create", "-d", "none", "--url", "tcp://127.0.0.1:99999", "u1", timeout=60)
    expect(t, r, (2,), [r"65535|port"], corpus, "--url tcp://127.0.0.1:99999")
    t.check(not os.path.exists(corpus.ctx.machine_dir("u1")), "u1 was created")
    t = test("bad-input/url/100000-char-host")
    r = m("create", "-d", "none", "--url", "tcp://%s:2376" % ("h" * 100000), "u2", timeout=60)
    expect(t, r, (2,), [r"\b\d{2,5}\b"], corpus, "--url with a 100,000-character host")
    t.check(not os.path.exists(corpus.ctx.machine_dir("u2")), "u2 was created")
    for d in ("u1", "u2"):
        shutil.rmtree(corpus.ctx.machine_dir(d), ignore_errors=True)


def corrupt_configs(corpus):
    ctx = corpus.ctx
    machines = os.path.join(ctx.store, "machines")
    outside = os.path.join(corpus.mid, "x")

    def put(name, content=None, size=None):
        d = os.path.join(machines, name)
        os.makedirs(d)
        path = os.path.join(d, "config.json")
        with open(path, "wb") as f:
            if size:
                f.truncate(size)  # sparse: 200 MB that cost no disk
            else:
                f.write(content)
    put("cnull", b"null")
    put("carray", b"[]")
    put("czero", b"")
    put("cbig", size=200 * 1024 * 1024)
    os.symlink(outside, os.path.join(machines, "clinkdir"))  # the machine directory a symlink out
    os.makedirs(os.path.join(machines, "clinkcfg"))  # the record a symlink out
    os.symlink(os.path.join(outside, "config.json"), os.path.join(machines, "clinkcfg",
                                                                  "config.json"))
    corrupt = ["cnull", "carray", "czero", "cbig", "clinkdir", "clinkcfg"]
    t = test("bad-input/config/ls")
    r = ctx.machine("ls", timeout=120)
    expect(t, r, NONZERO + (0,), [], corpus, "ls of a store with corrupt records")
    names = ls_names(r)
    t.check("keep" in names, "ls lost the good machine keep: %s" % r.brief())
    t.check(all(n in names for n in corrupt),
            "ls does not show every corrupt machine: %s" % names)
    for name in corrupt:
        t = test("bad-input/config/" + name[1:])
        for what, args, codes in (("inspect", ["inspect", name], NONZERO),
                                  ("status", ["status", name], NONZERO),
                                  ("label", ["label", name, "k=v"], NONZERO),
                                  ("rm -f -y", ["rm", "-f", "-y", name], (0,))):
            r = ctx.machine(*args, timeout=120)
            expect(t, r, codes, [re.escape(name)] if codes is NONZERO else [], corpus,
                   "%s of %s" % (what, name))
        t.check(not os.path.lexists(os.path.join(machines, name)),
                "rm -f -y left %s" % os.path.join(machines, name))
        t.check(os.path.isfile(os.path.join(outside, "config.json")),
                "the record outside the store is gone")


def bad_input():
    try:
        corpus = Corpus()
    except (RuntimeError, OSError) as e:
        t = test("bad-input/setup")
        t.begin()
        t.fail(str(e))
        return
    for part in (bad_names, bad_store_paths, bad_urls, corrupt_configs):
        part(corpus)
    cleanup_row("bad-input", corpus.ctx)


# -- another local user on every socket -----------------------------------------------------------

PROBE = r"""
import socket, ssl, sys
path, mode = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
try:
    s.connect(path)
except OSError as e:
    print("refused connect: %s" % e.strerror)
    sys.exit(0)
try:
    if mode == "tls":
        # A TLS client without the host's one-time certificate, then an HTTP/2 preface.
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_alpn_protocols(["h2"])
        s = ctx.wrap_socket(s, server_hostname="localhost")
    s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00"
              if mode == "tls" else b'{"args":["ls"]}\n')
    data = s.recv(100)
except (OSError, ssl.SSLError) as e:
    print("refused: %s" % e)
    sys.exit(0)
print("refused: closed" if not data else "ANSWERED %d bytes" % len(data))
"""


def probe(path, mode, opened):
    """Connects to path as nobody; with opened, first opens the way to it as a careless chmod
    would (the directories o+x, the socket 0666), and puts the modes back afterwards."""
    changed = []
    if opened:
        p = path
        while True:
            changed.append((p, stat.S_IMODE(os.stat(p).st_mode)))
            os.chmod(p, 0o666 if p == path else changed[-1][1] | 0o011)
            p = os.path.dirname(p)
            if p in ("/", "/tmp", os.path.dirname(WORK)):
                break
    try:
        return run(["/usr/bin/python3", "-I", "-c", PROBE, path, mode], {"PATH": "/usr/bin:/bin"},
                   timeout=30, user=True)
    finally:
        for p, mode_bits in changed:
            os.chmod(p, mode_bits)


def foreign_user():
    if os.getuid() != 0 or not shutil.which("setpriv"):
        t = test("foreign-user/setup")
        t.begin()
        t.fail("needs root and setpriv to act as another user")
        return
    ctx = Ctx(idle=120, private_sockets=False)  # plugin sockets where they are by default
    setup = test("foreign-user/setup")
    setup.begin()
    made = ctx.machine("create", "-d", "none", "--url", URL, "f1", timeout=120)
    if not setup.check(made.rc == 0, "create: " + made.brief()):
        reap(ctx, setup)
        settle(block=True)
        return
    server = [None]

    def answered():
        r = ctx.machine("--debug", "status", "f1", timeout=30)
        m = re.search(r"answered by the command server, pid (\d+)", r.err)
        server[0] = m and int(m.group(1))
        return bool(server[0])
    wait_until(answered, 40, step=0.3)
    try:
        with open(os.path.join(ctx.store, "run", "none.json")) as f:
            plugin_socket = json.load(f)["handshake"].split("|")[3]
    except (OSError, ValueError, KeyError, IndexError) as e:
        plugin_socket = None
        setup.fail("no warm none plugin: %s" % e)
    commands = os.path.join(ctx.xdg, "machinehost", "commands")
    server_socket = next((os.path.join(commands, f) for f in sorted(os.listdir(commands))
                          if f.endswith(".sock")), None) if os.path.isdir(commands) else None
    setup.check(server[0] and server_socket, "no command server answered within 40 s")
    if setup.failures == 0:
        TESTS.remove(setup)
    sockets = [("plugin", plugin_socket, "tls"), ("command-server", server_socket, "raw")]
    for kind, path, mode in sockets:
        if not path:
            continue
        for opened in (False, True):
            t = test("foreign-user/%s%s" % (kind, "/opened" if opened else ""))
            for _ in range(COUNT):
                t.begin()
                r = probe(path, mode, opened)
                t.check(r.rc == 0 and r.out.startswith("refused"),
                        "nobody on the %s socket %s: %s" % (kind, path, r.brief() + r.out.strip()))
            # The owner is still served after the foreign attempts.
            r = ctx.machine("status", "f1", timeout=60)
            t.check(r.rc == 0 and "Running" in r.out, "status after the attempts: " + r.brief())
    # A plugin that is not warm: pyproc's socket during a create that takes a while.
    t = test("foreign-user/pyproc-plugin")
    pctx = Ctx(plugin_path=PYPROC_DIR, private_sockets=False)
    p = pctx.popen("create", "-d", "pyproc", "--pyproc-greeting", "hi", "--pyproc-create-delay",
                   "60", "fp1")
    sock = [None]

    def pyproc_socket():
        plugins = [pid for pid, line in pctx.procs().items() if "machine-driver-pyproc" in line]
        with open("/proc/net/unix") as f:
            paths = [row.split()[-1] for row in f if row.rstrip().endswith("/plugin.sock")
                     and "/machine-plugin-" in row]
        for path in paths:
            if sock_owner(path) in plugins:
                sock[0] = path
                return True
        return False
    if wait_until(pyproc_socket, 60, step=0.2):
        for _ in range(COUNT):
            t.begin()
            for opened in (False, True):
                r = probe(sock[0], "tls", opened)
                t.check(r.rc == 0 and r.out.startswith("refused"),
                        "nobody on pyproc's socket (%s): %s" % (
                            "opened" if opened else "as made", r.brief() + r.out.strip()))
    else:
        t.begin()
        t.fail("pyproc's plugin socket did not appear within 60 s")
    os.kill(p.pid, signal.SIGINT)  # Ctrl-C: the create is cancelled and cleaned up
    try:
        p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.kill(p.pid, signal.SIGKILL)
        p.communicate(timeout=10)
    leaked = provider_processes("fp1")
    kill_pids(leaked)
    reap(pctx, t)
    cleanup_row("foreign-user", ctx)


def sock_owner(path):
    """The PID of the process that listens on the Unix socket at path, from /proc/net/unix."""
    inode = None
    with open("/proc/net/unix") as f:
        for row in f:
            cols = row.split()
            if len(cols) >= 8 and cols[-1] == path and cols[5] == "01":  # listening
                inode = cols[6]
    if inode is None:
        return None
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                for fd in os.listdir("/proc/%s/fd" % entry):
                    if os.readlink("/proc/%s/fd/%s" % (entry, fd)) == "socket:[%s]" % inode:
                        return int(entry)
            except OSError:
                continue
    return None


# -- the table ------------------------------------------------------------------------------------

def table():
    rows = [("test", "runs", "failures", "worst case")]
    for t in TESTS:
        worst = "" if t.worst is None else "%.1f %s" % (t.worst, t.unit)
        worst = "; ".join([worst] * bool(worst) + ["%d %s" % (n, k) for k, n in t.tallies.items()])
        rows.append((t.name, str(t.runs), str(t.failures), worst))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for n, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) if i in (0, 3) else c.rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths))).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def cleanup():
    settle(block=True) if pending else None
    kill_pids(marked(SUITE + "/"))
    for pid, start in provider_records:
        if pid and start_time(pid) == start:
            kill_pids([pid])
    for container, denv in containers:
        subprocess.run(["docker", "rm", "-f", container], env=denv, capture_output=True,
                       timeout=60)
    shutil.rmtree(WORK, ignore_errors=True)


def main():
    if not os.access(MACHINE, os.X_OK):
        sys.exit("chaos: %s not found; run \"make build\" first" % MACHINE)
    atexit.register(cleanup)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    print("== chaos: COUNT=%d, %s, load %s" % (COUNT, MACHINE, os.getloadavg()[0]),
          file=sys.stderr, flush=True)
    parts = [
        ("kill-create/none", lambda: kill_create("none")),
        ("kill-create/pyproc", lambda: kill_create("pyproc")),
        ("kill-plugin/", kill_plugin),
        ("writers/8", writers),
        ("first-create-ca/8", first_create_ca),
        ("bad-input/", bad_input),
        ("foreign-user/", foreign_user),
    ]
    for prefix, body in parts:
        if not (selected(prefix) or any(selected(prefix + s) for s in (
                "status/served", "status/in-process", "ls20/served", "ls20/in-process",
                "plugin", "command-server", "name", "store", "url", "config"))):
            continue
        t0 = time.monotonic()
        body()
        print("== %s done in %.0f s" % (prefix, time.monotonic() - t0), file=sys.stderr,
              flush=True)
    settle(block=True)
    print(table())
    failed = [t for t in TESTS if t.failures]
    for t in failed:
        print("\n%s: %d of %d runs failed" % (t.name, t.failures, t.runs))
        for reason in t.reasons[:REASONS]:
            print("  " + reason)
        if len(t.reasons) > REASONS:
            print("  ... %d more (REASONS=%d shows more)" % (len(t.reasons) - REASONS, len(t.reasons)))
    print("\n%d tests, %d runs, %d failed runs, %.0f s, load average %.1f, %s" % (
        len(TESTS), sum(t.runs for t in TESTS), sum(t.failures for t in TESTS),
        time.monotonic() - started, os.getloadavg()[0], time.strftime("%Y-%m-%d %H:%M")))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
