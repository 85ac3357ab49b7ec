"""A fast multi-host HTTP/1.1 server for bench/check_quick.py (run as a subprocess).

Routes by Host and path, answers after a fixed latency:
  /ok/N     a real page (distinct text per N)
  /soft/N   200 with a "not found" title (a soft 404)
  /gone/N   404
  /moved/N  301 to /ok/N
  /hang     never answers
Hosts named catchall*.bench.test answer every path with the same 200 shell.
Anything else: 404.
"""

from __future__ import annotations

import asyncio
import sys

LATENCY = float(sys.argv[2]) if len(sys.argv) > 2 else 0.05
WORDS = [
    "regional",
    "programme",
    "protection",
    "children",
    "education",
    "report",
    "ministry",
    "region",
    "department",
    "policy",
    "youth",
    "social",
    "support",
    "family",
    "service",
    "data",
    "annual",
]


def page(n: int) -> bytes:
    words = " ".join(
        WORDS[(n * 7 + i * 3) % len(WORDS)] + str((n * 31 + i) % 97) for i in range(300)
    )
    return (
        f"<html><head><title>Document {n}</title></head><body><h1>Document {n}</h1>"
        f"<p>{words}</p></body></html>"
    ).encode()


SOFT = (
    b"<html><head><title>Page not found</title></head><body><h1>Sorry</h1>"
    b"<p>The page you requested is not here.</p></body></html>"
)
CATCHALL = (
    b"<html><head><title>Portal</title></head><body><h1>Welcome to the portal</h1>"
    + b"<p>news events contacts about us services documents</p>" * 20
    + b"</body></html>"
)
NOTFOUND = b"<html><head><title>404 Not Found</title></head><body>Not Found</body></html>"


def response(status: int, body: bytes, extra: str = "") -> bytes:
    reason = {200: "OK", 301: "Moved Permanently", 404: "Not Found"}[status]
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n{extra}\r\n"
    )
    return head.encode() + body


def answer(host: str, path: str) -> bytes | None:
    if path == "/hang":
        return None
    if host.startswith("catchall"):
        return response(200, CATCHALL)
    kind, _, num = path.strip("/").partition("/")
    if not num.isdigit():
        return response(404, NOTFOUND)
    n = int(num)
    if kind == "ok":
        return response(200, page(n))
    if kind == "soft":
        return response(200, SOFT)
    if kind == "gone":
        return response(404, NOTFOUND)
    if kind == "moved":
        return response(301, b"", f"Location: /ok/{n}\r\n")
    return response(404, NOTFOUND)


class Proto(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.t = transport
        self.buf = b""

    def data_received(self, data: bytes) -> None:
        self.buf += data
        loop = asyncio.get_running_loop()
        while b"\r\n\r\n" in self.buf:
            head, self.buf = self.buf.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            path = lines[0].split(" ")[1]
            host = next(
                (ln.split(":", 1)[1].strip() for ln in lines[1:] if ln.lower().startswith("host:")),
                "",
            ).split(":")[0]
            reply = answer(host, path)
            if reply is not None:
                loop.call_later(LATENCY, self.send, reply)

    def send(self, data: bytes) -> None:
        if not self.t.is_closing():
            self.t.write(data)  # type: ignore[attr-defined]


async def main() -> None:
    server = await asyncio.get_running_loop().create_server(
        Proto, "127.0.0.1", int(sys.argv[1]), backlog=4096
    )
    print("ready", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
