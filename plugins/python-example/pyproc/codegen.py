"""Generates the Python gRPC code from the .proto files on first use, and caches it.

The protocol's schema lives in the repository's proto/ directory; nothing generated is kept in
the source tree. The code is generated with grpc_tools (Debian's python3-grpc-tools) into
``$XDG_CACHE_HOME/machinehost/pyproc/<key>/``, where the key is a hash of every input .proto
file and of the generator's version, so an edited .proto gets fresh code on the next launch.
Generation goes to a temporary directory first and is renamed into place, so two plugin
processes starting at once never see half a cache.
"""

import hashlib
import importlib
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXAMPLE_DIR = HERE.parent

# (include root, file) pairs, in the order protoc gets them; every file comes from proto/. The
# health proto is compiled from its own directory so that it becomes the top-level module
# health_pb2: generated at its canonical path it would make a package grpc.health.v1 that the
# grpcio library's own "grpc" package hides (proto/README.md, "Generating code").
DRIVER_PROTO = "machine/driver/v1/driver.proto"
CONTROLLER_PROTO = "plugin/grpc_controller.proto"
HEALTH_DIR = "grpc/health/v1"


def proto_root():
    """Returns the directory holding machine/driver/v1/driver.proto.

    Looked up in $MACHINEHOST_PROTO_DIR, then <example>/proto (an installed copy), then the
    repository's proto/src/main/proto.
    """
    candidates = []
    if os.environ.get("MACHINEHOST_PROTO_DIR"):
        candidates.append(Path(os.environ["MACHINEHOST_PROTO_DIR"]))
    candidates.append(EXAMPLE_DIR / "proto")
    candidates.append(EXAMPLE_DIR.parent.parent / "proto" / "src" / "main" / "proto")
    for candidate in candidates:
        if (candidate / DRIVER_PROTO).is_file():
            return candidate
    raise RuntimeError(
        "cannot find %s; looked in %s (set MACHINEHOST_PROTO_DIR)"
        % (DRIVER_PROTO, ", ".join(str(c) for c in candidates))
    )


def _inputs():
    root = proto_root()
    return [
        (root, DRIVER_PROTO),
        (root, CONTROLLER_PROTO),
        (root / HEALTH_DIR, "health.proto"),
        (root, "google/rpc/status.proto"),
        (root, "google/rpc/error_details.proto"),
    ]


def _cache_base():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    candidate = Path(base) / "machinehost" / "pyproc"
    try:
        candidate.mkdir(parents=True, exist_ok=True)
        if os.access(candidate, os.W_OK | os.X_OK):
            return candidate
    except OSError:
        pass
    # No usable home (a service account, a read-only home): a private directory in the temp dir.
    fallback = Path(tempfile.gettempdir()) / ("machinehost-pyproc-%d" % os.getuid())
    fallback.mkdir(mode=0o700, exist_ok=True)
    info = fallback.stat()
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise RuntimeError("%s is not a private directory of this user" % fallback)
    return fallback


def _key(inputs):
    import grpc_tools

    digest = hashlib.sha256()
    digest.update(getattr(grpc_tools, "__file__", "").encode())
    try:
        from importlib import metadata

        digest.update(metadata.version("grpcio-tools").encode())
    except Exception:  # noqa: BLE001 - the version only sharpens the key
        pass
    digest.update(Path(__file__).read_bytes())
    for root, name in inputs:
        digest.update(name.encode() + b"\0")
        digest.update((root / name).read_bytes())
    return digest.hexdigest()[:20]


# proto3 `optional T name = N;` is, by definition, a oneof named `_name` holding the field alone:
# the same wire format and the same presence (HasField) in Python. Debian bookworm's grpc_tools
# bundles protoc 3.5.1, which predates `optional`, so the files are compiled in that spelled-out
# form.
_OPTIONAL = re.compile(r"^(\s*)optional\s+([\w.]+)\s+(\w+)(\s*=\s*\d+[^;]*;)(.*)$", re.M)


def desugar_optional(text):
    """Rewrites proto3 optional fields as the one-field oneofs they stand for."""
    return _OPTIONAL.sub(r"\1oneof _\3 { \2 \3\4 }\5", text)


def _generate(inputs, target):
    import grpc_tools
    from grpc_tools import protoc

    well_known = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    sources = target / ".src"
    by_root = {}
    for root, name in inputs:
        by_root.setdefault(root, []).append(name)
    for index, (root, names) in enumerate(by_root.items()):
        # Each include root is staged, desugared, in a directory of its own and compiled alone.
        stage = sources / str(index)
        for name in names:
            (stage / name).parent.mkdir(parents=True, exist_ok=True)
            (stage / name).write_text(desugar_optional((root / name).read_text()))
        args = [
            "grpc_tools.protoc",
            "-I" + str(stage),
            "-I" + well_known,
            "--python_out=" + str(target),
            "--grpc_python_out=" + str(target),
        ] + names
        if protoc.main(args) != 0:
            raise RuntimeError("protoc failed on %s" % names)
    shutil.rmtree(sources)
    # Regular packages for our own protos, so nothing else named "machine" or "plugin" on
    # sys.path can shadow them; google/ stays a namespace package shared with protobuf.
    for package in ("machine", "machine/driver", "machine/driver/v1", "plugin"):
        (target / package / "__init__.py").touch()


def _prune(base, unused_days=7):
    """Deletes cache entries unused for a week (older .proto files) and abandoned scratch dirs."""
    now = time.time()
    for entry in base.iterdir():
        try:
            if entry.name.startswith(".gen-"):
                stale = now - entry.stat().st_mtime > 3600
            else:
                stale = now - (entry / "complete").stat().st_mtime > unused_days * 86400
        except OSError:
            stale = entry.is_dir() and not entry.name.startswith(".")
        if stale:
            shutil.rmtree(entry, ignore_errors=True)


def ensure(cache_base=None):
    """Generates the code if needed and puts it first on sys.path. Returns its directory."""
    inputs = _inputs()
    base = Path(cache_base) if cache_base else _cache_base()
    target = base / _key(inputs)
    marker = target / "complete"
    if marker.is_file():
        try:
            os.utime(marker)  # marks the entry as in use, for pruning
        except OSError:
            pass
    else:
        base.mkdir(parents=True, exist_ok=True)
        _prune(base)
        scratch = Path(tempfile.mkdtemp(prefix=".gen-", dir=str(base)))
        try:
            _generate(inputs, scratch)
            (scratch / "complete").write_text("ok\n")
            try:
                os.rename(scratch, target)
            except OSError:
                if not (target / "complete").is_file():
                    raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    if str(target) not in sys.path:
        sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    return target


class Protos:
    """The generated modules, by short name."""

    def __init__(self):
        self.driver_pb2 = importlib.import_module("machine.driver.v1.driver_pb2")
        self.driver_pb2_grpc = importlib.import_module("machine.driver.v1.driver_pb2_grpc")
        self.controller_pb2 = importlib.import_module("plugin.grpc_controller_pb2")
        self.controller_pb2_grpc = importlib.import_module("plugin.grpc_controller_pb2_grpc")
        self.health_pb2 = importlib.import_module("health_pb2")
        self.health_pb2_grpc = importlib.import_module("health_pb2_grpc")
        self.status_pb2 = importlib.import_module("google.rpc.status_pb2")
        self.error_details_pb2 = importlib.import_module("google.rpc.error_details_pb2")


def load(cache_base=None):
    """Generates (if needed) and imports the protocol's modules."""
    ensure(cache_base)
    return Protos()


if __name__ == "__main__":
    # `python3 -m pyproc.codegen` generates ahead of time and prints where.
    print(ensure())
