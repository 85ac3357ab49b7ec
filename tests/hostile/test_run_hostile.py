"""`audit run` with hostile neighbours: archives that hang, webhooks that drip or point inward."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.hostile.helpers import audit
from tests.servers import hostile
from tests.servers.hostile import HostileServer
from tests.servers.web import Reply, WebServer

HOST = "site.example.ru"


def _setup(tmp_path: Path, web: WebServer, hooks: list[str]) -> list[str]:
    web.route("/", Reply(200, "<html><head><title>Site</title></head><body>" + "x" * 800))
    lines = ["resources:"]
    lines += [
        f"  - id: r{i}\n    name: R{i}\n    url: http://{HOST}:{web.port}/p{i}" for i in range(4)
    ]
    lines += ["webhooks:", *(f"  - {h}" for h in hooks)]
    web.fallback(Reply(200, "<html><head><title>Site</title></head><body>" + "x" * 800))
    (tmp_path / "resources.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [
        "run",
        "--registry",
        str(tmp_path / "resources.yaml"),
        "--db",
        str(tmp_path / "a.sqlite"),
        "--reports",
        str(tmp_path / "reports"),
        "--resolve",
        f"{HOST}:{web.port}:127.0.0.1",
        "--canary",
        f"127.0.0.1:{web.port}",
        "--memento",
        "none=-",
        "--timeout",
        "2",
    ]


def _notifications(tmp_path: Path) -> list[tuple[str, int, str]]:
    conn = sqlite3.connect(tmp_path / "a.sqlite")
    try:
        return conn.execute("SELECT target, ok, detail FROM notifications ORDER BY id").fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("receiver", "delivered"),
    [
        # The status line came at once, the body drips: delivered, the body never read.
        pytest.param(hostile.drip_slow, 1, id="drip-body"),
        # The answer itself drips: the POST's deadline ends it, recorded as not delivered.
        pytest.param(hostile.drip_head, 0, id="drip-head"),
        pytest.param(hostile.hang, 0, id="hang"),
    ],
)
def test_hanging_archive_and_dripping_webhook_never_hold_up_the_reports(
    tmp_path: Path, web: WebServer, receiver: hostile.Raw, delivered: int
) -> None:
    with HostileServer(hostile.hang) as archive, HostileServer(receiver) as hook:
        args = _setup(tmp_path, web, [hook.url("/hook")])
        args += ["--wayback-url", archive.url(""), "--availability-url", archive.url("")]
        ran = audit(*args, "--allow-private", budget=120)
        posts = len(hook.requests)
    assert ran.code == 0, ran.err
    assert "archives unreachable: " in ran.out
    reports = tmp_path / "reports"
    assert "archives unreachable: " in (reports / "status.md").read_text(encoding="utf-8")
    assert "archives unreachable: " in (reports / "status.html").read_text(encoding="utf-8")
    notes = json.loads((reports / "status.json").read_text(encoding="utf-8"))["notes"]
    assert notes and notes[0].startswith("archives unreachable: ")
    assert posts >= 1  # it was tried ...
    ((target, ok, detail),) = _notifications(tmp_path)
    assert target == hook.url("/hook") and ok == delivered  # ... and recorded
    assert ("within" in detail) == (not delivered), detail
    assert ran.seconds < 60, ran.seconds


def test_webhooks_at_loopback_are_refused_without_allow_private(
    tmp_path: Path, web: WebServer
) -> None:
    with WebServer() as receiver:
        receiver.route("/hook", Reply(204, ""))
        hooks = [receiver.url("/hook"), f"http://[::1]:{receiver.port}/hook"]
        args = _setup(tmp_path, web, hooks)
        ran = audit(*args, "--no-archive", budget=60)
        hits = len(receiver.requests)
    assert ran.code == 0, ran.err
    assert hits == 0
    recorded = _notifications(tmp_path)
    assert [(t, ok) for t, ok, _ in recorded] == [(h, 0) for h in hooks]
    assert all("refused" in d and "--allow-private" in d for _, _, d in recorded), recorded


def test_webhooks_at_loopback_are_posted_with_allow_private(tmp_path: Path, web: WebServer) -> None:
    with WebServer() as receiver:
        receiver.route("/hook", Reply(204, ""))
        args = _setup(tmp_path, web, [receiver.url("/hook")])
        ran = audit(*args, "--no-archive", "--allow-private", budget=60)
        hits = receiver.hits("/hook")
    assert ran.code == 0, ran.err
    assert hits == 1
    assert _notifications(tmp_path) == [(receiver.url("/hook"), 1, "HTTP 204")]
