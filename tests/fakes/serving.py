"""Serve an ASGI app on 127.0.0.1 from a background thread: the one way every fake is served.

uvicorn runs in a daemon thread on a socket made with ``proto=IPPROTO_TCP``, which makes asyncio
set TCP_NODELAY on accepted connections (without it every small answer waits ~40 ms for a
delayed ACK). :meth:`LoopbackServer.start` returns once the server accepts connections.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn


class LoopbackServer:
    """One uvicorn server on a loopback port, startable and stoppable again on the same port."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def running(self) -> bool:
        """True while serving."""
        return self._server is not None

    def start(self, app: Any, port: int = 0, **options: Any) -> int:
        """Serve ``app`` on ``port`` (0: a free one, kept for later restarts); returns the port."""
        if self._server is not None:
            return self.port
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port or self.port))
        self.port = int(sock.getsockname()[1])
        settings: dict[str, Any] = {
            "log_level": "warning",
            "access_log": False,
            "lifespan": "off",
            "timeout_graceful_shutdown": 1,
        }
        server = uvicorn.Server(uvicorn.Config(app, **(settings | options)))
        # Signal handlers are only installed from the main thread: a worker thread is safe.
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name=self.name, daemon=True
        )
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                sock.close()
                raise RuntimeError(f"{self.name} did not start")
            time.sleep(0.002)
        self._server, self._thread, self._socket = server, thread, sock
        return self.port

    def stop(self, *, force: bool = False) -> None:
        """Stop serving (``force`` also cuts open connections such as WebSockets)."""
        if self._server is None:
            return
        self._server.should_exit = True
        self._server.force_exit = force
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None
