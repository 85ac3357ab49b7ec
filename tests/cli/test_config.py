"""`audit.toml` beside the registry, the command line winning; help, pipes, waits."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from audit.cli import main
from audit.cli.watch import human
from tests.servers.web import Reply, WebServer

PAGE = "<title>Ok</title><p>" + "Real content here. " * 40 + "</p>"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def project(tmp_path: Path, web: WebServer, settings: str) -> Path:
    web.route("/ok", Reply(200, PAGE))
    web.route("/gone", Reply(404, "<title>Not found</title>"))
    reg = tmp_path / "data" / "resources.yaml"
    reg.parent.mkdir()
    reg.write_text(
        "resources:\n"
        f"  - {{id: ok, name: Ok, url: '{web.url('/ok')}'}}\n"
        f"  - {{id: gone, name: Gone, url: '{web.url('/gone')}'}}\n",
        encoding="utf-8",
    )
    (reg.parent / "audit.toml").write_text(settings, encoding="utf-8")
    return reg


def test_settings_apply_per_command_and_the_command_line_wins(
    tmp_path: Path, web: WebServer, capsys: pytest.CaptureFixture[str]
) -> None:
    reg = project(
        tmp_path,
        web,
        'allow-private = true\ncanary = ["localhost"]\nretries = 0\n'
        'exclude = ["/gone$"]\n\n[check]\nformat = "json"\n',
    )
    code, out, _ = run(capsys, "check", "--registry", str(reg), "--no-store")
    assert code == 0
    results = {r["url"]: r["outcome"] for r in json.loads(out)["results"]}
    assert results == {web.url("/ok"): "ok", web.url("/gone"): "skipped"}
    assert web.hits("/gone") == 0
    # a list given on the command line replaces the file's; a scalar overrides it
    code, out, _ = run(
        capsys,
        "check",
        "--registry",
        str(reg),
        "--no-store",
        "--exclude",
        "/ok$",
        "--format",
        "text",
    )
    assert code == 2  # /gone was checked this time
    assert "not_found" in out and not out.lstrip().startswith("{")


def test_relative_paths_are_relative_to_the_settings_file(
    tmp_path: Path, web: WebServer, capsys: pytest.CaptureFixture[str]
) -> None:
    reg = project(
        tmp_path,
        web,
        'allow-private = true\ncanary = ["localhost"]\n[run]\nreports = "../public"\n',
    )
    code, out, err = run(
        capsys, "run", "--registry", str(reg), "--db", str(tmp_path / "a.sqlite"), "--no-archive"
    )
    assert code == 0, err
    assert (tmp_path / "public" / "status.html").is_file()
    assert "public/status.html" in out


@pytest.mark.parametrize(
    "case",
    [
        ("retries = 0\n\nno-such-option = 1\n", 3, "no-such-option"),
        ("[check]\nformat = 'yaml'\n", 2, "choose from"),
        ("[nope]\nx = 1\n", 1, "no such command"),
        ("retries = [\n", 1, "not valid TOML"),
        ("[check]\nreports = 'x'\n", 2, "has no option --reports"),
    ],
)
def test_a_bad_setting_is_one_line_naming_file_and_line(
    tmp_path: Path,
    web: WebServer,
    capsys: pytest.CaptureFixture[str],
    case: tuple[str, int, str],
) -> None:
    settings, line, words = case
    reg = project(tmp_path, web, settings)
    code, _, err = run(capsys, "check", "--registry", str(reg), "--no-store")
    assert code == 3
    assert err.count("\n") == 1 and words in err
    assert f"audit.toml:{line}:" in err


def test_help_shows_defaults_and_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "run", "--help")
    assert code == 0
    assert "--no-store" not in out  # run always keeps history
    assert "example: audit run" in out and "(default: reports)" in out
    _, out, _ = run(capsys, "archive", "--help")
    assert "--per-host" not in out and "--wayback-url" in out


def test_output_to_a_closed_pipe_is_no_traceback() -> None:
    script = (
        "import sys; from audit.cli import main; "
        "sys.exit(main(['normalize', *['www.example.org/%d' % i for i in range(20000)]]))"
    )
    reader = subprocess.Popen(["head", "-n", "1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    writer = subprocess.run(
        [sys.executable, "-c", script],
        stdout=reader.stdin,
        stderr=subprocess.PIPE,
        timeout=60,
        check=False,
    )
    assert reader.stdin is not None and reader.stdout is not None
    reader.stdin.close()
    first = reader.stdout.read()
    reader.wait(timeout=10)
    assert first.startswith(b"www.example.org/0")
    assert writer.returncode == 0
    assert b"Traceback" not in writer.stderr and b"BrokenPipe" not in writer.stderr


@pytest.mark.parametrize(
    ("wait", "text"),
    [
        (timedelta(seconds=40), "40 s"),
        (timedelta(minutes=5, seconds=10), "5 min 10 s"),
        (timedelta(days=1, hours=2, minutes=3), "1 d 2 h"),
        (timedelta(0), "0 s"),
    ],
)
def test_waits_in_human_units(wait: timedelta, text: str) -> None:
    assert human(wait) == text


def test_host_headers_go_to_that_host_only_and_are_never_stored(
    tmp_path: Path,
    web: WebServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INTRANET_TOKEN", "s3cret-token")
    web.route("/ok", Reply(200, PAGE))
    web.route(
        "/away",
        Reply(302, "", headers=[("Location", web.url("/ok").replace("127.0.0.1", "localhost"))]),
    )
    reg = project(
        tmp_path,
        web,
        'allow-private = true\ncanary = ["localhost"]\n'
        '[hosts."127.0.0.1"]\nheaders = {Authorization = "Bearer ${INTRANET_TOKEN}"}\n'
        'cookies = {session = "abc"}\n',
    )
    db = tmp_path / "a.sqlite"
    code, _, err = run(
        capsys, "check", "--registry", str(reg), "--db", str(db), "--url", web.url("/away")
    )
    assert code == 0, err
    first = next(r for r in web.requests if r.target == "/away")
    second = next(r for r in web.requests if r.target == "/ok")
    assert first.headers.get("authorization") == "Bearer s3cret-token"
    assert first.headers.get("cookie") == "session=abc"
    assert "authorization" not in second.headers  # the redirect went to another host name
    assert b"s3cret" not in db.read_bytes()


def test_a_missing_environment_variable_is_named(
    tmp_path: Path,
    web: WebServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NO_SUCH_TOKEN", raising=False)
    reg = project(
        tmp_path, web, '[hosts."example.org"]\nheaders = {X-Token = "${NO_SUCH_TOKEN}"}\n'
    )
    code, _, err = run(capsys, "check", "--registry", str(reg), "--no-store")
    assert code == 3 and "NO_SUCH_TOKEN" in err and "audit.toml:2:" in err


def test_robots_is_honoured_only_when_asked(
    tmp_path: Path, web: WebServer, capsys: pytest.CaptureFixture[str]
) -> None:
    web.route(
        "/robots.txt", Reply(200, "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    )
    web.route("/private/page", Reply(200, PAGE))
    web.route("/ok", Reply(200, PAGE))
    args = ["check", "--no-store", "--allow-private", "--canary", "localhost", "--format", "json"]
    urls = ["--url", web.url("/private/page"), "--url", web.url("/ok")]
    _, out, _ = run(capsys, *args, *urls)
    assert [r["outcome"] for r in json.loads(out)["results"]] == ["ok", "ok"]
    assert web.hits("/robots.txt") == 0
    _, out, _ = run(capsys, *args, *urls, "--robots")
    private, ok = json.loads(out)["results"]
    assert private["outcome"] == "skipped" and "robots.txt" in private["evidence"][0]
    assert ok["outcome"] == "ok"
    assert web.hits("/private/page") == 1 and web.hits("/robots.txt") == 1
