"""The checker end to end against real loopback servers."""

from __future__ import annotations

import asyncio
import socket
import time

from audit.check import CheckTarget, parse_resolve, result_to_json
from audit.models import ErrorKind, Network, Outcome
from tests.check.conftest import check_all, check_one, settings
from tests.servers.web import Reply, Request, WebServer

PAGE = (
    "<html><head><title>Annual report</title></head><body><h1>Report</h1>"
    + ("<p>Regional programme for the protection of children. </p>" * 20)
    + "</body></html>"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _hang(
    request: Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    await asyncio.sleep(3600)


def test_plain_get_is_ok_with_fingerprint(web: WebServer) -> None:
    web.route("/report", Reply(200, PAGE))
    result = check_one(web.url("/report"))
    assert result.classification.outcome is Outcome.OK
    obs = result.observation
    assert obs.status == 200
    assert obs.fingerprint is not None
    assert obs.fingerprint.title == "Annual report"
    assert obs.fingerprint.length > 100
    request = web.requests[-1]
    assert request.method == "GET"
    assert request.headers["user-agent"].startswith("audit/")
    assert "+http" in request.headers["user-agent"]  # a contact URL


def test_redirects_are_followed_hop_by_hop(web: WebServer) -> None:
    web.route("/old", Reply(301, "", headers=[("Location", "/mid")]))
    web.route("/mid", Reply(302, "", headers=[("Location", web.url("/new/report"))]))
    web.route("/new/report", Reply(200, PAGE))
    result = check_one(web.url("/old"))
    assert result.classification.outcome is Outcome.REDIRECTED
    assert [(h.url, h.status) for h in result.observation.redirects] == [
        (web.url("/old"), 301),
        (web.url("/mid"), 302),
    ]
    assert result.observation.final_url == web.url("/new/report")
    data = result_to_json(result)
    assert data["redirects"] == [
        {"url": web.url("/old"), "status": 301},
        {"url": web.url("/mid"), "status": 302},
    ]
    assert set(data) == {
        "url",
        "final_url",
        "outcome",
        "http_status",
        "redirects",
        "elapsed_ms",
        "error",
        "evidence",
    }


def test_status_codes(web: WebServer) -> None:
    codes = {
        "/gone": 410,
        "/missing": 404,
        "/bad": 400,
        "/denied": 403,
        "/auth": 401,
        "/legal": 451,
        "/boom": 500,
        "/busy": 429,
    }
    for path, code in codes.items():
        web.route(path, Reply(code, "<title>x</title>"))
    results = check_all([web.url(p) for p in codes])
    got = {p: results[web.url(p)].classification.outcome for p in codes}
    assert got == {
        "/gone": Outcome.NOT_FOUND,
        "/missing": Outcome.NOT_FOUND,
        "/bad": Outcome.CLIENT_ERROR,
        "/denied": Outcome.BLOCKED,
        "/auth": Outcome.BLOCKED,
        "/legal": Outcome.BLOCKED,
        "/boom": Outcome.SERVER_ERROR,
        "/busy": Outcome.RATE_LIMITED,
    }


def test_redirect_loop_ends_at_the_first_repeat(web: WebServer) -> None:
    web.route("/a", Reply(302, "", headers=[("Location", "/b")]))
    web.route("/b", Reply(302, "", headers=[("Location", "/a")]))
    result = check_one(web.url("/a"))
    assert result.classification.outcome is Outcome.REDIRECT_LOOP
    assert result.observation.error is ErrorKind.REDIRECT_LOOP
    assert web.hits("/a") == 1 and web.hits("/b") == 1


def test_endless_distinct_redirects_hit_the_hop_limit(web: WebServer) -> None:
    def step(request: Request) -> Reply:
        n = int(request.path.rsplit("/", 1)[1])
        return Reply(302, "", headers=[("Location", f"/step/{n + 1}")])

    for n in range(30):
        web.route(f"/step/{n}", step)
    result = check_one(web.url("/step/0"), settings(max_redirects=5))
    assert result.classification.outcome is Outcome.REDIRECT_LOOP
    assert result.observation.error is ErrorKind.TOO_MANY_REDIRECTS
    assert len(result.observation.redirects) == 6
    assert web.hits("/step/6") == 0


def test_a_hang_times_out_and_does_not_block_others(web: WebServer) -> None:
    web.route("/hang", _hang, raw=True)
    web.route("/fine", Reply(200, PAGE))
    started = time.monotonic()
    results = check_all([web.url("/hang"), web.url("/fine")], settings(timeout=1.0, per_host=1))
    elapsed = time.monotonic() - started
    assert results[web.url("/hang")].classification.outcome is Outcome.TIMEOUT
    assert results[web.url("/fine")].classification.outcome is Outcome.OK
    assert results[web.url("/fine")].observation.elapsed_ms < 900
    assert elapsed < 2.5


def test_per_target_timeout(web: WebServer) -> None:
    web.route("/hang", _hang, raw=True)
    started = time.monotonic()
    result = check_one(CheckTarget(web.url("/hang"), timeout=0.3), settings(timeout=10))
    assert result.classification.outcome is Outcome.TIMEOUT
    assert time.monotonic() - started < 2


def test_connection_refused() -> None:
    result = check_one(f"http://127.0.0.1:{_free_port()}/")
    assert result.classification.outcome is Outcome.CONNECTION_ERROR
    assert result.observation.error is ErrorKind.CONNECT
    assert "refused" in result.observation.detail


def test_resolve_rule_sends_the_name_to_the_mapped_address() -> None:
    with WebServer(host="127.0.0.3") as srv:
        srv.route("/report", Reply(200, PAGE), host="www.gov.test")
        rule = parse_resolve(f"www.gov.test:{srv.port}:127.0.0.3")
        result = check_one(
            f"http://www.gov.test:{srv.port}/report", settings(resolve=(rule,), allow_private=False)
        )
        assert result.classification.outcome is Outcome.OK
        assert srv.requests[-1].headers["host"] == f"www.gov.test:{srv.port}"


def test_invalid_and_unsupported_urls_cost_no_request(web: WebServer) -> None:
    results = check_all(
        ["mailto:info@gov.test", "ftp://gov.test/file", "http://", "http:///x", "http://bad host/"]
    )
    outcomes = {u: r.classification.outcome for u, r in results.items()}
    assert outcomes["mailto:info@gov.test"] is Outcome.UNSUPPORTED
    assert outcomes["ftp://gov.test/file"] is Outcome.UNSUPPORTED
    assert outcomes["http://"] is Outcome.INVALID_URL
    assert outcomes["http:///x"] is Outcome.INVALID_URL
    assert outcomes["http://bad host/"] is Outcome.INVALID_URL
    assert not web.requests


def test_nxdomain_while_online() -> None:
    result = check_one("http://no-such-name.invalid/page")
    assert result.classification.outcome is Outcome.DNS_NXDOMAIN
    assert result.observation.error is ErrorKind.DNS_NXDOMAIN


def test_offline_run_marks_network_failures_offline_and_keeps_mapped_hosts_real() -> None:
    with WebServer(host="127.0.0.4") as srv:
        srv.route("/report", Reply(200, PAGE))
        srv.route("/gone", Reply(404, "<title>Not Found</title>"))
        rule = parse_resolve(f"www.gov.test:{srv.port}:127.0.0.4")
        s = settings(
            canaries=("canary-one.invalid", "canary-two.invalid"),
            resolve=(rule,),
            allow_private=False,
        )

        async def go() -> tuple[Network, dict[str, Outcome]]:
            from audit.check import Checker

            async with Checker(s) as checker:
                assert checker.marked_offline == 0
                urls = [
                    "http://www.ministry.invalid/doc",
                    "https://portal.invalid/",
                    f"http://www.gov.test:{srv.port}/report",
                    f"http://www.gov.test:{srv.port}/gone",
                ]
                out = {
                    r.target.url: r.classification.outcome
                    async for r in checker.run(CheckTarget(u) for u in urls)
                }
                assert checker.marked_offline == 2
                return checker.network, out

        network, outcomes = asyncio.run(go())
    assert network is Network.OFFLINE
    assert outcomes == {
        "http://www.ministry.invalid/doc": Outcome.OFFLINE,
        "https://portal.invalid/": Outcome.OFFLINE,
        f"http://www.gov.test:{srv.port}/report": Outcome.OK,
        f"http://www.gov.test:{srv.port}/gone": Outcome.NOT_FOUND,
    }


def test_conditional_request_and_not_modified(web: WebServer) -> None:
    def conditional(request: Request) -> Reply:
        if request.headers.get("if-none-match") == '"v1"':
            return Reply(304, "")
        return Reply(200, PAGE, headers=[("ETag", '"v1"')])

    web.route("/doc", conditional)
    first = check_one(web.url("/doc"))
    assert first.observation.status == 200
    assert ("etag", '"v1"') in first.observation.headers
    again = check_one(
        CheckTarget(web.url("/doc"), etag='"v1"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    )
    assert again.observation.not_modified
    assert again.classification.outcome is Outcome.OK
    assert web.requests[-1].headers["if-modified-since"] == "Mon, 01 Jan 2024 00:00:00 GMT"


def test_transient_5xx_is_retried_then_succeeds(web: WebServer) -> None:
    calls: list[float] = []

    def flaky(request: Request) -> Reply:
        calls.append(time.monotonic())
        return Reply(503, "busy") if len(calls) < 3 else Reply(200, PAGE)

    web.route("/flaky", flaky)
    result = check_one(web.url("/flaky"), settings(retries=2, backoff=0.05))
    assert result.classification.outcome is Outcome.OK
    assert len(calls) == 3
    assert "attempts:3:HTTP 503, HTTP 503" in result.observation.signals
    assert "3 attempts (before: HTTP 503, HTTP 503)" in result.classification.evidence


def test_404_is_not_retried(web: WebServer) -> None:
    web.route("/missing", Reply(404, "nope"))
    check_one(web.url("/missing"), settings(retries=3, backoff=0.01))
    assert web.hits("/missing") == 1


def test_proxy_is_used_and_recorded() -> None:
    with WebServer(host="127.0.0.14") as proxy:
        # An HTTP proxy receives the absolute URL as the request target.
        proxy.route("http://www.gov.test/doc", Reply(200, PAGE))
        result = check_one("http://www.gov.test/doc", settings(proxy=proxy.url("/")))
    assert result.classification.outcome is Outcome.OK
    assert result.observation.proxy == proxy.url("/")
    assert any("proxy" in e for e in result.classification.evidence)
    assert proxy.requests[-1].target == "http://www.gov.test/doc"


def test_resolve_rule_to_ipv6_loopback() -> None:
    with WebServer(host="::1") as srv:
        srv.route("/report", Reply(200, PAGE))
        rule = parse_resolve(f"www.gov.test:{srv.port}:[::1]")
        result = check_one(f"http://www.gov.test:{srv.port}/report", settings(resolve=(rule,)))
    assert result.classification.outcome is Outcome.OK


def test_a_second_run_probes_hosts_again(web: WebServer) -> None:
    web.route("/docs/a", Reply(200, PAGE))

    async def go() -> None:
        from audit.check import Checker

        async with Checker(settings(sibling_probe=True)) as checker:
            for _ in range(2):
                async for _r in checker.run([CheckTarget(web.url("/docs/a"))]):
                    pass

    asyncio.run(go())
    siblings = [r for r in web.requests if r.path.startswith("/docs/") and r.path != "/docs/a"]
    assert len(siblings) == 2, "one sibling probe per host per run"
