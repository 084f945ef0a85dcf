"""machine.driver.v1.DriverService, gRPC health and go-plugin's GRPCController, over the driver.

Long operations run in a worker thread of their own and stream what they report. When the host
cancels the call (or the plugin must exit), the operation sees it through Operation.check() or
Operation.sleep() and cleans up in its worker even though nobody reads its stream any more.
"""

import logging
import queue
import threading
import traceback

from . import config as cfg
from . import driver, errors

log = logging.getLogger("pyproc")


class Operation:
    """What a long operation can do: report progress, and learn that it was cancelled."""

    def __init__(self, on_done):
        self.events = queue.Queue()
        self.cancelled = threading.Event()
        self.finished = threading.Event()
        # Done when both the worker has finished and the call has ended (its last message sent,
        # or the host gone), so that an exit waiting for operations never cuts off a result.
        self._parts = 2
        self._parts_lock = threading.Lock()
        self._on_done = on_done

    def part_done(self):
        with self._parts_lock:
            self._parts -= 1
            last = self._parts == 0
        if last:
            self._on_done(self)

    def call_ended(self):
        self.cancel()
        self.part_done()

    def progress(self, step, message, fraction=None):
        if not self.cancelled.is_set():
            self.events.put(("progress", (step, message, fraction)))

    def check(self):
        if self.cancelled.is_set():
            raise errors.cancelled("the operation was cancelled; what it made was removed")

    def sleep(self, seconds):
        if self.cancelled.wait(seconds):
            self.check()

    def cancel(self):
        if not self.finished.is_set():
            self.cancelled.set()
            self.events.put(None)


class Operations:
    """The long operations running now, so that the plugin can cancel or await them on exit."""

    def __init__(self):
        self._lock = threading.Condition()
        self._running = set()

    def add(self, op):
        with self._lock:
            self._running.add(op)

    def remove(self, op):
        with self._lock:
            self._running.discard(op)
            self._lock.notify_all()

    def cancel_all(self):
        with self._lock:
            running = list(self._running)
        for op in running:
            op.cancel()

    def wait_idle(self, timeout):
        with self._lock:
            return self._lock.wait_for(lambda: not self._running, timeout)


def _internal(e):
    log.error("the driver failed unexpectedly:\n%s", traceback.format_exc())
    return errors.internal("the driver failed unexpectedly: %s: %s" % (type(e).__name__, e))


class DriverService:
    """Built on the generated DriverServiceServicer by make_servicer()."""

    def __init__(self, protos, operations, protocol_version):
        self.p = protos
        self.pb = protos.driver_pb2
        self.operations = operations
        self.protocol_version = protocol_version

    # -- plumbing ----------------------------------------------------------------------------

    def _abort(self, context, error):
        context.abort_with_status(errors.to_status(self.p, error))

    def _unary(self, context, body):
        try:
            return body()
        except errors.DriverError as e:
            self._abort(context, e)
        except Exception as e:  # noqa: BLE001 - becomes INTERNAL, as the SDK does
            self._abort(context, _internal(e))

    @staticmethod
    def _load(machine):
        cfg.check_machine(machine)
        return cfg.parse(machine)

    def _operation(self, request, context, body):
        try:
            config = self._load(request.machine)
        except errors.DriverError as e:
            self._abort(context, e)
        op = Operation(self.operations.remove)
        self.operations.add(op)
        if not context.add_callback(op.call_ended):
            op.call_ended()

        def work():
            try:
                body(request.machine, config, op)
                outcome = ("result", cfg.dump(config))
            except errors.DriverError as e:
                outcome = ("error", e)
            except Exception as e:  # noqa: BLE001
                outcome = ("error", _internal(e))
            op.finished.set()
            op.events.put(outcome)
            op.part_done()

        threading.Thread(target=work, name="op-" + request.machine.name, daemon=True).start()
        while True:
            item = op.events.get()
            if item is None:
                return  # cancelled: the worker cleans up on its own
            kind, payload = item
            if kind == "progress":
                step, message, fraction = payload
                progress = self.pb.Progress(step=step, message=message)
                if fraction is not None:
                    progress.fraction = fraction
                yield self.pb.OperationEvent(progress=progress)
            elif kind == "result":
                yield self.pb.OperationEvent(result=self.pb.OperationResult(config_json=payload))
                return
            else:
                self._abort(context, payload)

    # -- plugin-wide -------------------------------------------------------------------------

    def GetPluginInfo(self, request, context):
        return self.pb.GetPluginInfoResponse(
            name=cfg.DRIVER_NAME, version=driver.VERSION, protocol_version=self.protocol_version,
            capabilities=[self.pb.Capability.Value("CAPABILITY_" + c) for c in driver.CAPABILITIES],
            description=driver.DESCRIPTION, secret_config_keys=list(cfg.SECRET_KEYS))

    def DriverName(self, request, context):
        return self.pb.DriverNameResponse(name=cfg.DRIVER_NAME)

    def GetCreateFlags(self, request, context):
        return self.pb.GetCreateFlagsResponse(flags=cfg.flags_to_proto(self.p))

    def SetConfigFromFlags(self, request, context):
        def body():
            cfg.check_machine(request.machine)
            values = cfg.validate(request.values)
            config = cfg.from_flags(request.machine, values)
            return self.pb.SetConfigFromFlagsResponse(config_json=cfg.dump(config))
        return self._unary(context, body)

    def PreCreateCheck(self, request, context):
        def body():
            driver.pre_create_check(request.machine, self._load(request.machine))
            return self.pb.PreCreateCheckResponse()
        return self._unary(context, body)

    # -- long operations ---------------------------------------------------------------------

    def Create(self, request, context):
        return self._operation(request, context, driver.create)

    def Remove(self, request, context):
        return self._operation(request, context, driver.remove)

    def Start(self, request, context):
        return self._operation(request, context, driver.start)

    def Stop(self, request, context):
        return self._operation(request, context, driver.stop)

    def Kill(self, request, context):
        return self._operation(request, context, driver.kill)

    def Restart(self, request, context):
        return self._operation(request, context, driver.restart)

    # -- queries -----------------------------------------------------------------------------

    def GetState(self, request, context):
        def body():
            self._load(request.machine)
            return self.pb.GetStateResponse(
                state=self.pb.State.Value("STATE_" + driver.state(request.machine)))
        return self._unary(context, body)

    def GetIp(self, request, context):
        def body():
            self._load(request.machine)
            return self.pb.GetIpResponse(ip=driver.ip(request.machine))
        return self._unary(context, body)

    def GetUrl(self, request, context):
        def body():
            self._load(request.machine)
            return self.pb.GetUrlResponse(url=driver.url(request.machine))
        return self._unary(context, body)

    def GetMachineName(self, request, context):
        def body():
            self._load(request.machine)
            return self.pb.GetMachineNameResponse(name=request.machine.name)
        return self._unary(context, body)

    def GetSshHostname(self, request, context):
        return self._unary(context, driver.no_ssh)

    def GetSshPort(self, request, context):
        return self._unary(context, driver.no_ssh)

    def GetSshUsername(self, request, context):
        def body():
            self._load(request.machine)
            return self.pb.GetSshUsernameResponse(username="")
        return self._unary(context, body)

    def GetSshKeyPath(self, request, context):
        def body():
            self._load(request.machine)
            return self.pb.GetSshKeyPathResponse(path="")
        return self._unary(context, body)

    def GetConfig(self, request, context):
        def body():
            return self.pb.GetConfigResponse(config_json=cfg.dump(self._load(request.machine)))
        return self._unary(context, body)


def make_servicer(protos, operations, protocol_version):
    """A DriverServiceServicer (the generated base class) backed by DriverService."""
    base = protos.driver_pb2_grpc.DriverServiceServicer
    servicer = type("PyprocDriverServicer", (DriverService, base), {})
    return servicer(protos, operations, protocol_version)


class Health:
    """grpc.health.v1.Health: "" and "plugin" are SERVING while the plugin runs."""

    SERVICES = ("", "plugin")

    def __init__(self, protos, stopping):
        self.p = protos
        self.stopping = stopping

    def Check(self, request, context):
        if request.service not in self.SERVICES:
            context.abort(errors.CODES["NOT_FOUND"], "unknown service %r" % request.service)
        return self.p.health_pb2.HealthCheckResponse(
            status=self.p.health_pb2.HealthCheckResponse.SERVING)

    def Watch(self, request, context):
        r = self.p.health_pb2.HealthCheckResponse
        known = request.service in self.SERVICES
        yield r(status=r.SERVING if known else r.SERVICE_UNKNOWN)
        done = threading.Event()
        context.add_callback(done.set)
        while not done.wait(0.5):
            if self.stopping.is_set():
                yield r(status=r.NOT_SERVING)
                return


def make_health(protos, stopping):
    base = protos.health_pb2_grpc.HealthServicer
    return type("PyprocHealth", (Health, base), {})(protos, stopping)


def make_controller(protos, on_shutdown):
    """go-plugin's plugin.GRPCController: Shutdown answers, then the plugin exits."""
    pb = protos.controller_pb2

    class Controller(protos.controller_pb2_grpc.GRPCControllerServicer):
        def Shutdown(self, request, context):
            # Exit once the answer is on its way, not before: stopping the server first could
            # close the socket under the reply.
            if not context.add_callback(on_shutdown):
                on_shutdown()
            return pb.Empty()

    return Controller()
