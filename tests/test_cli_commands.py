"""The smaller commands through the CLI: normalize, extract (--into), check."""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path

import pytest

from audit.check.shards import shard_of
from audit.cli import main
from audit.registry import load_registry
from bench.run import GUARD_DIR
from tests.servers.web import Reply, WebServer

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seeds" / "000_f9495035618270d1.txt"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_normalize_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "normalize",
        "--format",
        "json",
        "http: www.viro.edu.ru",
        "www.персональные данные.дети",
        "info@36edu.ru",
        "report.pdf",
    )
    assert code == 0
    viro, idn, mail, pdf = json.loads(out)
    assert set(viro) == {
        "input",
        "url",
        "display",
        "key",
        "repairs",
        "confidence",
        "warnings",
        "kind",
        "error",
    }
    assert viro["url"] == "http://www.viro.edu.ru/"
    assert viro["confidence"] == "repaired"
    assert any(r["rule"] == "space-after-scheme" for r in viro["repairs"])
    assert idn["url"] == "http://www.xn--80aalcbc2bocdadlpp9nfk.xn--d1acj3b/"
    assert idn["display"] == "http://www.персональныеданные.дети/"
    assert mail["kind"] == "email" and pdf["kind"] == "not-a-url" and pdf["error"]


def test_normalize_reads_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("www.podrostok.edu.yar.ru\n\nhttp//x.ru\n"))
    code, out, _ = run(capsys, "normalize", "--format", "json")
    assert code == 0
    assert [n["url"] for n in json.loads(out)] == [
        "http://www.podrostok.edu.yar.ru/",
        "http://x.ru/",
    ]


@pytest.fixture(name="seed")
def _seed() -> Path:
    if not SEED.exists():
        pytest.fail(f"the seed document is missing: {SEED} (shared/ must sit beside the repo)")
    return SEED


def test_extract_seed_json(seed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "extract", str(seed), "--format", "json")
    assert code == 0
    found = json.loads(out)
    web = {c["url"] for c in found if c["kind"] == "web"}
    assert len(web) == 12
    first = next(c for c in found if c["url"] == "http://36edu.ru/")
    assert first["context"] == (
        "Department of Education, Science and Youth Policy of the Voronezh Region"
    )
    assert first["location"]["line"] == 99


def test_extract_into_registry_merges_and_keeps_hand_edits(
    seed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reg = tmp_path / "resources.yaml"
    reg.write_text(
        "# my notes\nresources:\n  - id: viro  # hand-picked id\n    name: VIRO\n"
        "    url: http://www.viro.edu.ru/\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "extract", str(seed), "--into", str(reg), "--dry-run", "--names")
    assert code == 0 and "would add" in out
    assert reg.read_text(encoding="utf-8").startswith("# my notes\n")
    assert len(load_registry(reg).resources) == 1  # dry run wrote nothing
    code, out, _ = run(capsys, "extract", str(seed), "--into", str(reg), "--names")
    assert code == 0
    text = reg.read_text(encoding="utf-8")
    assert "# my notes" in text and "# hand-picked id" in text
    loaded = load_registry(reg)
    with_url = [r for r in loaded.resources if r.url]
    assert len(with_url) == 12
    viro = loaded.find("viro")
    assert viro is not None and len(viro.sources) >= 2  # in-text and the hyperlink list
    candidates = [r for r in loaded.resources if r.candidate]
    assert candidates and all(r.url is None for r in candidates)
    code, out, _ = run(capsys, "extract", str(seed), "--into", str(reg), "--names")
    assert "added 0, updated 0" in out
    assert reg.read_text(encoding="utf-8") == text


def test_extract_bad_file_is_one_line_and_others_still_processed(
    seed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"\x00\x01\x02 not a pdf at all \xff\xfe" * 50)
    code, out, err = run(capsys, "extract", str(bad), str(seed), "--format", "json")
    assert code == 3
    assert err.count("\n") == 1 and str(bad) in err and "Traceback" not in err
    assert len({c["url"] for c in json.loads(out) if c["kind"] == "web"}) == 12


def test_check_json_contract(web: WebServer, capsys: pytest.CaptureFixture[str]) -> None:
    web.route("/a", Reply(301, "", headers=[("Location", "/b")]))
    web.route("/b", Reply(200, "<title>B</title><p>" + "Real content here. " * 40 + "</p>"))
    web.route("/gone", Reply(410, "<title>Gone</title>"))
    code, out, _ = run(
        capsys,
        "check",
        "--url",
        web.url("/a"),
        "--url",
        web.url("/gone"),
        "--allow-private",
        "--no-store",
        "--format",
        "json",
        "--canary",
        "localhost",
    )
    assert code == 2  # lychee's convention: a broken outcome (the 410) fails the check
    doc = json.loads(out)
    assert set(doc["run"]) >= {"started", "finished", "network"}
    a, gone = doc["results"]  # in input order
    for r in (a, gone):
        assert set(r) >= {
            "url",
            "final_url",
            "outcome",
            "http_status",
            "redirects",
            "elapsed_ms",
            "error",
            "evidence",
            "verdict",
        }
    assert a["outcome"] == "redirected" and a["final_url"] == web.url("/b")
    assert a["redirects"][0]["status"] == 301
    assert gone["outcome"] == "not_found" and gone["verdict"] == "suspect"


def test_check_on_two_processes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--workers 2`: the hosts split over this process and a child; every URL answered."""

    monkeypatch.setenv("PYTHONPATH", str(GUARD_DIR))  # the child: loopback only
    hosts = ("127.0.0.43", "127.0.0.44", "127.0.0.45")
    with ExitStack() as stack:
        sites = [stack.enter_context(WebServer(host=h)) for h in hosts]
        for s in sites:
            s.route("/ok", Reply(200, "<title>Ok</title><p>" + "Content. " * 40 + "</p>"))
        urls = [s.url(p) for s in sites for p in ("/ok", "/gone")]
        assert {shard_of(u, 2) for u in urls} == {0, 1}
        args = [a for u in urls for a in ("--url", u)]
        code, out, err = run(
            capsys,
            "check",
            *args,
            "--workers",
            "2",
            "--min-interval",
            "0.01",
            "--allow-private",
            "--canary",
            "localhost",
            "--no-store",
            "--format",
            "json",
        )
        assert code == 2, err  # the /gone pages are broken
        results = json.loads(out)["results"]
        assert [r["url"] for r in results] == urls  # input order, across both processes
        outcomes = {r["url"]: r["outcome"] for r in results}
        assert outcomes == {u: "ok" if u.endswith("/ok") else "not_found" for u in urls}
        assert all(len(s.requests) >= 2 for s in sites)


def test_a_negative_min_interval_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "check", "--url", "http://127.0.0.1/", "--min-interval", "-1")
    assert code == 3
    assert err.count("\n") == 1 and "min-interval" in err
