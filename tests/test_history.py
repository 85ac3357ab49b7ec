"""History over simulated days: verdicts, due dates, offline runs, crashes, webhooks, watch."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from audit.cli import main
from tests.servers.web import Reply, WebServer

HOST = "portal.example.invalid"
START = datetime(2026, 6, 1, tzinfo=UTC)
PAGE = "<html><head><title>Portal</title></head><body><h1>Portal</h1><p>{}</p></body></html>"


def write_registry(tmp_path: Path, port: int, extra: str = "") -> Path:
    path = tmp_path / "resources.yaml"
    path.write_text(
        f"{extra}resources:\n  - id: portal\n    name: Portal\n"
        f"    url: http://{HOST}:{port}/page\n",
        encoding="utf-8",
    )
    return path


class Day:
    """Runs `audit run` at a given simulated day against the test's server."""

    def __init__(
        self,
        tmp_path: Path,
        server: WebServer,
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
        extra: str = "",
    ) -> None:
        self.tmp, self.server, self.capsys, self.mp = tmp_path, server, capsys, monkeypatch
        self.registry = write_registry(tmp_path, server.port, extra)
        self.db = tmp_path / "audit.sqlite"

    def run(self, day: float, *, online: bool = True, more: tuple[str, ...] = ()) -> int:
        at = START + timedelta(hours=int(day * 24))
        self.mp.setenv("AUDIT_NOW", at.strftime("%Y-%m-%dT%H:%M:%SZ"))
        resolve = ["--resolve", f"{HOST}:{self.server.port}:127.0.0.1"] if online else []
        # Online: a canary that is there; offline: canaries that fail as on a machine
        # without DNS (the suite's DNS server says NXDOMAIN for .invalid names).
        canaries = ["localhost"] if online else ["www.example.invalid", "www.iana.invalid"]
        resolve += [a for c in canaries for a in ("--canary", c)]
        code = main(
            [
                "run",
                "--registry",
                str(self.registry),
                "--db",
                str(self.db),
                "--reports",
                str(self.tmp / "reports"),
                "--no-archive",
                "-q",
                *resolve,
                *more,
            ]
        )
        self.capsys.readouterr()
        return code

    def verdict(self) -> str:
        return str(self.result()["verdict"])

    def result(self) -> dict[str, Any]:
        out = json.loads((self.tmp / "reports" / "status.json").read_text(encoding="utf-8"))
        return dict(out["results"][0])

    def command(self, *args: str) -> tuple[int, str]:
        """Another command on this store and registry: (exit code, stdout)."""
        code = main([*args, "--registry", str(self.registry), "--db", str(self.db)])
        return code, self.capsys.readouterr().out


def switchable(server: WebServer) -> dict[str, int]:
    state = {"status": 200}

    def handler(_request: object) -> Reply:
        if state["status"] == 200:
            return Reply(200, PAGE.format("Materials for children and parents. " * 30))
        return Reply(state["status"], "<title>Not Found</title><h1>Not Found</h1>")

    server.route("/page", handler)
    return state


def test_alive_suspect_dead_alive_over_days(
    tmp_path: Path,
    web: WebServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state = switchable(web)
    day = Day(tmp_path, web, capsys, monkeypatch)
    assert day.run(0) == 0 and day.verdict() == "alive"
    state["status"] = 404
    assert day.run(7) == 0 and day.verdict() == "suspect"  # alive is re-checked after 7 days
    hits = web.hits("/page")
    assert day.run(7.5) == 0 and web.hits("/page") == hits  # not due yet (+1 d ladder)
    assert day.run(8, online=False) == 0 and day.verdict() == "suspect"  # offline: no change
    assert day.run(8.1) == 0 and day.verdict() == "suspect"  # 2nd failure, 1 day
    assert day.run(11.2) == 2 and day.verdict() == "dead"  # 3rd, over >= 3 days: exit 2
    state["status"] = 200
    assert day.run(11.3, more=("--all",)) == 0 and day.verdict() == "alive"
    conn = sqlite3.connect(day.db)
    changes = conn.execute("SELECT before, after FROM verdicts ORDER BY id").fetchall()
    outcomes = [o for (o,) in conn.execute("SELECT outcome FROM observations ORDER BY id")]
    conn.close()
    assert changes == [
        (None, "alive"),
        ("alive", "suspect"),
        ("suspect", "dead"),
        ("dead", "alive"),
    ]
    assert "offline" in outcomes


def test_rejudge_under_stricter_policy_without_rechecking(
    tmp_path: Path,
    web: WebServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state = switchable(web)
    state["status"] = 404
    day = Day(tmp_path, web, capsys, monkeypatch)
    for d in (0, 1.1, 4.2):
        day.run(d)
    assert day.verdict() == "dead"
    hits = web.hits("/page")
    code = main(
        [
            "report",
            "--registry",
            str(day.registry),
            "--db",
            str(day.db),
            "--format",
            "json",
            "--confirm-checks",
            "5",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["results"][0]["verdict"] == "suspect"
    assert web.hits("/page") == hits


def test_conditional_request_costs_a_304(
    tmp_path: Path,
    web: WebServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[str | None] = []

    def handler(request: object) -> Reply:
        inm = request.headers.get("if-none-match")  # type: ignore[attr-defined]
        seen.append(inm)
        if inm == '"v1"':
            return Reply(304, "", headers=[("ETag", '"v1"')])
        return Reply(200, PAGE.format("Stable text. " * 40), headers=[("ETag", '"v1"')])

    web.route("/page", handler)
    day = Day(tmp_path, web, capsys, monkeypatch)
    day.run(0)
    day.run(8)
    day.run(16)
    assert seen == [None, '"v1"', '"v1"']
    assert day.verdict() == "alive"


def test_webhook_receives_verdict_changes(
    tmp_path: Path,
    web: WebServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state = switchable(web)
    received: list[dict[str, object]] = []
    with WebServer() as hook:

        def receive(request: object) -> Reply:
            received.append(json.loads(request.body))  # type: ignore[attr-defined]
            return Reply(204, "")

        hook.route("/hook", receive)
        extra = f"webhooks:\n  - {hook.url('/hook')}\n"
        day = Day(tmp_path, web, capsys, monkeypatch, extra)
        # The receiver is on loopback: webhooks obey the address policy like checks do.
        private = ("--allow-private",)
        day.run(0, more=private)
        state["status"] = 404
        for d in (7, 8.1, 11.2):
            day.run(d, more=private)
        state["status"] = 200
        day.run(11.3, more=("--all", *private))
    events = [c["event"] for p in received for c in p["changes"]]  # type: ignore[union-attr]
    afters = [c["after"] for p in received for c in p["changes"]]  # type: ignore[union-attr]
    assert afters == ["alive", "suspect", "dead", "alive"]
    assert events[-2:] == ["dead", "recovered"]
    assert all(p["event"] == "verdicts_changed" for p in received)


def _audit(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """`audit` in a subprocess. The autouse no-DNS guard does not reach there, so these tests
    use IP-literal URLs and a "localhost" canary: no name is ever sent to a resolver."""
    return subprocess.Popen(
        [sys.executable, "-m", "audit", *args, "--canary", "localhost"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def test_sigkill_mid_run_loses_nothing_and_next_run_completes(
    tmp_path: Path, web: WebServer
) -> None:
    import asyncio

    async def slow(_request: object) -> Reply:
        await asyncio.sleep(0.4)
        return Reply(200, PAGE.format("Slow but fine. " * 30))

    entries = []
    for i in range(12):
        web.route(f"/p{i}", slow)
        entries.append(f"  - id: r{i}\n    name: R{i}\n    url: {web.url(f'/p{i}')}\n")
    reg = tmp_path / "resources.yaml"
    reg.write_text("resources:\n" + "".join(entries), encoding="utf-8")
    db = tmp_path / "audit.sqlite"
    args = (
        "run",
        "--registry",
        str(reg),
        "--db",
        str(db),
        "--reports",
        str(tmp_path / "r"),
        "--allow-private",
        "--no-archive",
        "--concurrency",
        "2",
        "--per-host",
        "2",
        "-q",
    )
    proc = _audit(*args)
    deadline = time.monotonic() + 20
    count = 0
    while time.monotonic() < deadline:
        time.sleep(0.1)
        if db.exists():
            try:
                conn = sqlite3.connect(db, timeout=1)
                count = conn.execute("SELECT COUNT(*) FROM observations").fetchone()[0]
                conn.close()
            except sqlite3.OperationalError:
                continue
            if count >= 3:
                break
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=10)
    assert 3 <= count < 12
    conn = sqlite3.connect(db)
    kept = conn.execute("SELECT COUNT(*) FROM observations").fetchone()[0]
    conn.close()
    assert kept >= count
    proc = _audit(*args)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    conn = sqlite3.connect(db)
    checked = {r for (r,) in conn.execute("SELECT DISTINCT resource_id FROM observations")}
    statuses = [s for (s,) in conn.execute("SELECT status FROM runs ORDER BY id")]
    conn.close()
    assert checked == {f"r{i}" for i in range(12)}  # the next run carried on
    assert statuses == ["interrupted", "finished"]  # the killed run is marked so


def test_watch_runs_on_schedule_and_stops_cleanly_on_sigterm(
    tmp_path: Path, web: WebServer
) -> None:
    switchable(web)
    reg = tmp_path / "resources.yaml"
    reg.write_text(f"resources:\n  - {{id: portal, name: Portal, url: '{web.url('/page')}'}}\n")
    db = tmp_path / "audit.sqlite"
    proc = _audit(
        "watch",
        "--every",
        "1s",
        "--jitter",
        "1s",
        "--registry",
        str(reg),
        "--db",
        str(db),
        "--reports",
        str(tmp_path / "r"),
        "--no-archive",
        "--all",
        "--allow-private",
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and web.hits("/page") < 2:
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert "watch stopped" in out
    assert web.hits("/page") >= 2
    conn = sqlite3.connect(db)
    statuses = {s for (s,) in conn.execute("SELECT status FROM runs")}
    conn.close()
    assert statuses <= {"finished", "interrupted"} and "finished" in statuses


def test_history_command(
    tmp_path: Path,
    web: WebServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state = switchable(web)
    day = Day(tmp_path, web, capsys, monkeypatch)
    day.run(0)
    state["status"] = 404
    day.run(7)
    code = main(
        [
            "history",
            "portal",
            "--registry",
            str(day.registry),
            "--db",
            str(day.db),
            "--format",
            "json",
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [o["outcome"] for o in out["observations"]] == ["ok", "not_found"]
    assert [c["after"] for c in out["verdict_changes"]] == ["alive", "suspect"]
    code = main(
        [
            "history",
            f"http://{HOST}:{web.port}/page",
            "--registry",
            str(day.registry),
            "--db",
            str(day.db),
        ]
    )
    text = capsys.readouterr().out
    assert code == 0 and "suspect" in text and "not_found" in text


def test_what_timed_out_last_time_is_checked_first(
    tmp_path: Path, web: WebServer, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    async def hang(_request: object) -> Reply:
        await asyncio.sleep(5)
        return Reply(200, PAGE.format("late"))

    for i in range(6):
        web.route(f"/p{i}", Reply(200, PAGE.format("Fine page. " * 30)))
    web.route("/slow", hang)
    entries = [f"  - {{id: r{i}, name: R{i}, url: '{web.url(f'/p{i}')}'}}\n" for i in range(6)]
    entries.append(f"  - {{id: slow, name: Slow, url: '{web.url('/slow')}'}}\n")
    reg = tmp_path / "resources.yaml"
    reg.write_text("resources:\n" + "".join(entries), encoding="utf-8")
    args = [
        "run",
        "--registry",
        str(reg),
        "--db",
        str(tmp_path / "a.sqlite"),
        "--reports",
        str(tmp_path / "r"),
        "--allow-private",
        "--no-archive",
        "--all",
        "--timeout",
        "1",
        "--concurrency",
        "1",
        "--canary",
        "localhost",
        "-q",
    ]
    main(args)
    first = [r.path for r in web.requests if r.path.startswith(("/p", "/slow"))]
    assert first[-1] == "/slow"  # registry order the first time
    web.requests.clear()
    main(args)
    capsys.readouterr()
    second = [r.path for r in web.requests if r.path.startswith(("/p", "/slow"))]
    assert second[0] == "/slow"


def test_watch_skips_a_run_when_a_hand_edit_broke_the_registry(
    tmp_path: Path, web: WebServer
) -> None:
    switchable(web)
    reg = tmp_path / "resources.yaml"
    good = f"resources:\n  - {{id: portal, name: Portal, url: '{web.url('/page')}'}}\n"
    reg.write_text(good, encoding="utf-8")
    proc = _audit(
        "watch",
        "--every",
        "1s",
        "--jitter",
        "0s",
        "--registry",
        str(reg),
        "--db",
        str(tmp_path / "a.sqlite"),
        "--reports",
        str(tmp_path / "r"),
        "--no-archive",
        "--all",
        "--allow-private",
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and web.hits("/page") < 1:
        time.sleep(0.1)
    reg.write_text(good + "  - {id: portal, name: Again, url: null}\n", encoding="utf-8")
    time.sleep(2.5)
    hits = web.hits("/page")
    reg.write_text(good, encoding="utf-8")
    while time.monotonic() < deadline and web.hits("/page") <= hits:
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=15)
    assert proc.returncode == 0
    assert "duplicate id 'portal'" in err and "skipping this run" in err
    assert web.hits("/page") > hits  # the schedule went on once the file was fixed


# --------------------------------------------------------------------------
# Issue 15: verdicts over simulated weeks; issue 17: judge state and compact rows


def test_weeks_of_http_500_end_dead_unreachable_since_the_first(
    tmp_path: Path,
    web: WebServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state = switchable(web)
    day = Day(tmp_path, web, capsys, monkeypatch)
    assert day.run(0) == 0 and day.verdict() == "alive"
    state["status"] = 500
    seen = []
    for d in range(7, 50):  # a daily schedule: only what is due gets checked
        code = day.run(d)
        seen.append((d, day.verdict(), code))
    verdicts = [v for _, v, _ in seen]
    assert "flaky" not in verdicts  # failing without answering in between is not flaky
    first_dead = next(d for d, v, _ in seen if v == "dead")
    assert 37 <= first_dead <= 45  # 5 failures over >= 30 days since day 7
    assert all(v == "suspect" for d, v, _ in seen if d < first_dead)
    assert all(v == "dead" and code == 2 for d, v, code in seen if d >= first_dead)
    assert day.result()["reason"].startswith("unreachable since 2026-06-08")
    state["status"] = 200
    assert day.run(50, more=("--all",)) == 0 and day.verdict() == "alive"


def test_a_stricter_unreachable_policy_in_the_registry_or_cli_waits_longer(
    tmp_path: Path,
    web: WebServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state = switchable(web)
    day = Day(tmp_path, web, capsys, monkeypatch, "defaults:\n  unreachable_span_days: 60\n")
    day.run(0)
    state["status"] = 503
    for d in range(7, 50, 3):
        day.run(d)
    assert day.verdict() == "suspect"  # 60 days are not over yet
    code, out = day.command("report", "--format", "json", "--unreachable-span", "14d")
    assert code == 2 and json.loads(out)["results"][0]["verdict"] == "dead"


def test_a_root_redirecting_to_its_own_locale_is_alive_not_moved(
    tmp_path: Path,
    web: WebServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    web.route("/", lambda _r: Reply(301, "", headers=[("Location", "/ru/")]))
    web.route("/ru/", lambda _r: Reply(200, PAGE.format("Главная страница портала. " * 30)))
    web.route("/old", lambda _r: Reply(301, "", headers=[("Location", "/new-home")]))
    web.route("/new-home", lambda _r: Reply(200, PAGE.format("A different page. " * 30)))
    day = Day(tmp_path, web, capsys, monkeypatch)
    day.registry.write_text(
        "resources:\n"
        f"  - id: root\n    name: Root\n    url: http://{HOST}:{web.port}/\n"
        f"  - id: old\n    name: Old\n    url: http://{HOST}:{web.port}/old\n",
        encoding="utf-8",
    )
    for d in (0, 7, 14):
        day.run(d)
    results = {
        r["id"]: r
        for r in json.loads((tmp_path / "reports" / "status.json").read_text())["results"]
    }
    root = results["root"]
    assert root["verdict"] == "alive" and root["moved_to"] is None
    assert root["final_url"].endswith("/ru/") and "/ru/" in root["reason"]
    assert results["old"]["verdict"] == "moved"  # another resource on the same site
    assert results["old"]["moved_to"].endswith("/new-home")


def _etag_server(web: WebServer) -> dict[str, str]:
    page = {"etag": '"v1"', "text": "Stable text. " * 40}

    def handler(request: object) -> Reply:
        if request.headers.get("if-none-match") == page["etag"]:  # type: ignore[attr-defined]
            return Reply(304, "", headers=[("ETag", page["etag"])])
        return Reply(200, PAGE.format(page["text"]), headers=[("ETag", page["etag"])])

    web.route("/page", handler)
    return page


def _count(db: Path, sql: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


def test_repeated_answers_are_compact_rows_that_keep_every_checks_time(
    tmp_path: Path,
    web: WebServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = _etag_server(web)
    day = Day(tmp_path, web, capsys, monkeypatch)
    for week in range(6):
        day.run(7 * week)
    page.update(etag='"v2"', text="New text of the page. " * 40)  # the page changes
    day.run(42)
    day.run(49)
    # 200, the first 304, 4 repeated 304s; then the new 200 and its 304
    assert _count(day.db, "SELECT COUNT(*) FROM observations") == 4
    assert _count(day.db, "SELECT COUNT(*) FROM repeats") == 4
    code, out = day.command("history", "portal", "--format", "json")
    checks = json.loads(out)["observations"]
    assert code == 0 and len(checks) == 8
    days = [datetime.fromisoformat(c["at"]) for c in checks]
    assert [(d - START).days for d in days] == [0, 7, 14, 21, 28, 35, 42, 49]
    assert all(c["outcome"] == "ok" for c in checks)
    assert day.verdict() == "alive" and day.result()["history"][-1]["checked_at"].startswith(
        "2026-07-20"
    )


def test_a_run_reads_judge_state_not_history_and_rebuilds_it_when_the_policy_changes(
    tmp_path: Path,
    web: WebServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from audit.store import Store

    state = switchable(web)
    day = Day(tmp_path, web, capsys, monkeypatch)
    day.run(0)
    state["status"] = 404
    for d in (7, 8.1, 11.2):
        day.run(d)
    assert day.verdict() == "dead"
    real = Store.iter_observations
    monkeypatch.setattr(Store, "iter_observations", lambda *a, **k: pytest.fail("read history"))
    state["status"] = 200
    assert day.run(11.5, more=("--all",)) == 0 and day.verdict() == "alive"
    state["status"] = 404
    for d in (18.5, 19.6, 22.7):
        day.run(d)
    assert day.verdict() == "dead"
    # a new confirmation in the registry: the state is rebuilt from the history, once
    calls: list[object] = []

    def spy(self: Store, *a: Any, **k: Any) -> Any:
        calls.append(a)
        return real(self, *a, **k)

    monkeypatch.setattr(Store, "iter_observations", spy)
    text = day.registry.read_text(encoding="utf-8")
    day.registry.write_text("defaults:\n  confirm_checks: 4\n" + text, encoding="utf-8")
    day.run(22.8)
    assert day.verdict() == "suspect" and len(calls) == 1
    day.run(22.9)
    assert len(calls) == 1  # stored under the new stamp


def test_judge_state_rebuilt_from_the_observations_gives_the_same_report(
    tmp_path: Path,
    web: WebServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state = switchable(web)
    day = Day(tmp_path, web, capsys, monkeypatch)
    for d, status in ((0, 200), (7, 404), (8.1, 200), (15.2, 500), (16.3, 404), (19.4, 200)):
        state["status"] = status
        day.run(d, more=("--all",))
    _, before = day.command("report", "--format", "json")
    conn = sqlite3.connect(day.db)
    conn.execute("DELETE FROM judge_state")
    conn.commit()
    conn.close()
    _, after = day.command("report", "--format", "json")
    a, b = json.loads(before)["results"][0], json.loads(after)["results"][0]
    assert a["verdict"] == "flaky"
    for key in ("verdict", "reason", "history", "last_ok", "failing_since", "outcome"):
        assert a[key] == b[key], key
