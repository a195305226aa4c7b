"""A scripted stand-in for any HTTP JSON API on 127.0.0.1, for the connectors' tests.

Each request (GET, POST, DELETE) takes the next scripted reply and is recorded;
a reply may name the path it expects. An unexpected path or an exhausted
script answers 418, which every client library turns into an error the test
sees. Real client libraries (google-api-python-client, Mastodon.py, atproto)
are pointed at :attr:`FakeApi.base_url`.
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
    body: object = None
    headers: dict = field(default_factory=dict)
    path: str | None = None  # expected path prefix, if any


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""
    #: Every value of each query parameter, in order.
    query: dict[str, list[str]] = field(default_factory=dict)


class FakeApi:
    """``with FakeApi() as api: api.add(...); client(api.base_url) ...``."""

    def __init__(self) -> None:
        self.script: deque[Reply] = deque()
        self.requests: list[Request] = []
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    def add(self, status: int = 200, body=None, headers: dict | None = None,
            path: str | None = None) -> FakeApi:
        self.script.append(Reply(status, body, dict(headers or {}), path))
        return self

    def rate_limited(self, path: str | None = None, retry_after: float = 0, body=None,
                     status: int = 429) -> FakeApi:
        """A rate-limit answer with ``Retry-After`` (seconds)."""
        return self.add(status, body if body is not None else {"error": "RateLimitExceeded",
                                                             "message": "Too Many Requests"},
                        {"Retry-After": str(int(retry_after))}, path)

    def server_error(self, path: str | None = None, status: int = 503) -> FakeApi:
        return self.add(status, {"error": "ServiceUnavailable", "message": "try later"}, None, path)

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeApi:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                parts = urlsplit(self.path)
                params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                data_in = self.rfile.read(length) if length else b""
                with api._lock:
                    api.requests.append(Request(self.command, parts.path, params,
                                                dict(self.headers.items()), data_in,
                                                parse_qs(parts.query)))
                    reply = api.script.popleft() if api.script else Reply(
                        418, {"error": "script exhausted", "message": f"no reply for {parts.path}"})
                if reply.path is not None and not parts.path.startswith(reply.path):
                    reply = Reply(418, {"error": "unexpected", "message":
                                        f"unexpected path {parts.path}, wanted {reply.path}"})
                body = reply.body
                data = body if isinstance(body, bytes) else (
                    body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode("utf-8"))
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in reply.headers.items():
                    self.send_header(k, v() if callable(v) else v)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _answer  # noqa: N815 - http.server's naming

            def log_message(self, *args) -> None:  # keep test output clean
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()


def now_plus(seconds: float):
    """A header value computed when the reply is sent (epoch seconds ``seconds`` from then)."""
    return lambda: str(int(time.time() + seconds))
