"""Replays answers recorded from the real gateway (``tests/sources/gateway_answers/``) over HTTP.

Each file is ``{"status": <HTTP status>, "body": <JSON as sent>}``. The server answers a request
with the file mapped to its path (without ``/api``), so the real client parses exactly what the
real gateway sent, through its real HTTP stack.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fakes.gateway import Call
from tests.fakes.serving import LoopbackServer

ANSWERS = Path(__file__).resolve().parent.parent / "sources" / "gateway_answers"
NOT_FOUND = "err_unknown_route_404.json"


def recorded(name: str) -> dict[str, Any]:
    """A recorded answer: ``{"status", "body"}``."""
    answer: dict[str, Any] = json.loads((ANSWERS / name).read_text(encoding="utf-8"))
    return answer


class RecordedGateway:
    """Answers each path with the recorded file mapped to it, else the recorded 404."""

    def __init__(self) -> None:
        self.routes: dict[str, str] = {}
        self.calls: list[Call] = []
        self._http = LoopbackServer("recorded-gateway")
        self.url = ""

    def start(self) -> RecordedGateway:
        """Serve on 127.0.0.1 on a free port."""
        app = Starlette(routes=[Route("/{path:path}", self._handle, methods=["GET"])])
        self.url = f"http://127.0.0.1:{self._http.start(app)}/api"
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._http.stop()

    def serve(self, routes: dict[str, str]) -> None:
        """Answer ``path`` (e.g. ``/pdl``) with the recorded file named for it from now on."""
        self.routes = dict(routes)
        self.calls.clear()

    async def _handle(self, request: Request) -> Response:
        path = "/" + request.path_params["path"]
        path = path.removeprefix("/api")
        self.calls.append(Call(path, dict(request.query_params)))
        answer = recorded(self.routes.get(path, NOT_FOUND))
        return Response(
            json.dumps(answer["body"]), status_code=answer["status"], media_type="application/json"
        )
