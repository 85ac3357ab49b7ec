"""A small world for `audit fix`: local web and archive servers, a registry, and a store
holding four days of real `audit run`s against them (alive, dead with a verified archive
copy, moved, blocked, and two dead hosts: one misspelt, one that the archive saw move)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from audit import pipeline
from audit.check import CheckSettings, parse_resolve
from audit.pipeline import Clock, RunOptions
from audit.registry import load_registry
from audit.store import open_store
from tests.archive.conftest import settings_for
from tests.servers.archive import Capture, FakeArchive
from tests.servers.web import Reply, WebServer

PAGE = "<html><head><title>{t}</title></head><body><h1>{t}</h1><p>{b}</p></body></html>"
SERVED = (  # host names the web server answers for (mapped with --resolve rules)
    "www.viro.edu.ru",
    "voronezh.sledcom.ru",
    "www.old-portal.ru",
    "www.new-portal.ru",
    "www.closed.ru",
)
LATER = ("www.ppms.edu-penza.ru", "www.new-centre.ru", "www.new-club.ru")  # mapped for `fix`
DAYS = ("2026-05-01", "2026-05-03", "2026-05-05", "2026-05-06")


def page(title: str) -> Reply:
    return Reply(200, PAGE.format(t=title, b="Materials for parents and teachers. " * 20))


@dataclass
class World:
    web: WebServer
    archive: FakeArchive
    registry: Path
    db: Path
    port: int
    check: CheckSettings  # what the runs building the store used

    def url(self, host: str, path: str = "/") -> str:
        return f"http://{host}:{self.port}{path}"

    def args(self, *more: str, suggest: bool = False) -> list[str]:
        """Command-line options that keep `audit fix` on loopback."""
        out = ["--registry", str(self.registry), "--db", str(self.db)]
        if not suggest:
            return [*out, "--no-suggest", *more]
        for host in (*SERVED, *LATER):
            out += ["--resolve", f"{host}:{self.port}:127.0.0.1"]
        # every other candidate: a loopback address where nothing listens
        out += ["--resolve", f"*:{self.port}:127.0.0.9", "--canary", "localhost"]
        out += ["--resolve", "*:443:127.0.0.9"]  # the checker's https:// probes
        out += ["--allow-private"]  # the archived copies' titles, from the loopback archive
        out += ["--wayback-url", self.archive.wayback_url]
        out += ["--availability-url", self.archive.availability_url, "--memento", "none=-"]
        return [*out, "--timeout", "3", "--retries", "0", *more]


def _no_system_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """As tests/conftest.py's autouse guard, for this module-wide fixture (set up before it)."""
    original = asyncio.BaseEventLoop.getaddrinfo

    async def getaddrinfo(self: asyncio.BaseEventLoop, host: Any, *args: Any, **kw: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        try:
            ipaddress.ip_address(name)
        except ValueError:
            if name != "localhost":
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        return await original(self, host, *args, **kw)

    monkeypatch.setattr(asyncio.BaseEventLoop, "getaddrinfo", getaddrinfo)


REGISTRY = """\
resources:
  - id: viro
    name: Vologda Institute of Education Development
    url: {viro}
    cited_as: "http: www.viro.edu.ru:{port}"
  - id: sledcom
    name: Investigative Committee, Voronezh Region
    url: {sledcom}
    cited_on: 2020-01-01
  - id: oldportal
    name: Regional family portal
    url: {oldportal}
  - id: closed
    name: Closed club
    url: {closed}
  - id: penza
    name: Penza PPMS centre
    url: {penza}
  - id: oldcentre
    name: Family support centre
    url: {oldcentre}
  - id: oldclub
    name: Club for teenagers
    url: {oldclub}
"""


@pytest.fixture(scope="module", name="world")
def _world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("world")
    with (
        pytest.MonkeyPatch.context() as mp,
        WebServer() as web,
        FakeArchive() as fake,
    ):
        _no_system_dns(mp)
        port = web.port
        w = World(web, fake, tmp / "resources.yaml", tmp / "audit.sqlite", port, CheckSettings())
        web.route("/", page("Vologda Institute of Education Development"), host="www.viro.edu.ru")
        web.route("/gone", Reply(404, "<title>Not Found</title>"), host="voronezh.sledcom.ru")
        web.route(
            "/",
            Reply(301, "", headers=[("Location", w.url("www.new-portal.ru"))]),
            host="www.old-portal.ru",
        )
        web.route("/", page("Regional family portal"), host="www.new-portal.ru")
        web.route("/", Reply(403, "<title>Forbidden</title>"), host="www.closed.ru")
        web.route("/", page("Penza PPMS centre: psychological support"), host=LATER[0])
        web.route("/", page("Family support centre of the region"), host=LATER[1])
        web.route("/", page("Youth club Rovesnik"), host=LATER[2])
        gone = w.url("voronezh.sledcom.ru", "/gone")
        fake.add(gone, Capture("20190507120000", original=gone))
        old = w.url("www.old-centre.ru")
        fake.add(
            old,
            Capture("20180101000000", original=old),
            Capture("20210301000000", status=301, original=old, location=w.url(LATER[1])),
        )
        club = w.url("www.old-club.ru")
        notice = PAGE.format(t="Youth club Rovesnik", b=f"We have moved to {w.url(LATER[2])} !")
        fake.add(club, Capture("20220101000000", original=club, body=notice))
        w.registry.write_text(
            REGISTRY.format(
                port=port,
                viro=w.url("www.viro.edu.ru"),
                sledcom=gone,
                oldportal=w.url("www.old-portal.ru"),
                closed=w.url("www.closed.ru"),
                penza=w.url("www.ppms.edu-penzaa.ru"),
                oldcentre=old,
                oldclub=club,
            ),
            encoding="utf-8",
        )
        w.check = CheckSettings(
            timeout=3.0,
            retries=0,
            min_interval=0.0,
            https_probe=False,
            sibling_probe=False,
            canaries=("localhost",),
            resolve=tuple(parse_resolve(f"{h}:{port}:127.0.0.1") for h in SERVED),
        )
        opts = RunOptions(
            check=w.check,
            archive=settings_for(fake),
            all_resources=True,
            reports_dir=None,
        )
        registry = load_registry(w.registry)
        for day in DAYS:
            start = datetime.fromisoformat(day).replace(hour=6, tzinfo=UTC)
            with open_store(w.db, lock=True) as store:
                asyncio.run(pipeline.run_audit(registry, store, opts, Clock(start)))
        yield w


def with_fast_archive(monkeypatch: pytest.MonkeyPatch, fake: FakeArchive) -> None:
    """`audit fix` asks the test archive at test speed (the CLI's rates are the real IA's)."""
    monkeypatch.setattr("audit.cli.fix.archive_settings", lambda args, registry: settings_for(fake))
