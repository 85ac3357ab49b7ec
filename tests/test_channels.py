"""Apprise channels beside webhooks: the same facts, delivered, recorded with secrets masked."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from audit.channels import is_channel, message
from audit.cli import main
from tests.servers.web import Reply, WebServer


def test_a_channel_gets_the_changes_and_its_secret_is_never_stored(
    tmp_path: Path, web: WebServer, capsys: pytest.CaptureFixture[str]
) -> None:
    web.route("/page", Reply(200, "<title>Ok</title><p>" + "Real content. " * 40 + "</p>"))
    web.route("/hook", Reply(200, "ok", content_type="text/plain"))
    hook = f"json://bot:s3cret@127.0.0.1:{web.port}/hook"
    reg = tmp_path / "resources.yaml"
    reg.write_text(
        f"webhooks:\n  - '{hook}'\n"
        f"resources:\n  - {{id: portal, name: Portal, url: '{web.url('/page')}'}}\n",
        encoding="utf-8",
    )
    db = tmp_path / "a.sqlite"
    code = main(
        [
            "run",
            "--registry",
            str(reg),
            "--db",
            str(db),
            "--no-archive",
            "--allow-private",
            "--canary",
            "localhost",
            "--reports",
            str(tmp_path / "r"),
        ]
    )
    capsys.readouterr()
    assert code == 0
    (post,) = [r for r in web.requests if r.target == "/hook"]
    sent = json.loads(post.body)
    assert sent["title"] == "audit: 1 verdict change"
    assert "portal: new -> alive" in sent["message"] and web.url("/page") in sent["message"]
    conn = sqlite3.connect(db)
    ((target, ok),) = conn.execute("SELECT target, ok FROM notifications").fetchall()
    conn.close()
    assert ok == 1 and "127.0.0.1" in target and "s3cret" not in target


def test_which_targets_are_channels() -> None:
    assert is_channel("mailto://user:pw@example.org")
    assert is_channel("slack://T000/B000/XXXX")
    assert not is_channel("https://hooks.example.org/audit")
    assert not is_channel("not a url")
    title, text = message({"run": {"id": 3}, "changes": []})
    assert title == "audit: 0 verdict changes" and text.startswith("Run 3")
