"""classify() is a pure table: one row per outcome of the contract, plus the tricky cases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from audit.check import classify, classify_page
from audit.models import ErrorKind, Hop, Observation, Outcome

AT = datetime(2026, 1, 1, tzinfo=UTC)
URL = "https://www.gov.test/docs/report.html"


def obs(**kw: Any) -> Observation:
    kw.setdefault("url", URL)
    kw.setdefault("final_url", kw["url"])
    return Observation(checked_at=AT, **kw)


ROOT_HOP = (Hop(URL, 302, "/"),)

CASES: list[tuple[str, Observation, Outcome]] = [
    ("200", obs(status=200), Outcome.OK),
    ("304 conditional", obs(status=304, not_modified=True), Outcome.OK),
    ("300 choices", obs(status=300), Outcome.OK),
    (
        "301 then 200",
        obs(
            status=200,
            final_url="https://gov.test/docs/report.html",
            redirects=(Hop(URL, 301, "https://gov.test/docs/report.html"),),
        ),
        Outcome.REDIRECTED,
    ),
    (
        "soft404 title",
        obs(status=200, signals=("soft404-title:ru:Страница не найдена",)),
        Outcome.SOFT_404,
    ),
    (
        "deep link to root",
        obs(
            status=200,
            final_url="https://www.gov.test/",
            redirects=ROOT_HOP,
            signals=("redirect-to-root:https://www.gov.test/",),
        ),
        Outcome.SOFT_404,
    ),
    ("sibling identical", obs(status=200, sibling_similarity=0.98), Outcome.SOFT_404),
    (
        "sibling identical but thin",
        obs(status=200, sibling_similarity=1.0, signals=("sibling-thin",)),
        Outcome.OK,
    ),
    ("sibling different", obs(status=200, sibling_similarity=0.6), Outcome.OK),
    ("parked", obs(status=200, signals=("parked-text:this domain is for sale",)), Outcome.PARKED),
    ("parking host", obs(status=200, signals=("parked-host:sedo.com",)), Outcome.PARKED),
    (
        "hosting stub",
        obs(status=200, signals=("stub-suspended-account:head:Account Suspended",)),
        Outcome.STUB,
    ),
    ("default page", obs(status=200, signals=("default-server-page:IIS",)), Outcome.STUB),
    (
        "stub beats sibling",
        obs(status=200, sibling_similarity=1.0, signals=("stub-site-not-configured:text:x",)),
        Outcome.STUB,
    ),
    (
        "block page 200",
        obs(status=200, signals=("block-legal-block:text:court order",)),
        Outcome.BLOCKED,
    ),
    (
        "block page as 404",
        obs(status=404, signals=("block-legal-block:head:Error 451",)),
        Outcome.BLOCKED,
    ),
    (
        "wall beats sibling",
        obs(status=200, sibling_similarity=1.0, signals=("wall-challenge:head:Request Rejected",)),
        Outcome.BLOCKED,
    ),
    (
        "captcha redirect",
        obs(status=200, signals=("wall-redirect:url:https://www.gov.test/showcaptcha",)),
        Outcome.BLOCKED,
    ),
    ("wall on 500", obs(status=500, signals=("wall-challenge:markup:x",)), Outcome.BLOCKED),
    (
        "db error 200",
        obs(status=200, signals=("dberror-database-connection-error:head:Error establishing",)),
        Outcome.SERVER_ERROR,
    ),
    ("404", obs(status=404), Outcome.NOT_FOUND),
    (
        "404 with a CDN's script",
        obs(status=404, signals=("challenge-body:cloudflare:/cdn-cgi/challenge-platform",)),
        Outcome.NOT_FOUND,
    ),
    ("410", obs(status=410), Outcome.NOT_FOUND),
    ("400", obs(status=400), Outcome.CLIENT_ERROR),
    ("405", obs(status=405), Outcome.CLIENT_ERROR),
    ("401", obs(status=401), Outcome.BLOCKED),
    ("403", obs(status=403), Outcome.BLOCKED),
    ("451", obs(status=451), Outcome.BLOCKED),
    ("999", obs(status=999), Outcome.BLOCKED),
    (
        "429 cf challenge",
        obs(status=429, signals=("challenge-header:cloudflare:cf-mitigated",)),
        Outcome.BLOCKED,
    ),
    (
        "200 cf challenge",
        obs(status=200, signals=("challenge-header:cloudflare:cf-mitigated",)),
        Outcome.BLOCKED,
    ),
    (
        "200 challenge title",
        obs(status=200, signals=("challenge-title:Just a moment...",)),
        Outcome.BLOCKED,
    ),
    (
        "200 login wall",
        obs(status=200, signals=("redirect-to-login:https://sso.gov.test/login",)),
        Outcome.BLOCKED,
    ),
    ("429", obs(status=429), Outcome.RATE_LIMITED),
    ("503 retry-after", obs(status=503, headers=(("retry-after", "120"),)), Outcome.RATE_LIMITED),
    ("503", obs(status=503), Outcome.SERVER_ERROR),
    ("500", obs(status=500), Outcome.SERVER_ERROR),
    ("522", obs(status=522), Outcome.SERVER_ERROR),
    ("nxdomain", obs(error=ErrorKind.DNS_NXDOMAIN, detail="no such name"), Outcome.DNS_NXDOMAIN),
    ("servfail", obs(error=ErrorKind.DNS_ERROR, detail="resolver failure"), Outcome.DNS_ERROR),
    (
        "refused",
        obs(error=ErrorKind.CONNECT, detail="connection refused"),
        Outcome.CONNECTION_ERROR,
    ),
    ("reset", obs(error=ErrorKind.RESET, detail="reset"), Outcome.CONNECTION_ERROR),
    ("garbage", obs(error=ErrorKind.PROTOCOL, detail="malformed"), Outcome.CONNECTION_ERROR),
    ("tls", obs(error=ErrorKind.TLS, detail="certificate expired"), Outcome.TLS_ERROR),
    ("timeout", obs(error=ErrorKind.TIMEOUT, detail="5 s"), Outcome.TIMEOUT),
    ("loop", obs(error=ErrorKind.REDIRECT_LOOP, detail="loop"), Outcome.REDIRECT_LOOP),
    ("hops", obs(error=ErrorKind.TOO_MANY_REDIRECTS, detail="11"), Outcome.REDIRECT_LOOP),
    (
        "invalid",
        obs(url="http://", error=ErrorKind.INVALID_URL, detail="no host"),
        Outcome.INVALID_URL,
    ),
    (
        "mailto",
        obs(url="mailto:a@b", error=ErrorKind.UNSUPPORTED, detail="mailto"),
        Outcome.UNSUPPORTED,
    ),
    ("policy", obs(error=ErrorKind.POLICY, detail="loopback address"), Outcome.SKIPPED),
    ("offline", obs(error=ErrorKind.OFFLINE, detail="network offline"), Outcome.OFFLINE),
    (
        "broken gzip on 200",
        obs(status=200, error=ErrorKind.DECODING, detail="bad gzip"),
        Outcome.OK,
    ),
]


@pytest.mark.parametrize(("name", "observation", "outcome"), CASES, ids=[c[0] for c in CASES])
def test_classify_table(name: str, observation: Observation, outcome: Outcome) -> None:
    result = classify(observation)
    assert result.outcome is outcome
    assert result.evidence, "every outcome says why"


def test_every_contract_outcome_has_a_row() -> None:
    assert {c[2] for c in CASES} == set(Outcome)


def test_accept_turns_a_status_into_ok() -> None:
    assert classify(obs(status=403), frozenset({403})).outcome is Outcome.OK
    result = classify(obs(status=999), frozenset({999}))
    assert result.outcome is Outcome.OK
    assert "accepted by policy" in result.evidence[0]


def test_evidence_names_the_reason() -> None:
    result = classify(obs(status=200, signals=("soft404-title:fr:Page introuvable",)))
    assert "Page introuvable" in result.evidence[0]
    assert "(fr)" in result.evidence[0]
    tls = classify(
        obs(error=ErrorKind.TLS, detail="certificate expired", signals=("tls-insecure:HTTP 200",))
    )
    assert any("certificate expired" in e for e in tls.evidence)
    assert any("without certificate verification: HTTP 200" in e for e in tls.evidence)


def test_https_answer_is_evidence_only() -> None:
    result = classify(obs(url="http://www.gov.test/", status=200, https_status=200))
    assert result.outcome is Outcome.OK
    assert "https:// answers 200" in result.evidence


def test_classify_page_for_archived_snapshots() -> None:
    ok = classify_page(URL, 200, "<title>Annual report 2019</title><p>Figures</p>", URL)
    assert ok.outcome is Outcome.OK
    soft = classify_page(URL, 200, "<title>Ошибка 404</title><h1>Страница не найдена</h1>", URL)
    assert soft.outcome is Outcome.SOFT_404
    parked = classify_page(URL, 200, "<p>This domain is for sale! Buy this domain.</p>", URL)
    assert parked.outcome is Outcome.PARKED
    assert classify_page(URL, 404, "<title>Not Found</title>", URL).outcome is Outcome.NOT_FOUND
    root = classify_page(URL, 200, "<title>Home</title>", "https://www.gov.test/")
    assert root.outcome is Outcome.SOFT_404


@pytest.mark.parametrize(
    "title",
    [
        "Page not found",
        "404 - Category not found",
        "Error 404",
        "Страница не найдена",
        "Ошибка 404 — Министерство",
        "Page introuvable",
        "Seite nicht gefunden",
        "Página no encontrada",
        "Oops! That page can't be found.",
        "Error",
    ],
)
def test_not_found_titles(title: str) -> None:
    html = f"<title>{title}</title><p>Ministry of Education</p>"
    assert classify_page(URL, 200, html, URL).outcome is Outcome.SOFT_404


@pytest.mark.parametrize(
    "title",
    [
        "Annual report 2019",
        "How we handle 404 errors",
        "Error handling in public registers",
        "Доклад об ошибках в отчётности",
        "Страница 404 документа",
        "Not found: a study of lost links",
    ],
)
def test_titles_that_only_mention_errors(title: str) -> None:
    html = f"<title>{title}</title><p>Ministry of Education</p>"
    assert classify_page(URL, 200, html, URL).outcome is Outcome.OK


def test_body_text_mentioning_404_is_not_a_soft_404() -> None:
    html = (
        "<title>Regional register</title><h1>Register of organisations</h1>"
        "<p>Page not found errors (404) are reported to the webmaster.</p>"
    )
    assert classify_page(URL, 200, html, URL).outcome is Outcome.OK


def test_every_soft_404_pattern_passes_the_keyword_prefilter() -> None:
    from audit.check import signatures

    samples = {
        "en": [
            "Page not found",
            "404 Not Found",
            "Error 404",
            "404 error",
            "404",
            "The document cannot be found",
            "This page does not exist",
            "Page is missing",
            "No such page",
            "Nothing found",
            "We can't find that page",
            "Oops!",
        ],
        "ru": [
            "Страница не найдена",
            "Ошибка 404",
            "Страница не существует",
            "Документ не найден",
            "Не найдено",
            "Страница удалена",
        ],
        "fr": ["Page introuvable", "Page non trouvée", "Cette page n'existe pas"],
        "de": ["Seite nicht gefunden", "Seite existiert nicht"],
        "es": ["Página no encontrada", "No se pudo encontrar la página", "Esta página no existe"],
    }
    for lang, titles in samples.items():
        for title in titles:
            cues = signatures.soft404_cues(signatures.PageText(title, (), "", title.lower()))
            assert cues, (lang, title)
