"""A fast multi-host HTTP/1.1 server for a benchmark workload.

Every workload host (127.0.1.x) gets one listening socket on a common port.
The sockets are bound in the parent, then shared out among a few worker
processes (fork), each running an asyncio loop of bare `asyncio.Protocol`s:
no streams, no per-request coroutine, latency via `loop.call_later`, so one
worker serves well over 5,000 requests/s and the server is not what a
benchmark measures. Keep-alive is the default (HTTP/1.1).

Each worker counts the requests it serves in shared memory; `Server.stats()`
sums them. Workers stop themselves after `max_seconds` even if the parent
dies, and `Server.stop()` (or leaving the `with` block) ends them all.

    with Server(generate(spec)) as srv:
        srv.port; srv.reset(); ...; srv.stats().requests
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import html
import multiprocessing as mp
import os
import random
import signal
import socket
import time
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized, SynchronizedArray
from types import TracebackType
from typing import Any

from bench.workload import WORDS, Behaviour, Page, Workload, host_is_soft, host_lang

# counter slots in each worker's shared array
_REQUESTS, _HEADS, _NOT_MODIFIED, _CONNECTIONS, _ARCHIVE = range(5)
_SLOTS = 5
# A stand-in web archive with no snapshots, so `audit run`'s archive lookups
# stay on loopback (pass --wayback-url/--availability-url http://ARCHIVE_ADDR:port).
ARCHIVE_ADDR = "127.0.9.1"
_MAX_HEAD = 64 * 1024

NOT_FOUND_TEXT = {
    "en": ("Page not found", "The page you are looking for does not exist or has been moved."),
    "ru": ("Страница не найдена", "Запрашиваемая страница не существует или была перемещена."),
    "fr": ("Page introuvable", "La page que vous recherchez n'existe pas ou a été déplacée."),
    "de": ("Seite nicht gefunden", "Die angeforderte Seite existiert nicht oder wurde verschoben."),
    "es": ("Página no encontrada", "La página que busca no existe o ha sido movida."),
}
_REASONS = {
    200: "OK",
    301: "Moved Permanently",
    302: "Found",
    304: "Not Modified",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    404: "Not Found",
    405: "Method Not Allowed",
    410: "Gone",
    429: "Too Many Requests",
    500: "Internal Server Error",
}
_REDIRECT_CODES = (301, 302, 307, 308)


@dataclass(frozen=True)
class Stats:
    requests: int
    heads: int
    not_modified: int
    connections: int
    archive_requests: int  # to the stand-in archive, not counted in `requests`
    cpu_s: float  # user+sys of all server workers

    def __sub__(self, other: Stats) -> Stats:
        return Stats(
            self.requests - other.requests,
            self.heads - other.heads,
            self.not_modified - other.not_modified,
            self.connections - other.connections,
            self.archive_requests - other.archive_requests,
            round(self.cpu_s - other.cpu_s, 2),
        )


def _page_html(lang: str, title: str, text: str) -> bytes:
    nav = (
        "<nav><a href='/'>Home</a> | <a href='/about/'>About</a> | "
        "<a href='/contact/'>Contact</a></nav>"
    )
    return (
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body>{nav}"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>"
    ).encode()


def _response(
    status: int,
    body: bytes = b"",
    headers: tuple[tuple[str, str], ...] = (),
    head_only: bool = False,
    ctype: str = "text/html; charset=utf-8",
) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}", "Server: bench"]
    if status != 304:
        lines.append(f"Content-Type: {ctype}")
        lines.append(f"Content-Length: {len(body)}")
    lines += [f"{k}: {v}" for k, v in headers]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if head_only or status == 304 else head + body


class Site:
    """What every host answers: pure request -> (delay, bytes) logic, shared
    by all workers (each sees only its own hosts' traffic)."""

    def __init__(self, workload: Workload) -> None:
        self.w = workload
        self._bodies: dict[int, bytes] = {}
        self._rate_limited_seen: set[int] = set()
        self._large = b""

    def forget(self) -> None:
        """A new tool run starts: 429 URLs answer 429 again first."""
        self._rate_limited_seen.clear()

    def body(self, p: Page) -> bytes:
        b = self._bodies.get(p.index)
        if b is None:
            rng = random.Random(p.index * 7919 + self.w.spec.seed)
            title = " ".join(rng.choices(WORDS, k=4)).capitalize() + f" {p.index}"
            text = " ".join(rng.choices(WORDS, k=80))
            b = self._bodies[p.index] = _page_html(host_lang(p.host), title, text)
        return b

    def large(self) -> bytes:
        if not self._large:
            # Real markup, not one long line: large government reports are tables.
            row = (
                b"<tr><td>region</td><td>2019</td><td>budget allocation</td><td>1234567</td></tr>\n"
            )
            n = self.w.spec.large_bytes // len(row) + 1
            self._large = (
                b"<!doctype html><html><head><title>Statistical annex</title></head>"
                b"<body><h1>Statistical annex</h1><table>" + row * n + b"</table></body></html>"
            )
        return self._large

    def home(self, host: str) -> bytes:
        lang = host_lang(host)
        return _page_html(lang, f"Regional portal {host}", "Welcome. " + " ".join(WORDS[:40]))

    def not_found_page(self, host: str) -> bytes:
        lang = host_lang(host)
        title, text = NOT_FOUND_TEXT[lang]
        return _page_html(lang, title, text)

    def answer(
        self, host: str, method: str, target: str, headers: dict[str, str]
    ) -> tuple[float, bytes | None]:
        """(delay before answering, the bytes); None bytes: never answer."""
        spec = self.w.spec
        lat = spec.latency_s
        head = method == "HEAD"
        path, _, query = target.partition("?")
        if host == ARCHIVE_ADDR:
            return 0.0, _archive_answer(path, query)
        if path == "/" and not query:
            return lat, _response(200, self.home(host), head_only=head)
        p = self.w.by_key.get((host, path))
        if p is None:
            if host_is_soft(host):
                return lat, _response(200, self.not_found_page(host), head_only=head)
            return lat, _response(404, self.not_found_page(host), head_only=head)
        b = p.behaviour
        if b is Behaviour.OK:
            return lat, _response(200, self.body(p), head_only=head)
        if b is Behaviour.NOT_FOUND:
            return lat, _response(404, self.not_found_page(host), head_only=head)
        if b is Behaviour.GONE:
            return lat, _response(410, self.not_found_page(host), head_only=head)
        if b is Behaviour.SERVER_ERROR:
            return lat, _response(500, b"<h1>Internal Server Error</h1>", head_only=head)
        if b is Behaviour.REDIRECT:
            hop = int(query[4:]) if query.startswith("hop=") else 0
            if hop >= p.hops:
                return lat, _response(200, self.body(p), head_only=head)
            code = _REDIRECT_CODES[(p.index + hop) % len(_REDIRECT_CODES)]
            loc = f"{path}?hop={hop + 1}"
            return lat, _response(code, b"", (("Location", loc),), head_only=head)
        if b is Behaviour.REDIRECT_LOOP:
            loc = path if query else f"{path}?loop=1"
            return lat, _response(302, b"", (("Location", loc),), head_only=head)
        if b is Behaviour.RATE_LIMITED:
            if p.index not in self._rate_limited_seen:
                self._rate_limited_seen.add(p.index)
                return lat, _response(
                    429,
                    b"<h1>Too Many Requests</h1>",
                    (("Retry-After", str(spec.retry_after_s)),),
                    head_only=head,
                )
            return lat, _response(200, self.body(p), head_only=head)
        if b is Behaviour.HEAD_HOSTILE:
            if head:
                return lat, _response(405, b"", (("Allow", "GET"),), head_only=True)
            return lat, _response(200, self.body(p))
        if b is Behaviour.SOFT_404_TEXT:
            return lat, _response(200, self.not_found_page(host), head_only=head)
        if b is Behaviour.SOFT_404_ROOT:
            return lat, _response(302, b"", (("Location", "/"),), head_only=head)
        if b is Behaviour.SLOW:
            return lat + spec.slow_s, _response(200, self.body(p), head_only=head)
        if b is Behaviour.HANG:
            return lat, None
        if b is Behaviour.LARGE:
            return lat, _response(200, self.large(), head_only=head)
        # ETAG
        etag = f'"e{p.index}-{spec.seed}"'
        if headers.get("if-none-match") == etag:
            return lat, _response(304, headers=(("ETag", etag),))
        return lat, _response(200, self.body(p), (("ETag", etag),), head_only=head)


def _archive_answer(path: str, query: str) -> bytes:
    """An archive that holds nothing: empty CDX, empty availability, no TimeMap."""
    if path.startswith("/wayback/available"):
        return _response(200, b'{"archived_snapshots": {}}', ctype="application/json")
    if path.startswith("/cdx/search/cdx"):
        body = b"[]" if "output=json" in query else b""
        return _response(200, body, ctype="application/json" if body else "text/plain")
    return _response(404, b"", ctype="text/plain")


class _Conn(asyncio.Protocol):
    """One client connection; requests are answered one at a time, in order."""

    def __init__(self, worker: _Worker) -> None:
        self.worker = worker
        self.buf = bytearray()
        self.busy = False
        self.closed = False
        self.transport: asyncio.Transport | None = None
        self.host = ""
        self.outstanding = False  # a request received and not yet answered

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.host = transport.get_extra_info("sockname")[0]
        self.worker.counters[_CONNECTIONS] += 1

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._done()  # a hung request ends when the client gives up

    def data_received(self, data: bytes) -> None:
        if not self.buf and data[:1] == b"\x16" and self.transport is not None:
            # A TLS ClientHello (a checker trying https:// on this plain-HTTP
            # port): hang up at once, as a real server's port 80 would fail it
            # fast, rather than leave the client waiting for its timeout.
            self.transport.close()
            return
        self.buf += data
        self._next()

    def _next(self) -> None:
        if self.busy or self.closed or self.transport is None:
            return
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buf) > _MAX_HEAD:
                self.transport.close()
            return
        raw = bytes(self.buf[:end]).decode("latin-1")
        del self.buf[: end + 4]
        line, *rest = raw.split("\r\n")
        parts = line.split(" ")
        if len(parts) != 3:
            self.transport.write(_response(400, b"bad request", (("Connection", "close"),)))
            self.transport.close()
            return
        method, target, version = parts
        headers: dict[str, str] = {}
        for h in rest:
            k, _, v = h.partition(":")
            headers[k.strip().lower()] = v.strip()
        # GET/HEAD carry no body; skip one if a client sends it anyway.
        skip = int(headers.get("content-length", "0") or 0)
        del self.buf[:skip]
        if target.startswith("http://"):  # absolute form
            target = "/" + target.split("/", 3)[3] if target.count("/") >= 3 else "/"
        c = self.worker.counters
        if self.host == ARCHIVE_ADDR:
            c[_ARCHIVE] += 1
        else:
            c[_REQUESTS] += 1
        if method == "HEAD":
            c[_HEADS] += 1
        self.worker.check_epoch()
        self.worker.started(self.host)
        self.outstanding = True
        delay, data = self.worker.site.answer(self.host, method, target, headers)
        if data is None:
            self.busy = True  # hang: never answer, keep reading (and ignoring)
            return
        if data.startswith(b"HTTP/1.1 304"):
            c[_NOT_MODIFIED] += 1
        close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
        self.busy = True
        asyncio.get_running_loop().call_later(delay, self._send, data, close)

    def _done(self) -> None:
        if self.outstanding:
            self.outstanding = False
            self.worker.finished(self.host)

    def _send(self, data: bytes, close: bool) -> None:
        self._done()
        if self.closed or self.transport is None or self.transport.is_closing():
            return
        self.transport.write(data)
        if close:
            self.transport.close()
            return
        self.busy = False
        self._next()


class _Worker:
    def __init__(
        self,
        site: Site,
        counters: SynchronizedArray[Any],
        peaks: SynchronizedArray[Any],
        epoch: Synchronized[Any],
    ) -> None:
        self.site = site
        self.counters = counters
        # the most requests in flight at once on each host (by host index),
        # this run: shows how much per-host concurrency a tool really used
        self.peaks = peaks
        self.host_index = {a: i for i, a in enumerate(site.w.host_addrs)}
        self.inflight: dict[str, int] = {}
        self.epoch = epoch
        self.seen_epoch = epoch.value

    def check_epoch(self) -> None:
        if self.epoch.value != self.seen_epoch:
            self.seen_epoch = self.epoch.value
            self.site.forget()
            for i in range(len(self.peaks)):
                self.peaks[i] = 0

    def started(self, host: str) -> None:
        n = self.inflight[host] = self.inflight.get(host, 0) + 1
        i = self.host_index.get(host)
        if i is not None and n > self.peaks[i]:
            self.peaks[i] = n

    def finished(self, host: str) -> None:
        self.inflight[host] -= 1

    async def serve(self, socks: list[socket.socket], max_seconds: float) -> None:
        loop = asyncio.get_running_loop()
        servers = [
            await loop.create_server(lambda: _Conn(self), sock=s, backlog=4096) for s in socks
        ]
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        parent = os.getppid()
        deadline = loop.time() + max_seconds
        # Stop on SIGTERM, at the deadline, or as soon as the parent is gone
        # (even SIGKILLed): a benchmark server never outlives its run.
        while not stop.is_set() and loop.time() < deadline and os.getppid() == parent:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), min(1.0, deadline - loop.time()))
        for s in servers:
            s.close()


def _worker_main(
    site: Site,
    socks: list[socket.socket],
    *,
    counters: SynchronizedArray[Any],
    peaks: SynchronizedArray[Any],
    epoch: Synchronized[Any],
    max_seconds: float,
) -> None:
    asyncio.run(_Worker(site, counters, peaks, epoch).serve(socks, max_seconds))


def _bind_all(addrs: tuple[str, ...], attempts: int = 30) -> tuple[int, list[socket.socket]]:
    """Bind one listening socket per address, all on one free port."""
    last: OSError | None = None
    for _ in range(attempts):
        socks: list[socket.socket] = []
        try:
            first = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(first)
            first.bind((addrs[0], 0))
            port = int(first.getsockname()[1])
            for a in addrs[1:]:
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                socks.append(s)
                s.bind((a, port))
            for s in socks:
                s.listen(4096)
                s.setblocking(False)
            return port, socks
        except OSError as e:
            for s in socks:
                s.close()
            if e.errno != errno.EADDRINUSE:
                raise
            last = e
    raise OSError(f"no common free port for {len(addrs)} loopback addresses: {last}")


_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int | None) -> float:
    """utime+stime of a live process, from /proc (Linux); 0 if unreadable."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            stat = f.read()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


class Server:
    """The workload's hosts, served by `workers` processes until `stop()`."""

    def __init__(self, workload: Workload, workers: int | None = None, max_seconds: float = 3600):
        self.workload = workload
        self.n_workers = workers or max(1, min(4, os.cpu_count() or 1, len(workload.host_addrs)))
        self.max_seconds = max_seconds
        self.port = 0
        self._ctx = mp.get_context("fork")
        self._procs: list[Any] = []
        self._counters: list[SynchronizedArray[Any]] = []
        self._peaks: list[SynchronizedArray[Any]] = []
        self._epoch: Synchronized[Any] = self._ctx.Value("q", 0, lock=False)

    def start(self) -> Server:
        self.port, socks = _bind_all((*self.workload.host_addrs, ARCHIVE_ADDR))
        site = Site(self.workload)
        try:
            for i in range(self.n_workers):
                share = socks[i :: self.n_workers]
                counters: SynchronizedArray[Any] = self._ctx.Array("q", _SLOTS, lock=False)
                self._counters.append(counters)
                peaks: SynchronizedArray[Any] = self._ctx.Array(
                    "q", len(self.workload.host_addrs), lock=False
                )
                self._peaks.append(peaks)
                proc = self._ctx.Process(
                    target=_worker_main,
                    args=(site, share),
                    kwargs={
                        "counters": counters,
                        "peaks": peaks,
                        "epoch": self._epoch,
                        "max_seconds": self.max_seconds,
                    },
                    name=f"bench-server-{i}",
                    daemon=True,
                )
                proc.start()
                self._procs.append(proc)
        except BaseException:
            self.stop()
            raise
        finally:
            for s in socks:  # the workers hold their own copies
                s.close()
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        for addr in self.workload.host_addrs[: self.n_workers]:
            while True:
                try:
                    with socket.create_connection((addr, self.port), timeout=1) as s:
                        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                        if s.recv(12).startswith(b"HTTP/1.1"):
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    self.stop()
                    raise TimeoutError("bench server did not come up")
                time.sleep(0.02)

    def reset(self) -> Stats:
        """Start of a tool run: 429 URLs answer 429 first again. Returns the
        counters now, to subtract from `stats()` afterwards."""
        self._epoch.value += 1
        for peaks in self._peaks:  # a run that sends nothing must read 0, not the last run's
            for i in range(len(peaks)):
                peaks[i] = 0
        return self.stats()

    def host_peaks(self) -> list[int]:
        """Per host, the most requests in flight at once since the last reset()."""
        return [max(p[i] for p in self._peaks) for i in range(len(self.workload.host_addrs))]

    def stats(self) -> Stats:
        t = [sum(c[i] for c in self._counters) for i in range(_SLOTS)]
        cpu = sum(_cpu_seconds(p.pid) for p in self._procs)
        return Stats(t[_REQUESTS], t[_HEADS], t[_NOT_MODIFIED], t[_CONNECTIONS], t[_ARCHIVE], cpu)

    def stop(self) -> None:
        for p in self._procs:
            if p.is_alive():
                p.terminate()
        for p in self._procs:
            p.join(timeout=3)
            if p.is_alive():
                p.kill()
                p.join(timeout=3)
        self._procs.clear()

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
