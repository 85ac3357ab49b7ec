"""`audit run` end to end against real loopback servers, the offline case, and bad input."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from audit.check.shards import shard_of
from audit.cli import main
from bench.run import GUARD_DIR
from tests.servers.web import Reply, WebServer

ROOT = Path(__file__).resolve().parents[1]

PAGE = "<html><head><title>{t}</title></head><body><h1>{t}</h1><p>{body}</p></body></html>"


def page(title: str) -> Reply:
    return Reply(200, PAGE.format(t=title, body="Materials for parents and teachers. " * 20))


def registry(tmp_path: Path, entries: list[tuple[str, str | None]]) -> Path:
    lines = ["# test registry", "resources:"]
    for rid, url in entries:
        lines += [
            f"  - id: {rid}",
            f"    name: Resource {rid}",
            f"    url: {url if url else 'null'}",
        ]
    path = tmp_path / "resources.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.fixture(name="site")
def _site(web: WebServer) -> WebServer:
    web.route("/", page("Regional portal"))
    web.route("/gone", Reply(404, "<title>Not Found</title>"))
    web.route("/old", Reply(301, "", headers=[("Location", "/")]))
    return web


# Canaries that fail as every name does on a machine without DNS (the suite's DNS server
# answers NXDOMAIN): the run is offline.
OFFLINE_CANARIES = ("--canary", "www.example.invalid", "--canary", "www.iana.invalid")


class TestRunAgainstLocalServers:
    def test_real_hostnames_mapped_with_resolve(
        self, tmp_path: Path, site: WebServer, capsys: pytest.CaptureFixture[str]
    ) -> None:
        port = site.port
        reg = registry(
            tmp_path,
            [
                ("viro", f"http://www.viro.edu.ru:{port}/"),
                ("gone", f"http://voronezh.sledcom.ru:{port}/gone"),
                ("named", None),
            ],
        )
        db, reports = tmp_path / "audit.sqlite", tmp_path / "reports"
        code, out, err = run_cli(
            capsys,
            "run",
            "--registry",
            str(reg),
            "--db",
            str(db),
            "--reports",
            str(reports),
            "--resolve",
            f"www.viro.edu.ru:{port}:127.0.0.1",
            "--resolve",
            f"voronezh.sledcom.ru:{port}:127.0.0.1",
            "--no-archive",
            "--canary",
            "localhost",
        )
        assert code == 0, err  # one 404 is suspect, never dead
        stored = dict(rows(db, "SELECT resource_id, outcome FROM observations"))
        assert stored == {"viro": "ok", "gone": "not_found"}
        assert rows(db, "SELECT network, status FROM runs") == [("online", "finished")]
        hosts = {r.headers.get("host") for r in site.requests}
        assert f"www.viro.edu.ru:{port}" in hosts
        status = json.loads((reports / "status.json").read_text(encoding="utf-8"))
        by_url = {r["url"]: r for r in status["results"]}
        assert by_url[f"http://www.viro.edu.ru:{port}/"]["outcome"] == "ok"
        assert by_url[f"http://voronezh.sledcom.ru:{port}/gone"]["verdict"] == "suspect"
        md = (reports / "status.md").read_text(encoding="utf-8")
        assert "voronezh.sledcom.ru" in md
        html = (reports / "status.html").read_text(encoding="utf-8")
        assert "Resource named" in html
        assert "suspect" in out

    def test_run_on_two_processes_records_every_result(
        self,
        tmp_path: Path,
        site: WebServer,
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:

        monkeypatch.setenv("PYTHONPATH", str(GUARD_DIR))  # the child reaches loopback only
        port = site.port
        names = [f"portal{i}.edu.ru" for i in range(6)]
        urls = {
            n: f"http://{n}:{port}/" if i % 2 else f"http://{n}:{port}/gone"
            for i, n in enumerate(names)
        }
        assert {shard_of(u, 2) for u in urls.values()} == {0, 1}
        reg = registry(tmp_path, [(n.split(".")[0], u) for n, u in urls.items()])
        db = tmp_path / "audit.sqlite"
        resolve = [a for n in names for a in ("--resolve", f"{n}:{port}:127.0.0.1")]
        code, _, err = run_cli(
            capsys,
            "run",
            "--registry",
            str(reg),
            "--db",
            str(db),
            "--reports",
            str(tmp_path / "reports"),
            "--no-archive",
            "--canary",
            "localhost",
            "--workers",
            "2",
            *resolve,
        )
        assert code == 0, err
        stored = dict(rows(db, "SELECT resource_id, outcome FROM observations"))
        assert stored == {
            n.split(".")[0]: "ok" if u.endswith("/") else "not_found" for n, u in urls.items()
        }
        assert rows(db, "SELECT network, status FROM runs") == [("online", "finished")]

    def test_loopback_urls_need_allow_private(
        self, tmp_path: Path, site: WebServer, capsys: pytest.CaptureFixture[str]
    ) -> None:
        reg = registry(tmp_path, [("local", site.url("/"))])
        db = tmp_path / "audit.sqlite"
        common = [
            "--registry",
            str(reg),
            "--db",
            str(db),
            "--reports",
            str(tmp_path / "r"),
            "--no-archive",
            "--all",
            "-q",
            "--canary",
            "localhost",
        ]
        code, _, _ = run_cli(capsys, "run", *common)
        assert code == 0
        assert rows(db, "SELECT outcome FROM observations") == [("skipped",)]
        assert site.requests == []  # the guard held: nothing was sent
        code, _, _ = run_cli(capsys, "run", *common, "--allow-private")
        assert code == 0
        assert rows(db, "SELECT outcome FROM observations ORDER BY id")[-1] == ("ok",)

    def test_second_run_checks_only_what_is_due(
        self,
        tmp_path: Path,
        site: WebServer,
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        reg = registry(tmp_path, [("local", site.url("/"))])
        args = [
            "run",
            "--registry",
            str(reg),
            "--db",
            str(tmp_path / "a.sqlite"),
            "--reports",
            str(tmp_path / "r"),
            "--no-archive",
            "--allow-private",
            "-q",
            "--canary",
            "localhost",
        ]
        monkeypatch.setenv("AUDIT_NOW", "2026-05-01T06:00:00Z")
        run_cli(capsys, *args)
        monkeypatch.setenv("AUDIT_NOW", "2026-05-02T06:00:00Z")
        run_cli(capsys, *args)
        assert site.hits("/") == 1  # alive: next due in 7 days
        monkeypatch.setenv("AUDIT_NOW", "2026-05-09T06:00:00Z")
        run_cli(capsys, *args)
        assert site.hits("/") == 2


class TestOffline:
    def test_no_network_is_never_dead(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        # .invalid names never resolve (RFC 6761), like every name on a machine without DNS:
        # the canaries too (the suite's DNS server says NXDOMAIN for them).
        reg = registry(
            tmp_path, [("a", "http://www.viro.edu.invalid/"), ("b", "http://36edu.invalid/")]
        )
        db, reports = tmp_path / "audit.sqlite", tmp_path / "reports"
        code, out, _ = run_cli(
            capsys,
            "run",
            "--registry",
            str(reg),
            "--db",
            str(db),
            "--reports",
            str(reports),
            *OFFLINE_CANARIES,
        )
        assert code == 0
        assert {o for (o,) in rows(db, "SELECT outcome FROM observations")} == {"offline"}
        assert rows(db, "SELECT network FROM runs") == [("offline",)]
        assert "OFFLINE" in out
        for name in ("status.html", "status.md"):
            assert "offline" in (reports / name).read_text(encoding="utf-8").lower()
        status = json.loads((reports / "status.json").read_text(encoding="utf-8"))
        assert status["run"]["network"] == "offline"
        assert {r["verdict"] for r in status["results"]} == {"unknown"}


class TestBadInput:
    @pytest.mark.parametrize(
        ("text", "line"),
        [
            ("resources:\n  - id: a\n    name: [x\n", 4),
            ("resources:\n  - name: A\n    url: null\n", 2),
            ("resources:\n  - id: a\n    name: A\n", 2),
            ("resources:\n  - {id: a, name: A, url: null}\n  - {id: a, name: B, url: null}\n", 3),
            ("resources:\n  - id: a\n    name: A\n    url: null\n    colour: red\n", 5),
        ],
    )
    def test_registry_errors_exit_3_with_file_and_line(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, line: int
    ) -> None:
        path = tmp_path / "resources.yaml"
        path.write_text(text, encoding="utf-8")
        code, _, err = run_cli(
            capsys,
            "run",
            "--registry",
            str(path),
            "--db",
            str(tmp_path / "a.sqlite"),
            "--reports",
            str(tmp_path / "r"),
        )
        assert code == 3
        assert err.count("\n") == 1 and f"{path}:{line}:" in err
        assert "Traceback" not in err
        assert path.read_text(encoding="utf-8") == text
        assert not (tmp_path / "a.sqlite").exists()

    def test_unwritable_reports_folder(
        self, tmp_path: Path, site: WebServer, capsys: pytest.CaptureFixture[str]
    ) -> None:
        reg = registry(tmp_path, [("local", site.url("/"))])
        (tmp_path / "blocker").write_text("a file where the folder should be")
        code, _, err = run_cli(
            capsys,
            "run",
            "--registry",
            str(reg),
            "--db",
            str(tmp_path / "a.sqlite"),
            "--reports",
            str(tmp_path / "blocker" / "reports"),
            "--allow-private",
            "--no-archive",
            "--canary",
            "localhost",
        )
        assert code == 1
        assert "cannot create the report directory" in err and "Traceback" not in err
        assert err.count("\n") == 1
        # the run's results were recorded before the reports failed: nothing is lost
        assert rows(tmp_path / "a.sqlite", "SELECT outcome FROM observations") == [("ok",)]

    def test_unwritable_store(
        self, tmp_path: Path, site: WebServer, capsys: pytest.CaptureFixture[str]
    ) -> None:
        reg = registry(tmp_path, [("local", site.url("/"))])
        (tmp_path / "blocker").write_text("x")
        code, _, err = run_cli(
            capsys, "run", "--registry", str(reg), "--db", str(tmp_path / "blocker" / "a.sqlite")
        )
        assert code == 1
        assert "cannot open the store" in err and "Traceback" not in err

    def test_bad_option_is_exit_3(self, capsys: pytest.CaptureFixture[str]) -> None:
        code, _, err = run_cli(capsys, "check", "--resolve", "nonsense")
        assert code == 3
        assert "nonsense" in err


def test_seed_registry_offline_run_calls_nothing_dead(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The main job on the real registry, on a machine without network (as in CI)."""
    seed = (ROOT / "data" / "resources.yaml").read_text(encoding="utf-8")
    # Same registry, hosts moved under .invalid so that no test can ever reach the internet.
    reg = tmp_path / "resources.yaml"
    reg.write_text(
        seed.replace(".ru/", ".ru.invalid/")
        .replace(".com/", ".com.invalid/")
        .replace(".net/", ".net.invalid/")
        .replace(".xn--d1acj3b/", ".xn--d1acj3b.invalid/"),
        encoding="utf-8",
    )
    code, out, _ = run_cli(
        capsys,
        "run",
        "--registry",
        str(reg),
        "--db",
        str(tmp_path / "a.sqlite"),
        "--reports",
        str(tmp_path / "r"),
        *OFFLINE_CANARIES,
    )
    assert code == 0
    assert "dead" not in out.split("verdicts:")[1].split("\n")[0]
