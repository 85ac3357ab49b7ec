"""A fixture web that answers by vantage (the peer address a request comes from), and proxies.

Each proxy listens on its own 127.x address and connects out from it, so the
web server tells `ru` (direct: 127.0.0.1) from `eu` (127.0.0.2) and `us`
(127.0.0.3) by the peer address alone.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers.proxy import ProxyServer
from tests.servers.web import Reply, Request, WebServer

PAGE = "<html><head><title>{t}</title></head><body><h1>{t}</h1><p>{body}</p></body></html>"
RESET = None  # an answer that resets the connection (a silent geo refusal)
BLOCK_PAGE = (
    "<html><head><title>Доступ ограничен</title></head><body><h1>Доступ ограничен</h1>"
    "<p>Доступ к ресурсу ограничен по решению Роскомнадзора на основании 149-ФЗ.</p>"
    "</body></html>"
)


def page(title: str) -> Reply:
    return Reply(200, PAGE.format(t=title, body="Materials for parents and teachers. " * 20))


def by_peer(answers: dict[str, Reply | None], default: Reply | None = RESET):  # type: ignore[no-untyped-def]
    """A raw handler answering each peer address its own way (RESET: reset the connection)."""

    async def handler(
        request: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        peer = writer.get_extra_info("peername")[0]
        reply = answers.get(peer, default)
        if reply is None:
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return
        writer.write(reply.encode(head_only=request.method == "HEAD"))
        await writer.drain()
        writer.close()

    return handler


@pytest.fixture(name="eu")
def _eu() -> Iterator[ProxyServer]:
    with ProxyServer("127.0.0.2") as proxy:
        yield proxy


@pytest.fixture(name="us")
def _us() -> Iterator[ProxyServer]:
    with ProxyServer("127.0.0.3") as proxy:
        yield proxy


@pytest.fixture(name="geo")
def _geo() -> Iterator[WebServer]:
    with WebServer() as server:
        yield server


def registry(tmp_path: Path, entries: list[tuple[str, str]], extra: str = "") -> Path:
    lines = ["# vantage test registry", *([extra] if extra else []), "resources:"]
    for rid, url in entries:
        lines += [f"  - id: {rid}", f"    name: Resource {rid}", f"    url: {url}"]
    path = tmp_path / "resources.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
