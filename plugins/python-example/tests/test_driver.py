"""End-to-end tests of machine-driver-pyproc, launched as the host launches it.

Run: plugins/python-example/test.sh (or /usr/bin/python3 tests/test_driver.py [-k pattern]).
"""

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import grpc  # noqa: E402

from harness import EXECUTABLE, PROTOS, Plugin, base_env  # noqa: E402
from pyproc import errors, tls  # noqa: E402

pb = PROTOS.driver_pb2
C = grpc.StatusCode


def process_alive(pid):
    """True while the process exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read()
    except OSError:
        return False
    return data[data.rindex(b")") + 2:].split()[0] not in (b"Z", b"X")


def ancestors(pid):
    result = []
    while pid > 1:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read()
        pid = int(data[data.rindex(b")") + 2:].split()[1])
        result.append(pid)
    return result


def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def greeting_of(port, token=None):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        if token:
            s.sendall(token.encode() + b"\n")
        return s.makefile("rb").readline().decode().rstrip("\n")


class Store:
    """A machine store on disk, as the host keeps one; cleans up every process it sees."""

    def __init__(self):
        self.path = Path(tempfile.mkdtemp(prefix="pyproc-store-"))

    def machine(self, name, config=""):
        (self.path / "machines" / name).mkdir(parents=True, exist_ok=True)
        return pb.Machine(name=name, store_path=str(self.path), config_json=config)

    def pids(self):
        result = []
        for record in self.path.glob("machines/*/pyproc/instance.json"):
            pid = json.loads(record.read_text()).get("pid")
            if pid:
                result.append(pid)
        return result

    def destroy(self):
        for pid in self.pids():
            if process_alive(pid):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.path, ignore_errors=True)


def values(**given):
    """Flag values by flag name (underscores become dashes)."""
    result = {}
    for key, value in given.items():
        name = key.replace("_", "-")
        if isinstance(value, bool):
            result[name] = pb.FlagValue(bool_value=value)
        elif isinstance(value, int):
            result[name] = pb.FlagValue(int_value=value)
        elif isinstance(value, list):
            result[name] = pb.FlagValue(string_list_value=pb.StringList(values=value))
        else:
            result[name] = pb.FlagValue(string_value=value)
    return result


def run(call, machine, timeout=30):
    """Runs a long operation; returns (progress events, result config dict)."""
    progress, result = [], None
    for event in call(type_for(call)(machine=machine), timeout=timeout):
        kind = event.WhichOneof("event")
        if kind == "progress":
            assert result is None, "progress after the result"
            progress.append(event.progress)
        else:
            assert result is None, "two results"
            result = json.loads(event.result.config_json)
    assert result is not None, "the stream ended without a result"
    return progress, result


def type_for(call):
    name = call._method.decode().rsplit("/", 1)[1]
    return getattr(pb, name + "Request")


class DriverTest(unittest.TestCase):
    """One plugin process for the whole class: it serves every machine."""

    @classmethod
    def setUpClass(cls):
        cls.plugin = Plugin()
        cls.s = cls.plugin.stubs()

    @classmethod
    def tearDownClass(cls):
        cls.plugin.close()

    def setUp(self):
        self.store = Store()
        self.addCleanup(self.store.destroy)

    def assertCode(self, code, fn, *args, flag=None, **kwargs):
        with self.assertRaises(grpc.RpcError) as caught:
            result = fn(*args, **kwargs)
            if hasattr(result, "__iter__") and not hasattr(result, "SerializeToString"):
                list(result)
        self.assertEqual(caught.exception.code(), code, caught.exception.details())
        info = errors.error_info(PROTOS, caught.exception.trailing_metadata())
        self.assertIsNotNone(info, "no ErrorInfo")
        self.assertEqual(info.domain, "driver.machinehost.io")
        if flag is not None:
            self.assertEqual(info.metadata["flag"], flag)
        return caught.exception

    def configure(self, name, **flags):
        flags.setdefault("pyproc_greeting", "hello from " + name)
        machine = self.store.machine(name)
        response = self.s.driver.SetConfigFromFlags(
            pb.SetConfigFromFlagsRequest(machine=machine, values=values(**flags)))
        return self.store.machine(name, response.config_json)

    def state(self, machine):
        return pb.State.Name(self.s.driver.GetState(pb.GetStateRequest(machine=machine)).state)

    def with_config(self, machine, config):
        return pb.Machine(name=machine.name, store_path=machine.store_path,
                          config_json=json.dumps(config))

    # -- plugin-wide -------------------------------------------------------------------------

    def test_health_plugin_serving(self):
        h = PROTOS.health_pb2
        response = self.s.health.Check(h.HealthCheckRequest(service="plugin"))
        self.assertEqual(response.status, h.HealthCheckResponse.SERVING)

    def test_plugin_info(self):
        info = self.s.driver.GetPluginInfo(pb.GetPluginInfoRequest())
        self.assertEqual(info.name, "pyproc")
        self.assertTrue(info.version)
        self.assertEqual(info.protocol_version, 1)
        self.assertEqual(
            [pb.Capability.Name(c) for c in info.capabilities],
            ["CAPABILITY_START", "CAPABILITY_STOP", "CAPABILITY_KILL", "CAPABILITY_RESTART",
             "CAPABILITY_CANCEL_CREATE"])
        self.assertTrue(info.description)
        self.assertEqual(list(info.secret_config_keys), ["Token"])
        self.assertEqual(self.s.driver.DriverName(pb.DriverNameRequest()).name, "pyproc")

    def test_create_flags_are_typed(self):
        flags = {f.name: f for f in self.s.driver.GetCreateFlags(pb.GetCreateFlagsRequest()).flags}
        greeting = flags["pyproc-greeting"]
        self.assertEqual(greeting.type, pb.FLAG_TYPE_STRING)
        self.assertTrue(greeting.required)
        self.assertEqual(greeting.env_var, "PYPROC_GREETING")
        mode = flags["pyproc-mode"]
        self.assertEqual(list(mode.choices), ["banner", "echo"])
        self.assertEqual(mode.default_value.string_value, "banner")
        port = flags["pyproc-port"]
        self.assertEqual(port.type, pb.FLAG_TYPE_INT)
        self.assertTrue(port.HasField("min"))
        self.assertEqual((port.min, port.max), (0, 65535))
        self.assertEqual(port.default_value.int_value, 0)
        self.assertEqual(flags["pyproc-tags"].type, pb.FLAG_TYPE_STRING_LIST)
        self.assertFalse(flags["pyproc-tags"].HasField("default_value"))
        self.assertTrue(flags["pyproc-token"].secret)

    def test_set_config_missing_required_is_invalid_argument(self):
        machine = self.store.machine("m1")
        e = self.assertCode(C.INVALID_ARGUMENT, self.s.driver.SetConfigFromFlags,
                            pb.SetConfigFromFlagsRequest(machine=machine, values={}),
                            flag="pyproc-greeting")
        self.assertIn("pyproc-greeting", e.details())

    def test_set_config_rejects_bad_values(self):
        machine = self.store.machine("m1")
        cases = [
            (values(pyproc_greeting="hi", pyproc_mode="telnet"), "pyproc-mode"),
            (values(pyproc_greeting="hi", pyproc_port=70000), "pyproc-port"),
            (values(pyproc_greeting="hi", pyproc_port="22"), "pyproc-port"),
            (values(pyproc_greeting="hi", pyproc_colour="red"), "pyproc-colour"),
        ]
        for given, flag in cases:
            with self.subTest(flag=flag):
                self.assertCode(C.INVALID_ARGUMENT, self.s.driver.SetConfigFromFlags,
                                pb.SetConfigFromFlagsRequest(machine=machine, values=given),
                                flag=flag)

    def test_set_config_fills_defaults_and_get_config_round_trips(self):
        machine = self.configure("m1", pyproc_tags=["a", "b"])
        config = json.loads(machine.config_json)
        self.assertEqual(config["Greeting"], "hello from m1")
        self.assertEqual(config["Mode"], "banner")
        self.assertEqual(config["Port"], 0)
        self.assertEqual(config["Tags"], ["a", "b"])
        got = self.s.driver.GetConfig(pb.GetConfigRequest(machine=machine)).config_json
        self.assertEqual(json.loads(got), config)
        self.assertEqual(
            self.s.driver.GetMachineName(pb.GetMachineNameRequest(machine=machine)).name, "m1")

    def test_bad_machine_name_is_invalid_argument(self):
        machine = pb.Machine(name="../etc", store_path=str(self.store.path))
        self.assertCode(C.INVALID_ARGUMENT, self.s.driver.GetState,
                        pb.GetStateRequest(machine=machine))

    def test_ssh_is_unimplemented(self):
        machine = self.configure("m1")
        self.assertCode(C.UNIMPLEMENTED, self.s.driver.GetSshHostname,
                        pb.GetSshHostnameRequest(machine=machine))
        self.assertCode(C.UNIMPLEMENTED, self.s.driver.GetSshPort,
                        pb.GetSshPortRequest(machine=machine))

    # -- lifecycle ---------------------------------------------------------------------------

    def test_lifecycle(self):
        d = self.s.driver
        machine = self.configure("life", pyproc_mode="echo")
        self.assertEqual(self.state(machine), "STATE_NOT_FOUND")
        d.PreCreateCheck(pb.PreCreateCheckRequest(machine=machine))

        progress, config = run(d.Create, machine)
        self.assertTrue(progress, "Create reported no progress")
        machine = self.with_config(machine, config)
        pid = config["Pid"]
        self.assertTrue(process_alive(pid))
        self.assertEqual(self.state(machine), "STATE_RUNNING")
        self.assertEqual(greeting_of(config["ServicePort"]), "hello from life")
        self.assertEqual(d.GetIp(pb.GetIpRequest(machine=machine)).ip, "127.0.0.1")

        _, config = run(d.Stop, machine)
        self.assertEqual(self.state(machine), "STATE_STOPPED")
        self.assertFalse(process_alive(pid))
        self.assertEqual(config["Pid"], 0)
        self.assertCode(C.FAILED_PRECONDITION, d.GetIp, pb.GetIpRequest(machine=machine))
        run(d.Stop, machine)  # stopping a stopped machine succeeds
        self.assertEqual(self.state(machine), "STATE_STOPPED")

        _, config = run(d.Start, machine)
        self.assertEqual(self.state(machine), "STATE_RUNNING")
        pid = config["Pid"]
        _, again = run(d.Start, machine)  # starting a running machine succeeds
        self.assertEqual(again["Pid"], pid)

        _, config = run(d.Kill, machine)
        self.assertEqual(self.state(machine), "STATE_STOPPED")
        self.assertFalse(process_alive(pid))
        run(d.Kill, machine)  # killing a stopped machine succeeds

        _, config = run(d.Restart, machine)  # restarting a stopped machine starts it
        self.assertEqual(self.state(machine), "STATE_RUNNING")
        first = config["Pid"]
        _, config = run(d.Restart, machine)
        self.assertEqual(self.state(machine), "STATE_RUNNING")
        self.assertNotEqual(config["Pid"], first)
        self.assertFalse(process_alive(first))
        pid = config["Pid"]

        _, config = run(d.Remove, machine)
        self.assertEqual(self.state(machine), "STATE_NOT_FOUND")
        self.assertFalse(process_alive(pid))
        self.assertFalse((self.store.path / "machines" / "life" / "pyproc").exists())
        run(d.Remove, machine)  # removing a missing machine succeeds

        for call in (d.Start, d.Stop, d.Kill, d.Restart):
            with self.subTest(call=call._method):
                self.assertCode(C.NOT_FOUND, run, call, machine)
        self.assertCode(C.NOT_FOUND, d.GetIp, pb.GetIpRequest(machine=machine))

    def test_create_twice_is_already_exists(self):
        machine = self.configure("dup")
        _, config = run(self.s.driver.Create, machine)
        self.assertCode(C.ALREADY_EXISTS, run, self.s.driver.Create, machine)
        self.assertTrue(process_alive(config["Pid"]))
        run(self.s.driver.Remove, self.with_config(machine, config))

    def test_two_machines_at_once(self):
        # Each Create takes at least 2 s: one after the other they would take 4 s or more.
        machines = [self.configure("twin-%d" % i, pyproc_create_delay=2) for i in range(2)]
        results = {}

        def create(m):
            results[m.name] = run(self.s.driver.Create, m)[1]

        threads = [threading.Thread(target=create, args=(m,)) for m in machines]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertLess(time.monotonic() - started, 3.6, "the creates did not overlap")
        self.assertEqual(len(results), 2)
        pids = {c["Pid"] for c in results.values()}
        self.assertEqual(len(pids), 2)
        for m in machines:
            machine = self.with_config(m, results[m.name])
            self.assertEqual(self.state(machine), "STATE_RUNNING")
            self.assertEqual(greeting_of(results[m.name]["ServicePort"]), "hello from " + m.name)
        for m in machines:
            run(self.s.driver.Remove, self.with_config(m, results[m.name]))
        self.assertFalse(any(process_alive(p) for p in pids))

    def test_cancelled_create_removes_what_it_made(self):
        machine = self.configure("cancel-me", pyproc_create_delay=30)
        call = self.s.driver.Create(pb.CreateRequest(machine=machine), timeout=60)
        first = next(call)
        self.assertEqual(first.WhichOneof("event"), "progress")
        call.cancel()
        own = self.store.path / "machines" / "cancel-me" / "pyproc"
        self.assertTrue(wait_until(lambda: not own.exists(), 5), "Create left %s" % own)
        self.assertEqual(self.state(machine), "STATE_NOT_FOUND")
        self.assertEqual(self.store.pids(), [])

    def test_remove_after_cancelled_create_waits_for_its_cleanup(self):
        # What a host does after Ctrl-C: cancel the stream, then Remove (idempotent), whose answer
        # comes only once the driver has finished cleaning up.
        machine = self.configure("cancel-rm", pyproc_create_delay=30)
        call = self.s.driver.Create(pb.CreateRequest(machine=machine), timeout=60)
        next(call)
        call.cancel()
        run(self.s.driver.Remove, machine)
        self.assertEqual(self.state(machine), "STATE_NOT_FOUND")
        self.assertFalse((self.store.path / "machines" / "cancel-rm" / "pyproc").exists())
        self.assertEqual(self.store.pids(), [])

    def test_secret_token_guards_the_service(self):
        machine = self.configure("vault", pyproc_token="s3cret")
        _, config = run(self.s.driver.Create, machine)
        self.assertEqual(greeting_of(config["ServicePort"], token="wrong"), "denied")
        self.assertEqual(greeting_of(config["ServicePort"], token="s3cret"), "hello from vault")
        run(self.s.driver.Remove, self.with_config(machine, config))

    def test_port_in_use_is_failed_precondition(self):
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        self.addCleanup(busy.close)
        machine = self.configure("busy", pyproc_port=busy.getsockname()[1])
        self.assertCode(C.FAILED_PRECONDITION, self.s.driver.PreCreateCheck,
                        pb.PreCreateCheckRequest(machine=machine))

    def test_sigint_is_ignored(self):
        os.kill(self.plugin.process.pid, signal.SIGINT)
        time.sleep(0.2)
        self.assertIsNone(self.plugin.process.poll())
        self.test_health_plugin_serving()


class ShippedProtosTest(unittest.TestCase):
    """proto/ alone is enough: every .proto a driver needs compiles with Debian's protoc."""

    ROOT = Path(__file__).resolve().parents[3] / "proto" / "src" / "main" / "proto"

    def protoc(self, include, out, *files):
        import grpc_tools

        well_known = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
        return subprocess.run(
            [
                "/usr/bin/python3",
                "-m",
                "grpc_tools.protoc",
                "-I" + str(include),
                "-I" + well_known,
                "--python_out=" + out,
                "--grpc_python_out=" + out,
            ]
            + list(files),
            capture_output=True,
            text=True,
        )

    def imports(self, out, *modules):
        code = "import sys; sys.path.insert(0, %r)\n" % out + "".join(
            "import %s\n" % m for m in modules
        )
        return subprocess.run(
            ["/usr/bin/python3", "-c", code], capture_output=True, text=True, cwd=out
        )

    def test_every_shipped_proto_compiles_and_imports(self):
        names = sorted(
            str(p.relative_to(self.ROOT)) for p in self.ROOT.rglob("*.proto")
        )
        self.assertEqual(
            names,
            [
                "google/rpc/error_details.proto",
                "google/rpc/status.proto",
                "grpc/health/v1/health.proto",
                "machine/driver/v1/driver.proto",
                "plugin/grpc_controller.proto",
            ],
        )
        with tempfile.TemporaryDirectory() as out:
            rest = [n for n in names if not n.startswith("grpc/")]
            done = self.protoc(self.ROOT, out, *rest)
            self.assertEqual(done.returncode, 0, done.stderr)
            # The recommended way for health: from its own directory, a top-level module.
            done = self.protoc(self.ROOT / "grpc" / "health" / "v1", out, "health.proto")
            self.assertEqual(done.returncode, 0, done.stderr)
            loaded = self.imports(
                out,
                "health_pb2, health_pb2_grpc",
                "google.rpc.status_pb2, google.rpc.error_details_pb2",
                "machine.driver.v1.driver_pb2_grpc, plugin.grpc_controller_pb2_grpc",
            )
            self.assertEqual(loaded.returncode, 0, loaded.stderr)

    def test_health_at_its_canonical_path_is_hidden_by_grpcio(self):
        # The trap proto/README.md warns about: grpc/health/v1/health_pb2.py under a directory on
        # sys.path is shadowed by grpcio's own "grpc" package.
        with tempfile.TemporaryDirectory() as out:
            done = self.protoc(self.ROOT, out, "grpc/health/v1/health.proto")
            self.assertEqual(done.returncode, 0, done.stderr)
            loaded = self.imports(out, "grpc", "grpc.health.v1.health_pb2")
            self.assertNotEqual(loaded.returncode, 0)
            self.assertIn("ModuleNotFoundError", loaded.stderr)


class SecurityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.plugin = Plugin()

    @classmethod
    def tearDownClass(cls):
        cls.plugin.close()

    def check_refused(self, channel):
        stub = PROTOS.health_pb2_grpc.HealthStub(channel)
        with self.assertRaises(grpc.RpcError) as caught:
            stub.Check(PROTOS.health_pb2.HealthCheckRequest(service="plugin"), timeout=5)
        self.assertEqual(caught.exception.code(), C.UNAVAILABLE)
        channel.close()

    def test_handshake_line(self):
        h = self.plugin.handshake
        self.assertEqual((h.core, h.app, h.network, h.protocol), (1, 1, "unix", "grpc"))
        self.assertTrue(h.address.endswith("/plugin.sock"))
        mode = stat.S_IMODE(os.stat(os.path.dirname(h.address)).st_mode)
        self.assertEqual(mode, 0o700)
        self.assertTrue(stat.S_ISSOCK(os.stat(h.address).st_mode))
        from cryptography import x509
        from cryptography.hazmat.primitives.asymmetric import ec
        cert = x509.load_pem_x509_certificate(self.plugin.server_pem())
        self.assertIsInstance(cert.public_key().curve, ec.SECP256R1)
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        self.assertIn("localhost", san.get_values_for_type(x509.DNSName))

    def test_client_without_certificate_is_refused(self):
        self.check_refused(self.plugin.connect(self.plugin.credentials(client=False)))

    def test_client_with_another_certificate_is_refused(self):
        other = tls.generate("someone else")
        credentials = grpc.ssl_channel_credentials(
            root_certificates=self.plugin.server_pem(), private_key=other.private_key_pem(),
            certificate_chain=other.certificate_pem())
        self.check_refused(self.plugin.connect(credentials))

    def test_plaintext_client_is_refused(self):
        self.check_refused(grpc.insecure_channel(self.plugin.handshake.target()))


class LaunchTest(unittest.TestCase):
    """Each test launches its own plugin process."""

    def test_without_cookie_exits_1_with_message(self):
        env = base_env()
        result = subprocess.run([str(EXECUTABLE)], env=env, stdin=subprocess.DEVNULL,
                                capture_output=True, timeout=10)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stdout, b"")
        self.assertIn(b"machinehost driver plugin", result.stderr)
        self.assertIn(b"launched by `machine`", result.stderr)

    def test_closing_stdin_exits_within_two_seconds(self):
        plugin = Plugin()
        try:
            socket_dir = os.path.dirname(plugin.handshake.address)
            plugin.stubs().health.Check(PROTOS.health_pb2.HealthCheckRequest(service="plugin"))
            started = time.monotonic()
            plugin.close_stdin()
            code = plugin.wait(5)
            elapsed = time.monotonic() - started
            self.assertLess(elapsed, 2.0)
            self.assertEqual(code, 0)
            self.assertFalse(os.path.exists(socket_dir), "socket directory left behind")
            self.assertEqual(plugin.process.stdout.read(), b"", "more than one line on stdout")
        finally:
            plugin.close()

    def test_shutdown_makes_it_exit(self):
        plugin = Plugin()
        try:
            socket_dir = os.path.dirname(plugin.handshake.address)
            plugin.stubs().controller.Shutdown(PROTOS.controller_pb2.Empty(), timeout=5)
            self.assertEqual(plugin.wait(5), 0)
            self.assertFalse(os.path.exists(socket_dir), "socket directory left behind")
        finally:
            plugin.close()

    def test_shutdown_lets_a_running_operation_finish(self):
        store = Store()
        plugin = Plugin()
        try:
            s = plugin.stubs()
            machine = store.machine("slow")
            config = s.driver.SetConfigFromFlags(pb.SetConfigFromFlagsRequest(
                machine=machine, values=values(pyproc_greeting="hi", pyproc_create_delay=1)))
            machine = store.machine("slow", config.config_json)
            outcome = {}

            def create():
                outcome["result"] = run(s.driver.Create, machine)[1]

            worker = threading.Thread(target=create)
            worker.start()
            time.sleep(0.3)
            s.controller.Shutdown(PROTOS.controller_pb2.Empty(), timeout=5)
            worker.join(10)
            self.assertIn("result", outcome)
            self.assertEqual(plugin.wait(5), 0)
            self.assertTrue(process_alive(outcome["result"]["Pid"]))
        finally:
            plugin.close()
            store.destroy()

    def test_stdin_eof_after_shutdown_still_exits_within_two_seconds(self):
        # The host sends Shutdown and then closes stdin: the lifeline bound holds even while a
        # Shutdown would let a long operation finish, and the cancelled Create cleans up.
        store = Store()
        plugin = Plugin()
        try:
            s = plugin.stubs()
            machine = store.machine("long")
            config = s.driver.SetConfigFromFlags(pb.SetConfigFromFlagsRequest(
                machine=machine, values=values(pyproc_greeting="hi", pyproc_create_delay=30)))
            call = s.driver.Create(pb.CreateRequest(
                machine=store.machine("long", config.config_json)), timeout=60)
            next(call)
            s.controller.Shutdown(PROTOS.controller_pb2.Empty(), timeout=5)
            started = time.monotonic()
            plugin.close_stdin()
            self.assertEqual(plugin.wait(5), 0)
            self.assertLess(time.monotonic() - started, 2.0)
            self.assertFalse((store.path / "machines" / "long" / "pyproc").exists())
            self.assertEqual(store.pids(), [])
        finally:
            plugin.close()
            store.destroy()

    def test_machines_outlive_the_plugin_process(self):
        # No per-machine state in memory: a second plugin process carries on with the machine.
        store = Store()
        try:
            with Plugin() as first:
                s = first.stubs()
                machine = store.machine("keep")
                config = s.driver.SetConfigFromFlags(pb.SetConfigFromFlagsRequest(
                    machine=machine, values=values(pyproc_greeting="still here")))
                _, result = run(s.driver.Create, store.machine("keep", config.config_json))
            machine = store.machine("keep", json.dumps(result))
            self.assertTrue(process_alive(result["Pid"]))
            with Plugin() as second:
                s = second.stubs()
                state = s.driver.GetState(pb.GetStateRequest(machine=machine)).state
                self.assertEqual(state, pb.STATE_RUNNING)
                self.assertEqual(greeting_of(result["ServicePort"]), "still here")
                run(s.driver.Remove, machine)
            self.assertFalse(process_alive(result["Pid"]))
        finally:
            store.destroy()

    def test_tcp_transport_on_loopback(self):
        with Plugin(transport="tcp") as plugin:
            h = plugin.handshake
            self.assertEqual(h.network, "tcp")
            self.assertTrue(h.address.startswith("127.0.0.1:"))
            info = plugin.stubs().driver.GetPluginInfo(pb.GetPluginInfoRequest())
            self.assertEqual(info.name, "pyproc")

    def test_without_client_cert_serves_plaintext(self):
        with Plugin(mtls=False) as plugin:
            self.assertIsNone(plugin.handshake.cert_field)
            info = plugin.stubs().driver.GetPluginInfo(pb.GetPluginInfoRequest())
            self.assertEqual(info.protocol_version, 1)

    def test_version_negotiation(self):
        for offered, expected in (("1", 1), ("1,2", 1), ("3,2", 1), ("", 1), ("x, 1", 1)):
            with self.subTest(offered=offered):
                with Plugin(versions=offered) as plugin:
                    self.assertEqual(plugin.handshake.app, expected)

    def test_machine_processes_do_not_hold_the_plugin_pipes(self):
        # If a machine kept the plugin's stdout or stderr, the host would never see EOF on them.
        store = Store()
        try:
            plugin = Plugin()
            s = plugin.stubs()
            machine = store.machine("pipes")
            config = s.driver.SetConfigFromFlags(pb.SetConfigFromFlagsRequest(
                machine=machine, values=values(pyproc_greeting="hi")))
            _, result = run(s.driver.Create, store.machine("pipes", config.config_json))
            # Not a descendant: a host that kills the plugin with its descendants spares it.
            self.assertNotIn(plugin.process.pid, ancestors(result["Pid"]))
            plugin.close_stdin()
            plugin.wait(5)
            done = threading.Event()

            def drain():
                plugin.process.stdout.read()
                done.set()

            threading.Thread(target=drain, daemon=True).start()
            self.assertTrue(done.wait(3), "stdout still open after the plugin exited")
            fds = os.listdir("/proc/%d/fd" % result["Pid"])
            targets = {os.readlink("/proc/%d/fd/%s" % (result["Pid"], fd)) for fd in fds}
            self.assertFalse(any(t.startswith("pipe:") for t in targets), targets)
            self.assertEqual(os.getsid(result["Pid"]) == os.getsid(0), False)
            plugin.close()
        finally:
            store.destroy()


def main():
    argv = sys.argv[1:]
    loader = unittest.TestLoader()
    if "-k" in argv:
        loader.testNamePatterns = ["*%s*" % argv[argv.index("-k") + 1]]
    suite = loader.loadTestsFromModule(sys.modules[__name__])
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    passed = result.testsRun - failed - len(result.skipped)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(0 if failed == 0 and result.testsRun > 0 else 1)


if __name__ == "__main__":
    main()
