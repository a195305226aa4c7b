"""A scripted stand-in for the X API v2 on 127.0.0.1, for tests.

Each request takes the next scripted reply (status, JSON body, headers) and is
recorded; an unexpected path or an exhausted script answers 418, which
:class:`ingest.x_api.ScoutClient` turns into an error the test sees.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: dict | str | None = None
    headers: dict = field(default_factory=dict)
    path: str | None = None  # expected path prefix, if any


@dataclass
class Request:
    path: str
    params: dict[str, str]
    headers: dict[str, str]


class FakeXApi:
    """``with FakeXApi() as api: api.add(...); ... api.base_url``."""

    def __init__(self) -> None:
        self.script: deque[Reply] = deque()
        self.requests: list[Request] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def add(self, status: int = 200, body=None, headers: dict | None = None, path: str | None = None) -> FakeXApi:
        self.script.append(Reply(status, body, dict(headers or {}), path))
        return self

    def rate_limited(self, reset_in: float = 1.0, path: str | None = None) -> FakeXApi:
        """A 429 whose x-rate-limit-reset is ``reset_in`` seconds from when it is sent."""
        return self.add(
            429,
            {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429},
            {"x-rate-limit-reset": lambda: str(int(time.time() + reset_in)), "x-rate-limit-remaining": "0"},
            path,
        )

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeXApi:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                parts = urlsplit(self.path)
                params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                api.requests.append(Request(parts.path, params, dict(self.headers.items())))
                reply = api.script.popleft() if api.script else Reply(418, {"title": "script exhausted"})
                if reply.path is not None and not parts.path.startswith(reply.path):
                    reply = Reply(418, {"title": f"unexpected path {parts.path}, wanted {reply.path}"})
                body = reply.body if isinstance(reply.body, str) else json.dumps(reply.body or {})
                data = body.encode("utf-8")
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in reply.headers.items():
                    self.send_header(k, v() if callable(v) else v)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:  # keep test output clean
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
