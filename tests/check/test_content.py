"""Content outcomes against real servers: soft 404s, parked pages, bot walls, https probe."""

from __future__ import annotations

import time
from pathlib import Path

from audit.check import parse_resolve
from audit.models import Outcome
from tests.check.conftest import check_all, check_one, settings
from tests.servers.tls import Certs
from tests.servers.web import Reply, Request, WebServer

REAL = "<title>Order No. {n} on child protection</title><h1>Order {n}</h1><p>{body}</p>"
SHELL = (
    "<title>Regional portal</title><h1>Welcome</h1>"
    + "<p>news events contacts documents services about the ministry</p>" * 15
)


def _real(n: int) -> str:
    words = " ".join(f"clause{n * 13 + i} provision{i % 7} region{n}" for i in range(60))
    return REAL.format(n=n, body=words)


def test_soft_404_titles_in_five_languages(web: WebServer) -> None:
    pages = {
        "/en": "<title>Page Not Found | Ministry</title><p>Try the search.</p>",
        "/ru": "<title>Министерство</title><h1>Страница не найдена</h1>",
        "/fr": "<title>Erreur 404 - page introuvable</title>",
        "/de": "<title>Ministerium</title><h2>Seite nicht gefunden</h2>",
        "/es": "<title>Página no encontrada</title>",
    }
    for path, html in pages.items():
        web.route(path, Reply(200, html))
    web.route(
        "/talks",
        Reply(
            200,
            "<title>How we fixed our 404 errors</title>"
            "<p>A page that was not found returns 404; here is why.</p>",
        ),
    )
    results = check_all([web.url(p) for p in [*pages, "/talks"]])
    for path in pages:
        r = results[web.url(path)]
        assert r.classification.outcome is Outcome.SOFT_404, path
        assert f"({path[1:]})" in r.classification.evidence[0]
    assert results[web.url("/talks")].classification.outcome is Outcome.OK


def test_sibling_probe_catches_a_catch_all_host(web: WebServer) -> None:
    web.fallback(Reply(200, SHELL))  # every unknown path: the same 200 shell
    web.route("/docs/order-15", Reply(200, _real(15)))
    s = settings(sibling_probe=True)
    results = check_all([web.url("/docs/missing-order"), web.url("/docs/order-15")], s)
    soft = results[web.url("/docs/missing-order")]
    assert soft.classification.outcome is Outcome.SOFT_404
    assert soft.observation.sibling_similarity == 1.0
    assert any("random URL" in e for e in soft.classification.evidence)
    real = results[web.url("/docs/order-15")]
    assert real.classification.outcome is Outcome.OK
    assert real.observation.sibling_similarity is not None
    assert real.observation.sibling_similarity < 0.95
    siblings = [
        r
        for r in web.requests
        if r.path.startswith("/docs/") and r.path not in ("/docs/missing-order", "/docs/order-15")
    ]
    assert len(siblings) == 1, "one sibling probe per host per run"


def test_sibling_probe_on_a_host_with_real_404s(web: WebServer) -> None:
    web.route("/docs/order-1", Reply(200, _real(1)))
    result = check_one(web.url("/docs/order-1"), settings(sibling_probe=True))
    assert result.classification.outcome is Outcome.OK
    assert "sibling-status:404" in result.observation.signals


def test_redirect_of_a_deep_link_to_the_root_or_an_error_path(web: WebServer) -> None:
    web.route("/", Reply(200, SHELL))
    web.route("/old/report.pdf", Reply(302, "", headers=[("Location", "/")]))
    web.route("/old/act", Reply(301, "", headers=[("Location", "/errors/404.html")]))
    web.route("/errors/404.html", Reply(200, "<title>Portal</title><p>Sorry.</p>"))
    web.route("/plain", Reply(301, "", headers=[("Location", "/plain/")]))
    web.route("/plain/", Reply(200, _real(3)))
    results = check_all([web.url("/old/report.pdf"), web.url("/old/act"), web.url("/plain")])
    assert results[web.url("/old/report.pdf")].classification.outcome is Outcome.SOFT_404
    assert results[web.url("/old/act")].classification.outcome is Outcome.SOFT_404
    assert results[web.url("/plain")].classification.outcome is Outcome.REDIRECTED


def test_parked_and_for_sale_pages(web: WebServer) -> None:
    web.route("/sale", Reply(200, "<title>viro-edu.ru</title><h1>This domain is for sale!</h1>"))
    web.route("/ru", Reply(200, "<title>Домен продается</title><p>Этот домен продаётся.</p>"))
    web.route("/exp", Reply(200, "<p>This domain name expired on 2024-01-01.</p>"))
    results = check_all([web.url(p) for p in ("/sale", "/ru", "/exp")])
    for r in results.values():
        assert r.classification.outcome is Outcome.PARKED, r.target.url


def test_redirect_to_a_parking_service_host() -> None:
    with WebServer(host="127.0.0.9") as parking:
        parking.route("/lander", Reply(200, "<title>Welcome</title><p>Hello.</p>"))
        with WebServer(host="127.0.0.10") as site:
            site.route(
                "/",
                Reply(302, "", headers=[("Location", f"http://sedo.com:{parking.port}/lander")]),
            )
            rules = (
                parse_resolve(f"sedo.com:{parking.port}:127.0.0.9"),
                parse_resolve(f"www.ppms.test:{site.port}:127.0.0.10"),
            )
            result = check_one(
                f"http://www.ppms.test:{site.port}/", settings(resolve=rules, allow_private=False)
            )
    assert result.classification.outcome is Outcome.PARKED
    assert "parked-host:sedo.com" in result.observation.signals


def test_bot_walls_are_blocked_not_dead(web: WebServer) -> None:
    web.route(
        "/cf",
        Reply(403, "<title>Just a moment...</title>", headers=[("cf-mitigated", "challenge")]),
    )
    web.route("/cf429", Reply(429, "", headers=[("cf-mitigated", "challenge")]))
    web.route("/ddos", Reply(200, "<title>DDoS-Guard</title><p>Checking your browser</p>"))
    web.route("/li", Reply(999, "Request denied"))
    web.route("/doc/42", Reply(302, "", headers=[("Location", "/auth/login?next=/doc/42")]))
    web.route("/auth/login", Reply(200, "<title>Sign in</title><form></form>"))
    results = check_all(
        [web.url(p) for p in ("/cf", "/cf429", "/ddos", "/li", "/doc/42")], settings(retries=2)
    )
    for r in results.values():
        assert r.classification.outcome is Outcome.BLOCKED, r.target.url
    assert web.hits("/cf429") == 1, "a challenge is not retried"


def test_https_version_is_recorded_for_http_citations(tmp_path: Path) -> None:
    certs = Certs("www.gov.test")
    with (
        WebServer(host="127.0.0.11") as plain,
        WebServer(host="127.0.0.11", tls=certs.valid()) as secure,
    ):
        plain.route("/doc", Reply(200, _real(7)))
        secure.route("/doc", Reply(200, _real(7)))
        rules = (
            parse_resolve(f"www.gov.test:{plain.port}:127.0.0.11"),
            parse_resolve(f"www.gov.test:{secure.port}:127.0.0.11"),
        )
        s = settings(
            resolve=rules, https_probe=True, https_port=secure.port, ca_file=certs.ca_file(tmp_path)
        )
        result = check_one(f"http://www.gov.test:{plain.port}/doc", s)
    assert result.observation.https_status == 200
    assert "https:// answers 200" in result.classification.evidence
    assert result.classification.outcome is Outcome.OK


def test_https_failure_is_evidence_only(web: WebServer) -> None:
    web.route("/doc", Reply(200, _real(8)))
    result = check_one(web.url("/doc"), settings(https_probe=True, https_port=9))
    assert result.classification.outcome is Outcome.OK
    assert result.observation.https_status is None
    assert any(e.startswith("https:// fails") for e in result.classification.evidence)


def test_cookie_redirect_dance_is_not_a_loop(web: WebServer) -> None:
    def gate(request: Request) -> Reply:
        if "visited=1" in request.headers.get("cookie", ""):
            return Reply(200, _real(9))
        return Reply(302, "", headers=[("Location", "/gate"), ("Set-Cookie", "visited=1; Path=/")])

    web.route("/gate", gate)
    result = check_one(web.url("/gate"))
    assert result.classification.outcome is Outcome.REDIRECTED
    assert len(result.observation.redirects) == 1


def test_a_silent_https_port_delays_only_until_the_probe_gives_up(web: WebServer) -> None:
    from tests.servers import hostile

    for i in range(4):
        web.route(f"/doc/{i}", Reply(200, _real(i)))
    with WebServer(host="127.0.0.1") as silent:
        silent.fallback(hostile.hang)
        silent.route("/", hostile.hang, raw=True)
        # TLS hello sent, nothing comes back: the probe's own timeout ends it.
        s = settings(https_probe=True, https_port=silent.port, probe_timeout=0.5, timeout=10)
        started = time.monotonic()
        results = check_all([web.url(f"/doc/{i}") for i in range(4)], s)
        elapsed = time.monotonic() - started
    assert {r.classification.outcome for r in results.values()} == {Outcome.OK}
    assert elapsed < 2.0
    assert all(
        any("https:// fails" in e for e in r.classification.evidence) for r in results.values()
    )
