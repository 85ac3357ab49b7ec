"""A URL its host paces (429, Retry-After longer than a run waits) is no evidence."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from audit.cli import main
from tests.servers.web import Reply, WebServer

PAGE = "<title>Ok</title><p>" + "Real content here. " * 40 + "</p>"


def _run(tmp_path: Path, registry: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    code = main(
        [
            "run", "--all", "--registry", str(registry), "--db", str(tmp_path / "a.sqlite"),
            "--reports", str(tmp_path / "reports"), "--no-archive", "--canary", "localhost",
            "--allow-private", "--per-host", "1",
        ]
    )  # fmt: skip
    _, err = capsys.readouterr()
    assert code == 0, err
    status = json.loads((tmp_path / "reports" / "status.json").read_text(encoding="utf-8"))
    return {r["id"]: r for r in status["results"]}


def test_paced_urls_keep_the_verdict_earlier_checks_gave(
    tmp_path: Path, web: WebServer, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = tmp_path / "resources.yaml"
    registry.write_text(
        "resources:\n"
        + "".join(f"  - {{id: p{i}, name: P{i}, url: '{web.url(f'/p/{i}')}'}}\n" for i in range(3)),
        encoding="utf-8",
    )
    for i in range(3):
        web.route(f"/p/{i}", Reply(200, PAGE))
    first = _run(tmp_path, registry, capsys)
    assert {r["verdict"] for r in first.values()} == {"alive"}
    for i in range(3):  # the host now asks for an hour's wait
        web.route(f"/p/{i}", Reply(429, "", headers=[("Retry-After", "3600")]))
    second = _run(tmp_path, registry, capsys)
    conn = sqlite3.connect(tmp_path / "a.sqlite")
    try:
        errors = [e for (e,) in conn.execute("SELECT error FROM observations")]
    finally:
        conn.close()
    assert errors.count("rate_limited") >= 1  # some were not asked at all this run
    for r in second.values():
        assert r["outcome"] == "rate_limited"
        assert r["verdict"] == "alive", r  # neither suspect nor flaky
        assert "not asked" in r["reason"] and "this run" in r["reason"]
