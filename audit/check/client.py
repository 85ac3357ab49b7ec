"""HTTP transport: connections per origin, pinned to the addresses that passed the policy.

Built from httpx's own parts, not on `httpx.AsyncClient`: measured in
bench/check_quick.py, one httpcore pool holding hundreds of connections
spends its time scanning them, the client layer adds ~150 µs a request and
httpcore's HTTP/1.1 locks another ~70 µs, of a budget of ~400 µs per URL for
2,500 URLs/s. The checker follows redirects, decodes bodies and keeps cookies
itself anyway, so here:

* HTTP/1.1 is llhttp's parser (http11.py), one request at a time per kept-alive connection;
* HTTP/2 (negotiated by ALPN) is httpcore's connection, shared per origin;
* `--proxy` and `--vantage` proxies go through httpcore's proxy pools, HTTP
  CONNECT or SOCKS5 (the proxy resolves names: SOCKS5 always sends the name, so
  `socks5://` and `socks5h://` both mean remote DNS here);
* every connection goes to a pinned address (network.py).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import typing
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass

import certifi
import httpcore

from audit.check.http11 import Http11Connection
from audit.check.network import Lookup, PinnedBackend
from audit.check.settings import CheckSettings

log = logging.getLogger(__name__)

_DEFAULT_PORTS = {"http": 80, "https": 443}


def ssl_contexts(settings: CheckSettings) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """(verifying, non-verifying) contexts, built once: creating one costs milliseconds."""
    verified = ssl.create_default_context(cafile=certifi.where())
    if settings.ca_file:
        verified.load_verify_locations(cafile=settings.ca_file)
    insecure = ssl.create_default_context()
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE
    # Legacy government servers still speak old TLS; the insecure context only
    # classifies a failure, so let it accept what the verifying one would not.
    insecure.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    return verified, insecure


@dataclass(slots=True)
class Answer:
    """The head of a response; the body is read from `chunks()` up to a cap by the caller."""

    status: int
    headers: list[tuple[str, str]]
    http_version: str
    _chunks: AsyncIterator[bytes]
    _close: typing.Callable[[], typing.Awaitable[None]]

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def header_all(self, name: str) -> list[str]:
        name = name.lower()
        return [value for key, value in self.headers if key == name]

    def chunks(self) -> AsyncIterator[bytes]:
        return self._chunks

    async def aclose(self) -> None:
        await self._close()


def _headers(raw: typing.Iterable[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in raw]


class _Origin:
    """Connections to one (scheme, host, port), opened to pinned addresses.

    httpcore's pool scans every connection it holds on each request and guards
    them with locks; the scheduler already caps requests per host, so a list of
    idle HTTP/1.1 connections (and one shared HTTP/2 connection, httpcore's) is
    all that is needed here.
    """

    def __init__(
        self,
        origin: httpcore.Origin,
        host: str,
        addresses: tuple[str, ...],
        ssl_context: ssl.SSLContext | None,
        budget: _IdleBudget,
    ) -> None:
        self.budget = budget
        self.origin = origin
        self.host = host
        self.addresses = addresses
        self.backend = PinnedBackend(addresses)
        self.ssl_context = ssl_context
        self.idle: list[Http11Connection] = []
        self.h2: httpcore.AsyncHTTP2Connection | None = None
        self.active = 0

    def done(self) -> None:
        self.active -= 1

    async def connect(self, timeout: float) -> Http11Connection | httpcore.AsyncHTTP2Connection:
        stream = await self.backend.connect_tcp(self.host, self.origin.port, timeout=timeout)
        if self.ssl_context is None:
            return Http11Connection(stream, _KEEPALIVE)
        server_name = None if _is_ip(self.host) else self.host  # SNI carries names only
        stream = await stream.start_tls(self.ssl_context, server_name, timeout=timeout)
        ssl_object = stream.get_extra_info("ssl_object")
        if ssl_object is not None and ssl_object.selected_alpn_protocol() == "h2":
            self.h2 = httpcore.AsyncHTTP2Connection(
                self.origin, stream, keepalive_expiry=_KEEPALIVE
            )
            return self.h2
        return Http11Connection(stream, _KEEPALIVE)

    def take_idle(self) -> Http11Connection | httpcore.AsyncHTTP2Connection | None:
        if self.h2 is not None:
            if self.h2.is_available() and not self.h2.has_expired():
                return self.h2
            self.h2 = None
        while self.idle:
            conn = self.idle.pop()
            self.budget.count -= 1
            if conn.reusable():
                return conn
            _spawn(conn.aclose())
        return None

    def release(self, conn: Http11Connection) -> None:
        if conn.reusable() and len(self.idle) < _MAX_IDLE and self.budget.count < self.budget.cap:
            self.idle.append(conn)
            self.budget.count += 1
        else:
            _spawn(conn.aclose())

    async def aclose(self) -> None:
        idle, self.idle = self.idle, []
        self.budget.count -= len(idle)
        for conn in idle:
            await conn.aclose()
        if self.h2 is not None:
            h2, self.h2 = self.h2, None
            try:
                await h2.aclose()
            except Exception:  # closing a broken connection must not hide results
                log.debug("closing an HTTP/2 connection failed", exc_info=True)


@dataclass(slots=True)
class _IdleBudget:
    """Idle kept-alive connections over all origins: file descriptors are finite (1024)."""

    cap: int
    count: int = 0


_KEEPALIVE = 15.0
_MAX_IDLE = 16
_closing: set[asyncio.Task[None]] = set()


def _spawn(closing: typing.Coroutine[typing.Any, typing.Any, None]) -> None:
    """Close in the background, keeping a reference until done (aclose() awaits them)."""
    task = asyncio.ensure_future(closing)
    _closing.add(task)
    task.add_done_callback(_closing.discard)


def _is_ip(host: str) -> bool:
    return ":" in host or host.replace(".", "").isdigit()


class Pools:
    """Per-origin connections, pinned to checked addresses; least recently used dropped."""

    def __init__(self, settings: CheckSettings, lookup: Lookup | None = None) -> None:
        self._settings = settings
        self._lookup = lookup  # for the proxy's own name: resolve.py's, never the OS's
        self._verified, self._insecure = ssl_contexts(settings)
        alpn = ["h2", "http/1.1"] if settings.http2 else ["http/1.1"]
        for ctx in (self._verified, self._insecure):
            ctx.set_alpn_protocols(alpn)
        self._origins: OrderedDict[tuple[str, str, int, bool], _Origin] = OrderedDict()
        self._budget = _IdleBudget(cap=max(32, min(512, settings.concurrency)))
        self._proxies: dict[bool, httpcore.AsyncHTTPProxy | httpcore.AsyncSOCKSProxy] = {}

    def _origin(
        self, scheme: str, host: str, port: int, addresses: tuple[str, ...], verify: bool
    ) -> _Origin:
        key = (scheme, host, port, verify)
        entry = self._origins.get(key)
        if entry is not None and entry.addresses == addresses:
            self._origins.move_to_end(key)
            return entry
        if entry is not None:
            _spawn(entry.aclose())
        ctx = None if scheme == "http" else self._verified if verify else self._insecure
        origin = httpcore.Origin(scheme.encode(), host.encode("ascii"), port)
        entry = self._origins[key] = _Origin(origin, host, addresses, ctx, self._budget)
        self._evict()
        return entry

    def _evict(self) -> None:
        excess = len(self._origins) - self._settings.max_hosts
        for key in list(self._origins)[: max(0, excess) * 2]:
            if excess <= 0:
                break
            entry = self._origins[key]
            if entry.active == 0:
                del self._origins[key]
                _spawn(entry.aclose())
                excess -= 1

    def _proxy(self, verify: bool) -> httpcore.AsyncHTTPProxy | httpcore.AsyncSOCKSProxy:
        proxy = self._proxies.get(verify)
        if proxy is None:
            s = self._settings
            assert s.proxy is not None
            context = self._verified if verify else self._insecure
            shared: dict[str, typing.Any] = {
                "ssl_context": context,
                "max_connections": max(s.concurrency, 1) * 2,
                "keepalive_expiry": _KEEPALIVE,
                "http1": True,
                "http2": s.http2,
                "network_backend": PinnedBackend(None, self._lookup),
            }
            if s.proxy.startswith("socks5"):
                # httpcore reads host and port only; "socks5h" names the same protocol
                socks = "socks5://" + s.proxy.partition("://")[2]
                proxy = httpcore.AsyncSOCKSProxy(proxy_url=socks, **shared)
            else:
                proxy = httpcore.AsyncHTTPProxy(proxy_url=s.proxy, **shared)
            self._proxies[verify] = proxy
        return proxy

    async def request(
        self,
        method: str,
        *,
        scheme: str,
        host: str,
        port: int,
        target: str,
        headers: list[tuple[str, str]],
        addresses: tuple[str, ...],
        timeout: float,
        verify: bool = True,
    ) -> Answer:
        """Send one request; the answer's body is still on the wire (streamed)."""
        authority = f"[{host}]" if ":" in host else host
        if port != _DEFAULT_PORTS[scheme]:
            authority += f":{port}"
        request_headers = [("Host", authority), *headers]

        def request() -> httpcore.Request:  # for httpcore's HTTP/2 and proxy paths only
            t = {"connect": timeout, "read": timeout, "write": timeout, "pool": timeout}
            url = httpcore.URL(
                scheme=scheme,
                host=host,
                port=None if port == _DEFAULT_PORTS[scheme] else port,
                target=target,
            )
            return httpcore.Request(method, url, headers=request_headers, extensions={"timeout": t})

        if self._settings.proxy:
            response = await self._proxy(verify).handle_async_request(request())
            return _from_httpcore(response, lambda: None)
        entry = self._origin(scheme, host, port, addresses, verify)
        entry.active += 1
        try:
            conn = entry.take_idle()
            reused = conn is not None
            if conn is None:
                conn = await entry.connect(timeout)
            if isinstance(conn, httpcore.AsyncHTTP2Connection):
                response = await conn.handle_async_request(request())
                return _from_httpcore(response, entry.done)
            try:
                head = await conn.request(method, target, request_headers, None)
            except (httpcore.RemoteProtocolError, httpcore.ReadError, httpcore.WriteError):
                await conn.aclose()
                if not reused:
                    raise
                # A kept-alive connection the server had closed: once more on a fresh one.
                fresh = await entry.connect(timeout)
                assert isinstance(fresh, Http11Connection)
                conn = fresh
                head = await conn.request(method, target, request_headers, None)
        except BaseException:
            entry.active -= 1
            raise
        status, raw_headers, version = head
        used = conn

        async def close() -> None:
            try:
                await used.finish()
            finally:
                entry.done()
                entry.release(used)

        no_body = status in (204, 304) or status < 200 or method == "HEAD"
        chunks = _empty() if no_body else used.body(None)
        return Answer(status, _headers(raw_headers), version, chunks, close)

    async def aclose(self) -> None:
        origins = list(self._origins.values())
        self._origins.clear()
        for entry in origins:
            await entry.aclose()
        for proxy in self._proxies.values():
            await proxy.aclose()
        if _closing:
            await asyncio.gather(*list(_closing), return_exceptions=True)


def _from_httpcore(response: httpcore.Response, done: typing.Callable[[], None]) -> Answer:
    version = response.extensions.get("http_version", b"HTTP/1.1")

    async def chunks() -> AsyncIterator[bytes]:
        async for chunk in response.aiter_stream():
            yield chunk

    async def close() -> None:
        try:
            await response.aclose()
        finally:
            done()

    return Answer(
        response.status,
        _headers(response.headers),
        version.decode("ascii", "replace") if isinstance(version, bytes) else str(version),
        chunks(),
        close,
    )


async def _empty() -> AsyncIterator[bytes]:
    nothing: tuple[bytes, ...] = ()
    for chunk in nothing:
        yield chunk
