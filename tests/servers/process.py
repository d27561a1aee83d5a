"""Run a real server binary on loopback for the tests: start, wait until ready, stop, restart.

A :class:`LoopbackServer` owns a temp directory (data and log), a free 127.0.0.1 port and at
most one process. :meth:`~LoopbackServer.start` launches :meth:`~LoopbackServer.command` with
stdout and stderr appended to the log and polls :meth:`~LoopbackServer.ready` until it answers
True (a process that exits first, or a timeout, raises with the end of the log);
:meth:`~LoopbackServer.stop` sends SIGTERM to that PID and kills it if it does not exit in time.
``start()`` after ``stop()`` restarts on the same port with the same data.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

import httpx

from tests.conftest import free_port

Server = TypeVar("Server", bound="LoopbackServer")


class LoopbackServer:
    """One server process on 127.0.0.1; subclasses say how to run it and when it is ready."""

    #: Name of the program in error messages.
    name = "server"
    #: Seconds :meth:`start` waits for :meth:`ready`, and between two polls.
    ready_timeout = 15.0
    poll_interval = 0.02
    #: Exceptions of :meth:`ready` that mean "not listening yet".
    not_yet: tuple[type[Exception], ...] = (httpx.HTTPError,)
    #: Seconds :meth:`stop` waits after SIGTERM before it kills the process.
    stop_timeout = 15.0

    def __init__(self, *, prefix: str, log_name: str) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix=prefix))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._proc: subprocess.Popen[bytes] | None = None
        self._log = self.dir / log_name

    def command(self) -> list[str]:
        """The program and its arguments."""
        raise NotImplementedError

    def ready(self) -> bool:
        """True once the server answers (it may raise one of :attr:`not_yet` before)."""
        raise NotImplementedError

    @property
    def running(self) -> bool:
        """True while the process is alive."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int:
        """PID of the running process."""
        assert self._proc is not None, f"{self.name} is not running"
        return self._proc.pid

    def start(self) -> None:
        """Start (again, on the same port and data) and wait until :meth:`ready`."""
        if self.running:
            return
        with self._log.open("ab") as log:
            self._proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_tail()}")
            try:
                if self.ready():
                    return
            except self.not_yet:
                pass
            time.sleep(self.poll_interval)
        raise RuntimeError(f"{self.name} not ready in {self.ready_timeout:g} s: {self.log_tail()}")

    def stop(self) -> None:
        """Stop gracefully (SIGTERM to the PID) and wait for the exit; kill it after
        :attr:`stop_timeout` seconds."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def close(self) -> None:
        """Stop and delete the data."""
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self, lines: int = 20) -> str:
        """The end of the server log."""
        try:
            return "\n".join(self._log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def find_binary(program: str, default: str, package: str) -> str:
    """Path of ``program`` (on PATH, else ``default``); RuntimeError saying how to install it."""
    binary = shutil.which(program) or default
    if not Path(binary).exists():
        raise RuntimeError(
            f"{program} not found: run scripts/install-system-deps.sh (apt-get install {package})"
        )
    return binary


def serve(server: Server) -> Iterator[Server]:
    """Body of a fixture: start ``server``, yield it, close it (data deleted) at the end."""
    try:
        server.start()
        yield server
    finally:
        server.close()
