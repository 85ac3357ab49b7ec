"""Content drift notifies once, opt-in (issue 21): a real loopback webhook over simulated days."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from audit.channels import message
from audit.cli import main
from tests.servers.web import Reply, Request, WebServer

HOST = "portal.example.invalid"
START = datetime(2026, 6, 1, 6, tzinfo=UTC)
PAGE = "<html><head><title>{}</title></head><body><h1>{}</h1><p>{}</p></body></html>"
OLD = "Materials for children and parents, counselling and family support. " * 30
NEW = (
    "Tenders, procurement notices and the annual budget of the regional ministry; "
    "construction permits, road works schedules. "
) * 30


class Site:
    """Three pages whose title and text the test changes between runs."""

    def __init__(self, web: WebServer) -> None:
        self.pages = {
            "/portal": ("Family portal", OLD),
            "/news": ("Regional news", OLD),
            "/stable": ("Stable page", OLD),
        }
        for path in self.pages:
            web.route(path, self._answer(path))

    def _answer(self, path: str) -> Any:
        def handler(_request: Request) -> Reply:
            title, text = self.pages[path]
            return Reply(200, PAGE.format(title, title, text))

        return handler


@pytest.fixture(name="hook")
def _hook() -> Iterator[tuple[WebServer, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []
    with WebServer() as hook:

        def receive(request: Request) -> Reply:
            received.append(json.loads(request.body))
            return Reply(204, "")

        hook.route("/hook", receive)
        yield hook, received


def setup(tmp_path: Path, web: WebServer, hook: WebServer, settings: str = "") -> Path:
    lines = [f"webhooks:\n  - {hook.url('/hook')}", "resources:"]
    for rid in ("portal", "news", "stable"):
        lines += [f"  - id: {rid}", f"    name: {rid}", f"    url: http://{HOST}:{web.port}/{rid}"]
    registry = tmp_path / "resources.yaml"
    registry.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if settings:
        (tmp_path / "audit.toml").write_text(settings, encoding="utf-8")
    return registry


def run(
    tmp_path: Path,
    web: WebServer,
    registry: Path,
    day: int,
    monkeypatch: pytest.MonkeyPatch,
    *more: str,
) -> None:
    monkeypatch.setenv("AUDIT_NOW", (START + timedelta(days=day)).isoformat())
    args = ["run", "--registry", str(registry), "--db", str(tmp_path / "a.sqlite")]
    args += ["--reports", str(tmp_path / "r"), "--no-archive", "--all", "-q"]
    args += ["--resolve", f"{HOST}:{web.port}:127.0.0.1", "--canary", "localhost"]
    args += ["--allow-private", "--timeout", "3", "--retries", "0"]
    assert main([*args, *more]) == 0


def drift_events(received: list[dict[str, Any]]) -> list[tuple[str, str]]:
    changes = [(p["event"], c) for p in received for c in p["changes"]]
    return [(event, c["resource"]) for event, c in changes if c["event"] == "drifted"]


def test_a_page_that_changed_notifies_once_when_it_first_does(
    tmp_path: Path,
    web: WebServer,
    hook: tuple[WebServer, list[dict[str, Any]]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, received = hook
    site = Site(web)
    registry = setup(tmp_path, web, server, "notify_drift = true\n")  # audit.toml, opt-in
    run(tmp_path, web, registry, 0, monkeypatch)  # new resources: verdicts changed
    assert [p["event"] for p in received] == ["verdicts_changed"]
    assert drift_events(received) == []
    run(tmp_path, web, registry, 1, monkeypatch)  # the same pages: nothing to say
    assert len(received) == 1
    # day 2: the portal's title and text change; the news page's text only
    site.pages["/portal"] = ("Ministry of construction", NEW)
    site.pages["/news"] = ("Regional news", NEW)
    run(tmp_path, web, registry, 2, monkeypatch)
    assert len(received) == 2
    body = received[1]
    assert body["event"] == "drifted"  # no verdict changed: the body says what it carries
    by_id = {c["resource"]: c for c in body["changes"]}
    assert set(by_id) == {"portal", "news"}
    portal, news = by_id["portal"], by_id["news"]
    assert portal["event"] == "drifted" and portal["before"] == portal["after"] == "alive"
    assert portal["title_changed"] is True and portal["similarity"] < 0.8
    assert (portal["title_before"], portal["title_after"]) == (
        "Family portal",
        "Ministry of construction",
    )
    assert "title 'Family portal' → 'Ministry of construction'" in portal["reason"]
    assert portal["baseline_at"].startswith("2026-06-01")
    assert news["title_changed"] is False and news["similarity"] < 0.8
    assert "similar to 2026-06-01" in news["reason"]
    # the same facts reach the Apprise channels' text
    title, text = message(body)
    assert title == "audit: 2 pages changed since cited"
    assert "- portal: alive, page changed (drifted):" in text
    # days 3 and 4: still changed, already told
    run(tmp_path, web, registry, 3, monkeypatch)
    run(tmp_path, web, registry, 4, monkeypatch)
    assert len(received) == 2
    # the reports agree that the pages changed
    results = json.loads((tmp_path / "r" / "status.json").read_text("utf-8"))["results"]
    assert {r["id"] for r in results if r["drift"] and r["drift"]["notable"]} == {"portal", "news"}
    # day 5: the news page settles back, day 6 it changes again: news again, once
    site.pages["/news"] = ("Regional news", OLD)
    run(tmp_path, web, registry, 5, monkeypatch)
    assert len(received) == 2
    site.pages["/news"] = ("Regional news", NEW)
    run(tmp_path, web, registry, 6, monkeypatch)
    run(tmp_path, web, registry, 7, monkeypatch)
    assert drift_events(received) == [
        ("drifted", "portal"),
        ("drifted", "news"),
        ("drifted", "news"),
    ]
    assert len(received) == 3
    capsys.readouterr()


def test_without_the_opt_in_a_changed_page_notifies_nothing(
    tmp_path: Path,
    web: WebServer,
    hook: tuple[WebServer, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, received = hook
    site = Site(web)
    registry = setup(tmp_path, web, server)
    run(tmp_path, web, registry, 0, monkeypatch)
    site.pages["/portal"] = ("Ministry of construction", NEW)
    run(tmp_path, web, registry, 1, monkeypatch)
    run(tmp_path, web, registry, 2, monkeypatch)
    assert [p["event"] for p in received] == ["verdicts_changed"]
    # the same store, now with --notify-drift: the drift is already there, it is not news
    run(tmp_path, web, registry, 3, monkeypatch, "--notify-drift")
    assert len(received) == 1
    # a verdict change and a drift in one run share one payload
    site.pages["/news"] = ("Regional news", NEW)
    site.pages["/stable"] = ("Stable page", OLD)
    web.route("/stable", Reply(404, "<title>Not Found</title><h1>Not Found</h1>"))
    run(tmp_path, web, registry, 4, monkeypatch, "--notify-drift")
    assert len(received) == 2
    events = {c["resource"]: c["event"] for c in received[1]["changes"]}
    assert received[1]["event"] == "verdicts_changed"
    assert events == {"stable": "changed", "news": "drifted"}
    title, _ = message(received[1])
    assert title == "audit: 1 verdict change, 1 page changed since cited"


@pytest.mark.parametrize("command", ["run", "watch"])
def test_the_option_is_on_run_and_watch(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    assert "--notify-drift" in capsys.readouterr().out
