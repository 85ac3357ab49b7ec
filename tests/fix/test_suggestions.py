"""Suggestions: did-you-mean hosts checked with the checker, moves read from the archive.

Every candidate host is pinned with a resolve rule (the right spelling to the local web
server, any other to a loopback address where nothing listens): no name reaches a resolver.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from audit import pipeline
from audit.check import CheckSettings
from audit.cli import main
from audit.fix import stored
from audit.pipeline import RunOptions
from audit.registry import load_registry
from audit.store import open_store
from tests.fix.conftest import LATER, World, with_fast_archive
from tests.fix.test_fix_documents import fill

DOC = """# Centres

* Penza: {penza}
* Family centre: [site]({oldcentre})
* Club: {closed}
"""


def resolver_names(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names handed to the system resolver from now on (IP literals left out)."""
    asked: list[str] = []
    original = asyncio.BaseEventLoop.getaddrinfo

    async def getaddrinfo(self: asyncio.BaseEventLoop, host: Any, *args: Any, **kw: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        try:
            ipaddress.ip_address(name)
        except ValueError:
            asked.append(name)
        return await original(self, host, *args, **kw)

    monkeypatch.setattr(asyncio.BaseEventLoop, "getaddrinfo", getaddrinfo)
    return asked


def write_doc(w: World, tmp_path: Path) -> Path:
    doc = tmp_path / "centres.md"
    doc.write_text(fill(w, DOC, oldcentre=w.url("www.old-centre.ru")), encoding="utf-8")
    return doc


def fix_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, dict[str, object]]:
    code = main(["fix", *args, "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    (sheet,) = json.loads(out)["documents"]
    return {r["resource"]: r for r in sheet["rows"]}


def test_did_you_mean_and_moved_to_are_shown_not_applied(
    world: World,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with_fast_archive(monkeypatch, world.archive)
    asked = resolver_names(monkeypatch)
    doc = write_doc(world, tmp_path)
    before = len(world.web.requests)
    out = tmp_path / "fixed"
    rows = fix_json(capsys, str(doc), "--out", str(out), *world.args(suggest=True))
    penza = rows["penza"]
    assert penza["action"] == "none" and penza["applied"] is False
    best = penza["suggestions"][0]  # type: ignore[index]
    assert best["kind"] == "did_you_mean"
    assert best["url"] == world.url(LATER[0])
    assert best["confidence"] == "high"
    assert any("resembles" in e for e in best["evidence"])
    assert len(penza["suggestions"]) == 1  # type: ignore[arg-type]  # nothing else answers
    centre = rows["oldcentre"]
    moved = [s for s in centre["suggestions"] if s["kind"] == "moved_to"]  # type: ignore[union-attr]
    assert [s["url"] for s in moved] == [world.url(LATER[1])]
    assert any("301 redirect" in e for e in moved[0]["evidence"])
    assert "answers with a real page (HTTP 200)" in moved[0]["evidence"]
    # the candidates went to loopback only, and the right spelling was asked for real
    hosts = {r.host for r in world.web.requests[before:]}
    assert LATER[0] in hosts and LATER[1] in hosts
    assert set(asked) <= {"localhost"}  # no candidate name ever reached a resolver
    fixed = (out / "centres.md").read_text(encoding="utf-8")
    assert fixed.startswith(f"# Centres\n\n* Penza: {fill(world, '{penza}')}\n")  # not applied
    assert centre["action"] == "archive"  # dead with a verified copy: the archive wins
    sheet = (out / "centres.md.corrections.md").read_text(encoding="utf-8")
    assert f"Suggested: {world.url(LATER[0])} (did you mean, high" in sheet
    # the suggestions are stored: the reports' data carries them, a run without lookups
    # still shows them
    with open_store(world.db) as store:
        kept = stored.load(store)
        data = pipeline.build_report(
            load_registry(world.registry),
            store,
            RunOptions(check=CheckSettings(), archive=None),
            datetime.now(UTC),
        )
    assert kept["penza"][0].url == world.url(LATER[0])
    by_id = {r.resource.id: r for r in data.resources}
    assert by_id["penza"].suggestions == kept["penza"]
    assert by_id["closed"].suggestions == ()
    rows = fix_json(capsys, str(doc), "--dry-run", *world.args())
    assert rows["penza"]["suggestions"][0]["url"] == world.url(LATER[0])  # type: ignore[index]


def test_accept_suggestions_applies_them_marked(
    world: World,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with_fast_archive(monkeypatch, world.archive)
    doc = write_doc(world, tmp_path)
    out = tmp_path / "fixed"
    args = [str(doc), "--out", str(out), "--accept-suggestions", *world.args(suggest=True)]
    rows = fix_json(capsys, *args)
    assert rows["penza"]["action"] == "suggested" and rows["penza"]["applied"] is True
    assert "suggestion accepted (did_you_mean" in str(rows["penza"]["why"])
    # a dead resource with a verified archive copy keeps the archive copy
    assert rows["oldcentre"]["action"] == "archive"
    assert rows["closed"]["action"] == "none"  # blocked: never a suggestion applied
    fixed = (out / "centres.md").read_text(encoding="utf-8")
    assert f"* Penza: {world.url(LATER[0])}\n" in fixed
    assert f"* Club: {fill(world, '{closed}')}\n" in fixed


def test_moved_to_from_a_last_capture_that_says_so(
    world: World,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with_fast_archive(monkeypatch, world.archive)
    doc = tmp_path / "club.txt"
    doc.write_text(f"Club: {world.url('www.old-club.ru')}\n", encoding="utf-8")
    rows = fix_json(capsys, str(doc), "--dry-run", *world.args(suggest=True))
    (best, *_) = rows["oldclub"]["suggestions"]  # type: ignore[misc]
    assert (best["kind"], best["url"]) == ("moved_to", world.url(LATER[2]))
    evidence = " | ".join(best["evidence"])
    assert "last capture (2022-01-01) says" in evidence and "moved to" in evidence
    # ranked by the archived copy: its title, not the registry's name, is what matches
    assert "resembles the archived copy's 'Youth club Rovesnik'" in evidence
