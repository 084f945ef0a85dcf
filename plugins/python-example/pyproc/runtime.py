"""The plugin side of the machinehost protocol (v1), for any Python driver.

Cookie check, version negotiation, private Unix socket (or loopback TCP), go-plugin AutoMTLS,
health, the handshake line, the stdin lifeline, Shutdown and signals. proto/README.md in the
repository is the protocol document this follows.
"""

import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
from concurrent import futures

COOKIE_KEY = "MACHINE_PLUGIN_COOKIE"
COOKIE_VALUE = "machinehost-driver-v1"
PROTOCOL_VERSIONS = "PLUGIN_PROTOCOL_VERSIONS"
CLIENT_CERT = "PLUGIN_CLIENT_CERT"
TRANSPORT = "MACHINE_PLUGIN_TRANSPORT"
UNIX_SOCKET_DIR = "PLUGIN_UNIX_SOCKET_DIR"
LOG_LEVEL = "MACHINE_PLUGIN_LOG_LEVEL"

CORE_VERSION = 1
SUPPORTED_VERSIONS = (1,)
SHUTDOWN_GRACE = 30.0  # Shutdown lets running operations finish for this long
LIFELINE_GRACE = 1.2  # after stdin EOF: cancel, clean up, and be gone within 2 s
SOCKET_PATH_MAX = 107  # sun_path holds 108 bytes, with the terminating NUL

log = logging.getLogger("pyproc")


def negotiate(offered):
    """The highest version both sides speak; our lowest when none is shared (the host complains);
    our highest when the host sends no list."""
    if not (offered or "").strip():
        return max(SUPPORTED_VERSIONS)
    versions = set()
    for part in (offered or "").split(","):
        try:
            versions.add(int(part.strip()))
        except ValueError:
            pass  # not a version: ignored, as go-plugin does
    shared = versions.intersection(SUPPORTED_VERSIONS)
    return max(shared) if shared else min(SUPPORTED_VERSIONS)


class Plugin:
    def __init__(self, env, handshake_out):
        self.env = env
        self.handshake_out = handshake_out
        self.socket_dir = None
        self.server = None
        self.stopping = threading.Event()
        self._exit_lock = threading.Lock()
        self._exit_request = None
        self._wake = threading.Event()

    def start(self):
        import grpc

        from . import codegen, service, tls

        protos = codegen.load()
        app = negotiate(self.env.get(PROTOCOL_VERSIONS))
        self.operations = service.Operations()

        credentials = None
        identity = None
        client_pem = self.env.get(CLIENT_CERT, "").strip()
        if client_pem:
            try:
                trusted = tls.read_pem_certificate(client_pem)
            except ValueError as e:
                raise SystemExit("%s: %s" % (CLIENT_CERT, e))
            identity = tls.generate()
            credentials = grpc.ssl_server_credentials(
                [(identity.private_key_pem(), identity.certificate_pem())],
                root_certificates=trusted,
                require_client_auth=True,
            )

        self.server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=64, thread_name_prefix="pyproc-rpc"),
            options=[("grpc.so_reuseport", 0)],
        )
        protos.driver_pb2_grpc.add_DriverServiceServicer_to_server(
            service.make_servicer(protos, self.operations, app), self.server)
        protos.health_pb2_grpc.add_HealthServicer_to_server(
            service.make_health(protos, self.stopping), self.server)
        protos.controller_pb2_grpc.add_GRPCControllerServicer_to_server(
            service.make_controller(protos, lambda: self.request_exit("shutdown requested",
                                                                     SHUTDOWN_GRACE, False)),
            self.server)

        transport = self.env.get(TRANSPORT, "unix") or "unix"
        if transport == "tcp":
            port = self._bind(credentials, "127.0.0.1:0")
            network, address = "tcp", "127.0.0.1:%d" % port
        elif transport == "unix":
            parent = self.env.get(UNIX_SOCKET_DIR) or None
            self.socket_dir = tempfile.mkdtemp(prefix="machine-plugin-", dir=parent)  # 0700
            address = os.path.join(self.socket_dir, "plugin.sock")
            if len(address.encode()) > SOCKET_PATH_MAX:
                raise SystemExit("socket path %s is longer than %d bytes; set %s to a shorter "
                                 "directory" % (address, SOCKET_PATH_MAX, UNIX_SOCKET_DIR))
            self._bind(credentials, "unix:" + address)
            network = "unix"
        else:
            raise SystemExit("%s=%r: expected unix or tcp" % (TRANSPORT, transport))

        self.server.start()
        fields = [str(CORE_VERSION), str(app), network, address, "grpc"]
        if identity is not None:
            fields.append(identity.certificate_base64())
        self.handshake_out.write("|".join(fields) + "\n")
        self.handshake_out.flush()
        log.debug("serving on %s %s (protocol %d, mTLS %s)", network, address, app,
                  identity is not None)

    def _bind(self, credentials, address):
        try:
            if credentials is None:
                port = self.server.add_insecure_port(address)
            else:
                port = self.server.add_secure_port(address, credentials)
        except RuntimeError as e:
            raise SystemExit("cannot listen on %s: %s" % (address, e))
        if not port:
            raise SystemExit("cannot listen on %s" % address)
        return port

    # -- leaving -----------------------------------------------------------------------------

    def request_exit(self, why, grace, cancel_running):
        """Asks the main thread to stop serving and exit.

        The first request sets the course; a later one that cancels (stdin EOF, SIGTERM while a
        Shutdown lets operations finish) still cancels them and bounds the exit to its grace.
        """
        with self._exit_lock:
            first = self._exit_request is None
            if first:
                self._exit_request = (why, grace, cancel_running)
        self._wake.set()
        if not first and cancel_running:
            log.debug("exiting sooner: %s", why)
            operations = getattr(self, "operations", None)
            if operations is not None:
                operations.cancel_all()
            timer = threading.Timer(grace + 0.4, self.hard_exit)
            timer.daemon = True
            timer.start()

    def watch_stdin(self):
        """The lifeline: the host holds our stdin open; EOF (or an error) means it is gone."""
        try:
            while os.read(0, 4096):
                pass  # the host writes nothing; anything read is ignored
        except OSError:
            pass
        self.request_exit("stdin closed", LIFELINE_GRACE, True)

    def serve_until_exit(self):
        threading.Thread(target=self.watch_stdin, name="pyproc-lifeline", daemon=True).start()
        while not self._wake.wait(3600):
            pass
        why, grace, cancel_running = self._exit_request
        log.debug("exiting: %s", why)
        if grace < 2:
            # Whatever happens below, be gone in time.
            timer = threading.Timer(grace + 0.4, self.hard_exit)
            timer.daemon = True
            timer.start()
        self.stopping.set()
        if cancel_running:
            self.operations.cancel_all()
        self.server.stop(grace)  # refuses new calls now, cancels what is left after grace
        self.operations.wait_idle(grace)
        self.hard_exit()

    def cleanup(self):
        if self.socket_dir:
            shutil.rmtree(self.socket_dir, ignore_errors=True)
            self.socket_dir = None

    def hard_exit(self, code=0):
        self.cleanup()
        try:
            sys.stderr.flush()
        finally:
            os._exit(code)


def main():
    env = dict(os.environ)
    if env.get(COOKIE_KEY) != COOKIE_VALUE:
        sys.stderr.write(
            "This is a machinehost driver plugin (protocol v1). It is not meant to be run "
            "directly: it is launched by `machine`, e.g. `machine create -d pyproc NAME`.\n")
        sys.stderr.flush()
        sys.exit(1)

    # Ctrl-C in a terminal reaches the whole process group: the host decides what to cancel.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    # stdout carries the handshake line and nothing else: keep a private copy of it for the line
    # and point descriptor 1 (and sys.stdout) at stderr, so that no stray print can break it.
    handshake_out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    level = {"debug": logging.DEBUG, "error": logging.ERROR}.get(env.get(LOG_LEVEL, ""),
                                                                  logging.INFO)
    logging.basicConfig(stream=sys.stderr, level=level, format="pyproc: %(levelname)s %(message)s")

    plugin = Plugin(env, handshake_out)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda n, f: plugin.request_exit(
            "signal %d" % n, LIFELINE_GRACE, True))
    try:
        plugin.start()
    except SystemExit as e:
        sys.stderr.write("pyproc plugin: cannot start: %s\n" % e.code)
        plugin.cleanup()
        os._exit(1)
    except Exception as e:  # noqa: BLE001
        logging.exception("pyproc plugin: cannot start: %s", e)
        plugin.cleanup()
        os._exit(1)
    plugin.serve_until_exit()
