"""A real HTTP/1.1 server on a loopback address, run in a background thread.

Handlers are chosen by (Host, path) or by path alone and may answer with a
`Reply` or take over the raw stream (to drip, hang or send garbage). The
server is written on asyncio streams, not http.server, so tests control every
byte that goes on the wire.

    with WebServer() as srv:
        srv.route("/ok", Reply(200, "<title>Hi</title>"))
        url = srv.url("/ok")
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

Headers = list[tuple[str, str]]


@dataclass
class Request:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes = b""

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def host(self) -> str:
        return self.headers.get("host", "").split(":", 1)[0]


@dataclass
class Reply:
    status: int = 200
    body: bytes | str = b""
    headers: Headers = field(default_factory=list)
    content_type: str = "text/html; charset=utf-8"

    def encode(self, head_only: bool = False) -> bytes:
        body = self.body.encode() if isinstance(self.body, str) else self.body
        lines = [f"HTTP/1.1 {self.status} {_REASONS.get(self.status, 'Status')}"]
        names = {k.lower() for k, _ in self.headers}
        if "content-type" not in names and self.content_type:
            lines.append(f"Content-Type: {self.content_type}")
        if "content-length" not in names:
            lines.append(f"Content-Length: {len(body)}")
        lines += [f"{k}: {v}" for k, v in self.headers]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        return head if head_only else head + body


RawHandler = Callable[[Request, asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
Handler = Callable[[Request], "Reply | Awaitable[Reply]"] | Reply | RawHandler

_REASONS = {
    200: "OK",
    204: "No Content",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    304: "Not Modified",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    410: "Gone",
    429: "Too Many Requests",
    451: "Unavailable For Legal Reasons",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class WebServer:
    """An HTTP server on `host` (default 127.0.0.1) and an OS-chosen port."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, tls: ssl.SSLContext | None = None
    ) -> None:
        self.host = host
        self.port = port
        self.tls = tls  # a server-side context (see tests/servers/tls.py): serve https
        self.requests: list[Request] = []
        self._routes: dict[tuple[str | None, str], Any] = {}
        self._raw: set[tuple[str | None, str]] = set()
        self._fallback: Any = Reply(404, "<title>Not Found</title><h1>Not Found</h1>")
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._lock = threading.Lock()
        self._writers: set[asyncio.StreamWriter] = set()

    # -- configuration (thread-safe enough: dict assignment is atomic) ----
    def route(
        self, path: str, handler: Handler, *, host: str | None = None, raw: bool = False
    ) -> None:
        """Serve `path` (on `host` only, if given); `raw` handlers own the stream."""
        self._routes[(host, path)] = handler
        if raw:
            self._raw.add((host, path))

    def fallback(self, handler: Handler) -> None:
        self._fallback = handler

    def url(self, path: str = "/", host: str | None = None) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{host or self.host}:{self.port}{path}"

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> WebServer:
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, self.host, self.port, limit=1 << 20, ssl=self.tls),
            self._loop,
        )
        self._server = fut.result(5)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        async def _close() -> None:
            assert self._server is not None
            self._server.close()
            for w in list(self._writers):
                w.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        if self._server is not None:
            asyncio.run_coroutine_threadsafe(_close(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def __enter__(self) -> WebServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def hits(self, path: str) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.path == path)

    # -- serving -------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    return
                with self._lock:
                    self.requests.append(request)
                key = self._match(request)
                handler = self._routes.get(key, self._fallback) if key else self._fallback
                if key in self._raw:
                    await handler(request, reader, writer)
                    return
                reply = handler(request) if callable(handler) else handler
                if asyncio.iscoroutine(reply):
                    reply = await reply
                writer.write(reply.encode(head_only=request.method == "HEAD"))
                await writer.drain()
                if request.headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return
        except asyncio.CancelledError:  # stop() cancels handlers that hang on purpose
            return
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()

    def _match(self, request: Request) -> tuple[str | None, str] | None:
        for key in ((request.host, request.path), (None, request.path)):
            if key in self._routes:
                return key
        return None


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = ([*lines[0].split(" ", 2), "", ""])[:3]
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    body = b""
    if (n := int(headers.get("content-length", "0") or 0)) > 0:
        body = await reader.readexactly(n)
    return Request(method, target, headers, body)
