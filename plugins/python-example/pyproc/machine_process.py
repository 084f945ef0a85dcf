"""A pyproc machine: a small TCP service on the loopback interface, run as a detached daemon.

    machine_process.py --name NAME --port PORT --mode banner|echo --greeting TEXT

It binds 127.0.0.1:PORT (0 = any free port), then forks: the parent prints "<pid> <port>" on
stdout and exits, so the driver learns the daemon's PID and port only once the service accepts
connections; the daemon (not a session leader, so it can never take a terminal) points stdin and
stdout at /dev/null and serves until SIGTERM or SIGKILL. Its stderr is the machine's log file.
If PYPROC_MACHINE_TOKEN is set, a client must send it as its first line before being answered.

Exit codes of the parent: 0 started, 2 bad arguments or cannot serve, 3 port in use.
"""

import argparse
import errno
import hmac
import os
import signal
import socket
import sys
import threading
import time


def log(message):
    sys.stderr.write("%s %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%S"), message))
    sys.stderr.flush()


def serve_client(conn, greeting, mode, token):
    with conn:
        conn.settimeout(30)
        reader = conn.makefile("rb")
        if token:
            line = reader.readline(4096).rstrip(b"\r\n")
            if not hmac.compare_digest(line, token.encode()):
                conn.sendall(b"denied\n")
                return
        conn.sendall(greeting.encode() + b"\n")
        if mode == "echo":
            for line in iter(lambda: reader.readline(65536), b""):
                conn.sendall(line)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--mode", choices=("banner", "echo"), default="banner")
    parser.add_argument("--greeting", default="")
    args = parser.parse_args()
    token = os.environ.pop("PYPROC_MACHINE_TOKEN", "")

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(("127.0.0.1", args.port))
        listener.listen(16)
    except OSError as e:
        log("machine %s: cannot listen on 127.0.0.1:%d: %s" % (args.name, args.port, e))
        sys.exit(3 if e.errno == errno.EADDRINUSE else 2)
    port = listener.getsockname()[1]

    pid = os.fork()
    if pid > 0:
        sys.stdout.write("%d %d\n" % (pid, port))
        sys.stdout.flush()
        os._exit(0)

    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)
    os.chdir("/")
    signal.signal(signal.SIGHUP, signal.SIG_IGN)

    stopping = threading.Event()

    def terminate(signum, frame):
        stopping.set()
        listener.close()

    signal.signal(signal.SIGTERM, terminate)
    log("machine %s serving on 127.0.0.1:%d (pid %d, mode %s)"
        % (args.name, port, os.getpid(), args.mode))
    while not stopping.is_set():
        try:
            conn, _ = listener.accept()
        except OSError:
            if stopping.is_set():
                break
            time.sleep(0.05)
            continue
        threading.Thread(
            target=serve_client, args=(conn, args.greeting, args.mode, token), daemon=True
        ).start()
    log("machine %s stopped (SIGTERM)" % args.name)
    os._exit(0)


if __name__ == "__main__":
    main()
