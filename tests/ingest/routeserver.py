"""A local HTTP server on 127.0.0.1 answering by route, for the connectors' tests.

Unlike :class:`tests.ingest.fakeapi.FakeApi` (one script, in order), each route
(method + path, optionally + a query parameter's value) has its own answers: a
queue of one-off replies (a 429, a 503…) served first, then a standing reply
served every time. That suits clients that make many calls in an order of
their own (a comment tree, a list of feeds) and runs that are killed and run
again. Every request is recorded; a request no route knows gets a 404.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Answer:
    status: int = 200
    body: object = None
    headers: dict = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"


@dataclass
class Seen:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""


class RouteApi:
    """``with RouteApi() as api: api.on("GET", "/r/x/new", body=...); ... api.base_url``."""

    def __init__(self) -> None:
        self.routes: dict[tuple, tuple[deque, list]] = {}
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def _route(self, method: str, path: str, match: dict | None) -> tuple[deque, list]:
        key = (method, path, tuple(sorted((match or {}).items())))
        return self.routes.setdefault(key, (deque(), []))

    def on(self, method: str, path: str, body=None, status: int = 200, headers: dict | None = None,
           match: dict | None = None, content_type: str | None = None) -> RouteApi:
        """The standing answer of a route (``match``: query parameters it requires)."""
        answer = Answer(status, body, dict(headers or {}))
        if content_type:
            answer.content_type = content_type
        standing = self._route(method, path, match)[1]
        standing[:] = [answer]
        return self

    def once(self, method: str, path: str, body=None, status: int = 200, headers: dict | None = None,
             match: dict | None = None) -> RouteApi:
        """A one-off answer, served before the standing one (queue in order)."""
        self._route(method, path, match)[0].append(Answer(status, body, dict(headers or {})))
        return self

    def calls(self, method: str | None = None, path: str | None = None) -> list[Seen]:
        return [r for r in self.requests if (method is None or r.method == method)
                and (path is None or r.path == path)]

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def _answer_for(self, method: str, path: str, params: dict[str, str]) -> Answer:
        best = None
        for (m, p, match), (queue, standing) in self.routes.items():
            if m != method or p != path or any(params.get(k) != v for k, v in match):
                continue
            if best is None or len(match) > len(best[0]):
                best = (match, queue, standing)
        if best is None:
            return Answer(404, {"message": f"no route for {method} {path}", "error": 404})
        _, queue, standing = best
        if queue:
            return queue.popleft()
        if standing:
            return standing[0]
        return Answer(404, {"message": f"nothing left for {method} {path}", "error": 404})

    def __enter__(self) -> RouteApi:
        api = self

        class Handler(BaseHTTPRequestHandler):
            # HTTP/1.0: one connection per request. With keep-alive, a client sometimes reused a
            # connection the server had just closed ("Remote end closed connection without
            # response"), which made retry counts flaky.
            protocol_version = "HTTP/1.0"

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                length = int(self.headers.get("Content-Length") or 0)
                data_in = self.rfile.read(length) if length else b""
                if self.command == "POST" and data_in:
                    form = parse_qs(data_in.decode("utf-8", "replace"), keep_blank_values=True)
                    params.update({k: v[-1] for k, v in form.items()})
                with api._lock:
                    api.requests.append(Seen(self.command, parts.path, params,
                                             dict(self.headers.items()), data_in))
                    answer = api._answer_for(self.command, parts.path, params)
                body = answer.body
                data = body if isinstance(body, bytes) else (
                    body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode("utf-8"))
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(data)))
                for k, v in answer.headers.items():
                    self.send_header(k, v() if callable(v) else v)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve  # noqa: N815 - http.server's naming

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
