"""Several server processes on one port (``unstuck serve --workers N``).

Each process binds its own listening socket with ``SO_REUSEPORT``, and the kernel spreads new
connections over them by a hash of the client's address and port. With one shared socket (how
``uvicorn --workers`` does it) the first process to wake accepts every connection waiting, so
a burst of keep-alive clients could all land on one process while the other sat idle: in the
load benchmark, splits of 42 to 8 and 50 to 0 over 50 connections, and the busy process set
the latency of everyone. A process listens once its start-up is done, so connections made
while only one is ready all go to that one.

The parent starts the processes, starts a new one when one dies, and stops them all on SIGINT
or SIGTERM. A process that cannot start (the port is taken, the app fails its start-up) stops
the parent: it would fail the same way again.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
from multiprocessing.process import BaseProcess

#: exit status of a process that never started serving
STARTUP_FAILURE = 3
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
#: how long stopping processes get to finish their requests before they are killed
STOP_GRACE_S = 30.0

log = logging.getLogger("unstuck.serve")


def serve_processes(host: str, port: int, workers: int, access_log: bool) -> int:
    """Run ``workers`` server processes until SIGINT or SIGTERM; 0, or 1 when one could not
    start."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(message)s")
    try:
        # A plain bind first: the processes' own sockets would share the port with any other
        # program that set SO_REUSEPORT, a second `unstuck serve` included.
        _listening_socket(host, port, reuse_port=False).close()
    except OSError as exc:
        print(
            f"error: cannot listen on {host}:{port}: {exc.strerror or exc}. Is another server "
            "running there? Stop it, or choose another --port.",
            file=sys.stderr,
        )
        return 1
    context = multiprocessing.get_context("spawn")
    stop = threading.Event()
    failed = False

    def start() -> BaseProcess:
        process = context.Process(
            target=_serve_one, args=(host, port, access_log, os.getpid()), daemon=False
        )
        process.start()
        return process

    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in _STOP_SIGNALS}
    processes = [start() for _ in range(workers)]
    log.info("Started %d server processes on http://%s:%d", workers, host, port)
    try:
        while not stop.wait(0.5):
            for index, process in enumerate(processes):
                if process.is_alive():
                    continue
                if process.exitcode == STARTUP_FAILURE:
                    log.error("A server process could not start (see above); stopping.")
                    failed = True
                    stop.set()
                    break
                log.warning(
                    "Server process %s exited (%s); starting another.",
                    process.pid,
                    process.exitcode,
                )
                processes[index] = start()
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests under way
        for process in processes:
            process.join(STOP_GRACE_S)
            if process.is_alive():
                process.kill()
                process.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 1 if failed else 0


def _serve_one(host: str, port: int, access_log: bool, parent: int) -> None:
    import uvicorn

    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the line above
        sys.exit(0)
    try:
        sock = _listening_socket(host, port)
    except OSError as exc:
        print(f"error: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        sys.exit(STARTUP_FAILURE)
    from server import uvicorn_options

    config = uvicorn.Config("server.app:app", host=host, port=port, **uvicorn_options(access_log))
    server = uvicorn.Server(config)
    server.run(sockets=[sock])
    if not server.started:
        sys.exit(STARTUP_FAILURE)


def _listening_socket(host: str, port: int, reuse_port: bool = True) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _die_with_parent() -> None:
    """Linux: SIGTERM this process when the parent dies (even by ``kill -9``), so that no
    orphan keeps the port."""
    with contextlib.suppress(OSError, AttributeError):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
