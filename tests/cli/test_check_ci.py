"""`audit check` in CI: exit codes, --fail-on, input order, junit and Markdown, filters."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from lxml import etree

from audit.cli import main
from audit.errors import InputError
from audit.filters import UrlFilter, parse_accept
from tests.servers.web import Reply, Request, WebServer

XSD = Path(__file__).with_name("junit.xsd")
PAGE = "<title>Ok</title><p>" + "Real content here. " * 40 + "</p>"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    # --canary localhost: no test asks the machine's resolver about the default canaries
    return run(
        capsys,
        "check",
        "--allow-private",
        "--no-store",
        "--retries",
        "0",
        "--canary",
        "localhost",
        *args,
    )


@pytest.fixture(name="site")
def _site(web: WebServer) -> WebServer:
    async def slow(_: Request) -> Reply:
        await asyncio.sleep(0.4)  # finishes last, though asked first
        return Reply(200, PAGE)

    web.route("/slow", slow)
    web.route("/ok", Reply(200, PAGE))
    web.route("/gone", Reply(404, "<title>Not found</title>"))
    web.route("/forbidden", Reply(403, "<title>Forbidden</title><p>No.</p>"))
    return web


def test_exit_2_on_a_broken_outcome_and_0_when_all_work(
    site: WebServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = check(capsys, "--url", site.url("/ok"), "--url", site.url("/gone"))
    assert code == 2
    code, _, _ = check(capsys, "--url", site.url("/ok"), "--url", site.url("/forbidden"))
    assert code == 0  # blocked is not broken: the page exists and refused us


def test_fail_on_chooses_the_outcomes(site: WebServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = check(capsys, "--url", site.url("/gone"), "--fail-on", "timeout")
    assert code == 0
    code, _, _ = check(capsys, "--url", site.url("/forbidden"), "--fail-on", "blocked")
    assert code == 2
    code, _, err = check(capsys, "--url", site.url("/ok"), "--fail-on", "nonsense")
    assert code == 3 and "nonsense" in err


def test_results_in_input_order_in_every_format(
    site: WebServer, capsys: pytest.CaptureFixture[str]
) -> None:
    order = [site.url(p) for p in ("/slow", "/gone", "/ok", "/forbidden")]
    args = [a for u in order for a in ("--url", u)]
    _, out, _ = check(capsys, *args, "--format", "json")
    assert [r["url"] for r in json.loads(out)["results"]] == order
    _, out, _ = check(capsys, *args)
    assert [line.split()[2] for line in out.splitlines()] == order


def test_junit_is_valid_and_names_the_failures(
    site: WebServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = check(
        capsys,
        "--url",
        site.url("/ok"),
        "--url",
        site.url("/gone"),
        "--exclude",
        "forbidden",
        "--url",
        site.url("/forbidden"),
        "--format",
        "junit",
    )
    assert code == 2
    doc = etree.fromstring(out.encode())
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    assert schema.validate(doc), schema.error_log
    suite = doc.find("testsuite")
    assert suite is not None
    assert suite.get("tests") == "3" and suite.get("failures") == "1"
    assert suite.get("skipped") == "1"
    failed = [c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None]
    assert failed == [site.url("/gone")]


def test_markdown_lists_the_broken_first(
    site: WebServer, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = check(
        capsys, "--url", site.url("/ok"), "--url", site.url("/gone"), "--format", "markdown"
    )
    assert out.startswith("**audit check**: 2 URLs, 1 broken")
    broken, other = out.split("### Broken")[1].split("### Other")
    assert site.url("/gone") in broken and site.url("/ok") in other


def test_exclude_and_include_never_request_what_they_drop(
    site: WebServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = check(
        capsys,
        "--url",
        site.url("/gone"),
        "--url",
        site.url("/ok"),
        "--exclude",
        "/gone$",
        "--format",
        "json",
    )
    assert code == 0
    gone, ok = json.loads(out)["results"]
    assert gone["outcome"] == "skipped" and "--exclude /gone$" in gone["evidence"][0]
    assert ok["outcome"] == "ok"
    assert site.hits("/gone") == 0
    _, out, _ = check(
        capsys, "--url", site.url("/gone"), "--include", "/ok", "--url", site.url("/ok")
    )
    assert site.hits("/gone") == 0 and site.hits("/ok") == 2


def test_accept_makes_a_status_count_as_ok(
    site: WebServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = check(
        capsys, "--url", site.url("/gone"), "--accept", "200..=299,404", "--format", "json"
    )
    assert code == 0
    assert json.loads(out)["results"][0]["outcome"] == "ok"


def test_accept_and_filter_parsing() -> None:
    assert parse_accept("200..=202, 403") == {200, 201, 202, 403}
    assert parse_accept("200..203") == {200, 201, 202}
    for bad in ("ok", "99", "200..=1000", "300..=200"):
        with pytest.raises(InputError):
            parse_accept(bad)
    rules = UrlFilter.of(include=("keep",), exclude=("example",))
    assert rules.excluded("http://example.org/keep") is None  # include wins
    assert rules.excluded("http://example.org/x") == "excluded by --exclude example"
    assert rules.excluded("http://other.org/") == "matches no --include"
    with pytest.raises(InputError):
        UrlFilter.of(exclude=("(",))
