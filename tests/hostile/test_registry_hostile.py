"""Hostile registries: one line naming the file and line, exit 3, the file untouched."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from pathlib import Path

import pytest

from tests.hostile.helpers import audit
from tests.servers.web import Reply, WebServer

ONE = "resources:\n  - id: a\n    name: A\n    url: null\n"


def _laughs(indent: str) -> str:
    lines = [f"{indent}l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 10):
        lines.append(f"{indent}l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


CASES: dict[str, tuple[bytes, int, str]] = {
    # name: (file, the line the message must name, a word it must contain)
    "alias-bomb-top": (("resources: []\nbomb:\n" + _laughs("  ")).encode(), 4, "aliases"),
    "alias-bomb-in-notes": ((ONE + "    notes:\n" + _laughs("      ")).encode(), 7, "aliases"),
    "recursive-alias": (b"resources: &r\n  - *r\n", 2, "aliases"),
    "deep-5000": (("resources: " + "[" * 5000 + "]" * 5000 + "\n").encode(), 1, "nested"),
    "deep-200000": (("resources: " + "[" * 200_000 + "]" * 200_000 + "\n").encode(), 1, "nested"),
    "non-string-key": ((ONE + "    ? [1, 2]\n    : x\n").encode(), 5, "keys"),
    "bad-date": ((ONE + "    cited_on: 2020-13-45\n").encode(), 5, "2020-13-45"),
    "timeout-inf": ((ONE + "    timeout: .inf\n").encode(), 5, "timeout"),
    "timeout-nan": ((ONE + "    timeout: .nan\n").encode(), 5, "timeout"),
    "timeout-1e300": ((ONE + "    timeout: 1e300\n").encode(), 5, "timeout"),
    "confirm-checks-inf": ((ONE + "    confirm_checks: .inf\n").encode(), 5, "confirm_checks"),
    "confirm-checks-nan": ((ONE + "    confirm_checks: .nan\n").encode(), 5, "confirm_checks"),
    "confirm-span-1e300": (
        (ONE + "    confirm_span_days: 1e300\n").encode(),
        5,
        "confirm_span_days",
    ),
    "defaults-nan": (b"defaults:\n  timeout: .nan\n" + ONE.encode(), 2, "timeout"),
    "latin-1": (ONE.encode().replace(b"name: A", b"name: Caf\xe9"), 3, "UTF-8"),
    "nul-byte": (ONE.encode().replace(b"name: A", b"name: A\x00B"), 3, "U+0000"),
    "two-documents": (ONE.encode() + b"---\n" + ONE.encode(), 5, "single"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_registry_is_refused_with_its_line(tmp_path: Path, case: str) -> None:
    data, line, word = CASES[case]
    path = tmp_path / "resources.yaml"
    path.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    ran = audit(
        "check", "--registry", str(path), "--no-store", "--canary", "127.0.0.1:9", budget=30
    )
    assert ran.code == 3, ran.err[-2000:]
    assert "Traceback" not in ran.err
    message = ran.err.strip()
    assert "\n" not in message, message
    assert re.match(rf"^audit: {re.escape(str(path))}:{line}: ", message), message
    assert word in message, message
    assert ran.max_rss_mb < 300, ran.max_rss_mb
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["resources.yaml"]


def test_one_url_under_two_ids_is_warned_and_checked_once(tmp_path: Path, web: WebServer) -> None:
    web.route("/same", Reply(200, "<html><head><title>Same</title></head><body>" + "x" * 800))
    url = f"http://dup.example.ru:{web.port}/same"
    reg = tmp_path / "resources.yaml"
    reg.write_text(
        f"resources:\n  - id: one\n    name: One\n    url: {url}\n"
        f"  - id: two\n    name: Two\n    url: {url}\n",
        encoding="utf-8",
    )
    ran = audit(
        "run",
        "--registry",
        str(reg),
        "--db",
        str(tmp_path / "a.sqlite"),
        "--no-archive",
        "--reports",
        str(tmp_path / "r"),
        "--resolve",
        f"dup.example.ru:{web.port}:127.0.0.1",
        "--canary",
        f"127.0.0.1:{web.port}",
        budget=60,
    )
    assert ran.code == 0, ran.err
    assert f"{reg}:5: {url} is listed under 2 ids (one, two): it is checked once" in ran.err
    assert web.hits("/same") == 1
    conn = sqlite3.connect(tmp_path / "a.sqlite")
    try:
        ids = [r[0] for r in conn.execute("SELECT resource_id FROM observations ORDER BY id")]
    finally:
        conn.close()
    assert ids == ["one", "two"]  # one check, recorded for both
