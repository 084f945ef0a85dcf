"""Launches a driver executable the way the `machine` host does, for tests.

Cookie in the environment, a one-time client certificate in PLUGIN_CLIENT_CERT, a private socket
directory, stdin held open through a pipe (the lifeline), the handshake line read from stdout, and
a mutual-TLS gRPC channel that trusts exactly the certificate the plugin returned.
"""

import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent
sys.path.insert(0, str(EXAMPLE))

import grpc  # noqa: E402

from pyproc import codegen, tls  # noqa: E402

PROTOS = codegen.load()
EXECUTABLE = EXAMPLE / "machine-driver-pyproc"
COOKIE = {"MACHINE_PLUGIN_COOKIE": "machinehost-driver-v1"}


def base_env():
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "XDG_CACHE_HOME", "TMPDIR", "MACHINEHOST_PROTO_DIR")
    return {k: os.environ[k] for k in keep if k in os.environ}


class Handshake:
    def __init__(self, line):
        self.line = line
        fields = line.rstrip("\n").split("|")
        if len(fields) < 5:
            raise ValueError("bad handshake line %r" % line)
        self.core, self.app = int(fields[0]), int(fields[1])
        self.network, self.address, self.protocol = fields[2], fields[3], fields[4]
        self.cert_field = fields[5] if len(fields) > 5 else None

    def target(self):
        return ("unix:" + self.address) if self.network == "unix" else self.address


class Plugin:
    """One plugin process. Use as a context manager; closing ends it by closing its stdin."""

    def __init__(self, executable=EXECUTABLE, env=None, mtls=True, transport=None,
                 versions="1", timeout=10.0):
        self.tmp = Path(tempfile.mkdtemp(prefix="pyproc-test-"))
        self.client = tls.generate("machinehost host") if mtls else None
        environment = base_env()
        environment.update(COOKIE)
        environment["PLUGIN_UNIX_SOCKET_DIR"] = str(self.tmp)
        if versions is not None:
            environment["PLUGIN_PROTOCOL_VERSIONS"] = versions
        if self.client:
            environment["PLUGIN_CLIENT_CERT"] = self.client.certificate_pem().decode()
        if transport:
            environment["MACHINE_PLUGIN_TRANSPORT"] = transport
        environment.update(env or {})
        self.stderr_path = self.tmp / "stderr.log"
        self._stderr = open(self.stderr_path, "wb")
        started = time.monotonic()
        self.process = subprocess.Popen(
            [str(executable)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self._stderr, env=environment, close_fds=True)
        self.handshake = Handshake(self._read_line(timeout))
        self.handshake_seconds = time.monotonic() - started
        self.channel = None

    def _read_line(self, timeout):
        deadline = time.monotonic() + timeout
        data = b""
        fd = self.process.stdout.fileno()
        while not data.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                self.kill()
                raise TimeoutError("no handshake within %.0f s; stderr: %s" % (timeout,
                                                                               self.stderr()))
            chunk = os.read(fd, 4096)
            if not chunk:
                self.process.wait(5)
                raise EOFError("plugin exited (%s) before its handshake; stderr: %s"
                               % (self.process.returncode, self.stderr()))
            data += chunk
        return data.decode()

    def stderr(self):
        self._stderr.flush()
        return self.stderr_path.read_text(errors="replace")

    def server_pem(self):
        return tls.certificate_from_base64(self.handshake.cert_field)

    def credentials(self, client=True, trust=None):
        identity = self.client
        return grpc.ssl_channel_credentials(
            root_certificates=trust or self.server_pem(),
            private_key=identity.private_key_pem() if client else None,
            certificate_chain=identity.certificate_pem() if client else None)

    def connect(self, credentials=None):
        """A channel to the plugin (mutual TLS with the launch's certificates by default)."""
        if credentials is None and self.client is None:
            channel = grpc.insecure_channel(self.handshake.target())
        else:
            channel = grpc.secure_channel(self.handshake.target(),
                                          credentials or self.credentials())
        return channel

    def stubs(self):
        if self.channel is None:
            self.channel = self.connect()
        return Stubs(self.channel)

    def close_stdin(self):
        if self.process.stdin and not self.process.stdin.closed:
            self.process.stdin.close()

    def wait(self, timeout):
        return self.process.wait(timeout)

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    def close(self):
        if self.channel is not None:
            self.channel.close()
        self.close_stdin()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.kill()
        self.process.stdout.close()
        self._stderr.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Stubs:
    def __init__(self, channel):
        p = PROTOS
        self.driver = p.driver_pb2_grpc.DriverServiceStub(channel)
        self.health = p.health_pb2_grpc.HealthStub(channel)
        self.controller = p.controller_pb2_grpc.GRPCControllerStub(channel)
