"""Parked and hosting placeholders, bot walls, block pages and database errors, on real servers.

The pages are written here (never copied from a corpus), in the shapes such
pages take: tiny, a title and a sentence, a link or logo of the provider.
"""

from __future__ import annotations

import pytest

from audit.check import classify_page, parse_resolve
from audit.check.settings import ResolveRule
from audit.check.sigdata import fold, parse
from audit.models import Outcome
from tests.check.conftest import check_all, settings
from tests.servers.web import Reply, WebServer

URL = "http://www.org.test/docs/report.html"
ARTICLE_WORDS = " ".join(f"paragraph{i} about regional policy and its results" for i in range(400))


def _article(title: str, sentence: str) -> str:
    """A long, healthy article that merely discusses a placeholder or an error."""
    return f"<title>{title}</title><h1>{title}</h1><p>{sentence}</p><p>{ARTICLE_WORDS}</p>"


PAGES: dict[str, tuple[str, Outcome, str]] = {
    # path: (html, outcome, a word the evidence must contain)
    "/sale": (
        "<title>oldportal.org is for sale</title><p>Make an offer today.</p>",
        Outcome.PARKED,
        "for sale",
    ),
    "/expired": (
        "<p>Срок регистрации домена oldportal.ru истёк. Продлить?</p>",
        Outcome.PARKED,
        "expired",
    ),
    "/registrar": (
        "<title>Domena portal.pl została zarejestrowana w serwisie Domeny24</title>",
        Outcome.PARKED,
        "registrar",
    ),
    "/lander": (
        "<title>portal.info</title><script src='https://www.bodis.com/js/park.js'></script>",
        Outcome.PARKED,
        "parking service",
    ),
    "/logo": (
        "<title>portal.info</title><p>This domain is managed by us.</p>"
        "<img src='https://cdn.reg.test/themes/parking/logo.png'>",
        Outcome.PARKED,
        "registrar logo",
    ),
    "/suspended": (
        "<title>Ce compte a été suspendu</title><p>Contactez votre hébergeur.</p>",
        Outcome.STUB,
        "suspended",
    ),
    "/unpaid": (
        "<title>Hosting</title><p>Срок оплаты услуг хостинга истёк, сайт отключён.</p>",
        Outcome.STUB,
        "unpaid",
    ),
    "/no-site": (
        "<title>Beget</title><h1>Домен не прилинкован к директории на сервере</h1>",
        Outcome.STUB,
        "not configured",
    ),
    "/default": (
        "<title>Welcome to OpenResty!</title><p>Further configuration is required.</p>",
        Outcome.STUB,
        "default server page",
    ),
    "/paas": (
        "<title>Your web app is up and running</title><p>Deploy your code.</p>",
        Outcome.STUB,
        "default server page",
    ),
    "/captcha": (
        "<title>Проверка</title><p>Мы заметили, что запросы с вашего адреса похожи на "
        "автоматические.</p><form action='/checkcaptcha'><img src='/captcha/img.png'></form>",
        Outcome.BLOCKED,
        "bot wall",
    ),
    "/court": (
        "<title>Uwaga</title><p>Dostęp do strony został zablokowany na mocy ustawy 2016/1234 "
        "i decyzji sądu (court order).</p>",
        Outcome.BLOCKED,
        "legal block",
    ),
    "/isp": (
        "<title>Notice</title><p>This website has been blocked by order of the regulator.</p>",
        Outcome.BLOCKED,
        "legal block",
    ),
    "/sucuri": (
        "<title>Loading</title><p>One moment.</p>",
        Outcome.BLOCKED,
        "bot wall",
    ),
    "/db": (
        "<title>Database Error</title><h1>Error establishing a database connection</h1>",
        Outcome.SERVER_ERROR,
        "database",
    ),
    "/db-ru": (
        "<title>Ошибка соединения с базой данных</title>",
        Outcome.SERVER_ERROR,
        "database",
    ),
    # Healthy pages that only talk about these things stay ok.
    "/talk-suspended": (
        _article("Why hosting accounts get suspended", "An account suspended by the host..."),
        Outcome.OK,
        "HTTP 200",
    ),
    "/talk-blocked": (
        _article("Court order: site blocked", "The website has been blocked by court order."),
        Outcome.OK,
        "HTTP 200",
    ),
    "/talk-404": (
        _article("What a 404 page not found means", "Error establishing a database connection"),
        Outcome.OK,
        "HTTP 200",
    ),
    "/talk-domain": (
        _article("Our new domain", "The old domain is for sale; this domain has expired."),
        Outcome.OK,
        "HTTP 200",
    ),
}


def test_placeholders_walls_and_block_pages_on_a_real_server(web: WebServer) -> None:
    for path, (html, _, _) in PAGES.items():
        headers = [("X-Sucuri-Block", "BB001")] if path == "/sucuri" else []
        web.route(path, Reply(200, html, headers=headers))
    results = check_all([web.url(p) for p in PAGES])
    for path, (_, outcome, word) in PAGES.items():
        got = results[web.url(path)].classification
        assert got.outcome is outcome, (path, got)
        assert word in got.evidence[0], (path, got.evidence)


def test_a_wall_answering_every_path_alike_is_blocked_not_a_soft_404(web: WebServer) -> None:
    wall = "<title>Request Rejected</title><p>The requested URL was rejected.</p>"
    block = "<title>Error 451</title><p>Blocked by decision of the authorities.</p>"
    web.route("/a/report.html", Reply(200, wall), host="wall.test")
    web.route("/a/page.html", Reply(404, block), host="lj.test")
    to_captcha = Reply(302, headers=[("Location", "/showcaptcha?r=1")])
    web.route("/a/doc.html", to_captcha, host="cap.test")
    web.route("/showcaptcha", Reply(200, "<title>Oops</title><p>Hi</p>"), host="cap.test")
    web.fallback(lambda req: Reply(200, wall) if req.host == "wall.test" else Reply(404, block))
    urls = [
        web.url("/a/report.html", host="wall.test"),
        web.url("/a/page.html", host="lj.test"),
        web.url("/a/doc.html", host="cap.test"),
    ]
    s = settings(sibling_probe=True, resolve=_resolve(web, "wall.test", "lj.test", "cap.test"))
    results = check_all(urls, s)
    walled = results[urls[0]]
    assert walled.observation.sibling_similarity == 1.0  # the sibling got the same page ...
    assert walled.classification.outcome is Outcome.BLOCKED  # ... and it is still a wall
    assert any("same page" in e for e in walled.classification.evidence)
    legal = results[urls[1]].classification
    assert legal.outcome is Outcome.BLOCKED
    assert legal.evidence[0].startswith("legal block:")
    assert "HTTP 404" in legal.evidence[0]
    captcha = results[urls[2]].classification
    assert captcha.outcome is Outcome.BLOCKED
    assert "showcaptcha" in captcha.evidence[0]


def test_a_451_is_a_legal_block(web: WebServer) -> None:
    web.route("/x", Reply(451, "<title>Unavailable</title>"))
    got = check_all([web.url("/x")])[web.url("/x")].classification
    assert got.outcome is Outcome.BLOCKED
    assert got.evidence[0].startswith("legal block: HTTP 451")


def test_a_real_404_with_an_ordinary_page_stays_not_found(web: WebServer) -> None:
    web.route("/gone", Reply(404, "<title>404 Not Found</title><h1>Not Found</h1>"))
    assert check_all([web.url("/gone")])[web.url("/gone")].classification.outcome is (
        Outcome.NOT_FOUND
    )


def _resolve(web: WebServer, *hosts: str) -> tuple[ResolveRule, ...]:
    return tuple(parse_resolve(f"{h}:{web.port}:127.0.0.1") for h in hosts)


def test_fold_matches_transliterated_text() -> None:
    assert fold("Błąd  połączenia z bazą") == "blad polaczenia z baza"
    assert fold("Сайт не существует") == "саит не существует"  # й folds as ё and é do
    assert fold("Μη δυνατή\nπρόσβαση") == "μη δυνατη προσβαση"


def test_signature_file_errors_name_the_rule() -> None:
    with pytest.raises(ValueError, match="rule 1"):
        parse('[[rule]]\nfamily = "nope"\nkind = "x"\nwhere = ["head"]\npatterns = ["a"]\n')
    with pytest.raises(ValueError, match="rule 1"):
        parse('[[rule]]\nfamily = "stub"\nkind = "x"\nwhere = ["head"]\npatterns = ["("]\n')


def test_every_rule_names_its_source_and_is_written_in_folded_lower_case() -> None:
    import re

    from audit.check.sigdata import load

    rules = load().rules
    assert len(rules) >= 15
    assert all(r.source.strip() for r in rules)
    for rule in rules:
        # Matched without IGNORECASE against folded text: an upper-case letter never matches.
        letters = re.sub(r"\\.", "", rule.pattern.pattern)
        assert letters == letters.lower(), (rule.kind, rule.pattern.pattern[:60])
        assert all(k == fold(k) for k in rule.keys), rule.kind


def test_rules_on_long_texts_need_keys() -> None:
    with pytest.raises(ValueError, match="need keys"):
        parse(
            '[[rule]]\nfamily = "stub"\nkind = "x"\nwhere = ["text"]\npatterns = ["a"]\n'
            'source = "s"\n'
        )


@pytest.mark.parametrize(
    ("status", "html", "outcome"),
    [
        (200, "<title>Suspended Domain</title><p>This account has been suspended.</p>", "stub"),
        (200, "<title>Strona</title><p>Konto zostało zawieszone.</p>", "stub"),
        (200, "<title>It works!</title>", "stub"),
        (503, "<title>Just a moment...</title>", "blocked"),
        (200, "<title>Attention Required! | Cloudflare</title><p>One more step</p>", "blocked"),
        (404, "<title>Access denied</title>", "blocked"),
        (200, "<title>Annual report</title><p>Account of the year</p>", "ok"),
        (200, "<title>Our trademark registered with WIPO</title><p>News</p>", "ok"),
        (
            200,  # Cloudflare's script on an ordinary small page is not a wall
            "<title>Shelter</title><p>Help line</p><script>a.src='/cdn-cgi/challenge-platform/"
            "h/b/scripts/jsd/main.js'</script>",
            "ok",
        ),
        (200, "<title>API</title><p>Requests are processed automatically.</p>", "ok"),
        (200, "<title>Parks</title><p>Our domain: nature.</p><img src='/img/park.jpg'>", "ok"),
    ],
)
def test_classify_page_sees_the_same_cues(status: int, html: str, outcome: str) -> None:
    assert classify_page(URL, status, html, URL).outcome.value == outcome


def test_stub_is_a_dead_kind_and_blocked_never_is() -> None:
    from audit.judge import DEAD_KINDS

    assert Outcome.STUB in DEAD_KINDS
    assert Outcome.PARKED in DEAD_KINDS
    assert Outcome.BLOCKED not in DEAD_KINDS


def test_a_protected_sites_ordinary_page_stays_ok(web: WebServer) -> None:
    # Imperva and Sucuri tag every answer of the sites they protect, not only refusals.
    headers = [
        ("X-Iinfo", "10-43808461-0 0NNN RT(1)"),
        ("X-Sucuri-ID", "11014"),
        ("X-CDN", "Imperva"),
    ]
    web.route("/home", Reply(200, "<title>Shelter</title><p>Help line, every day.</p>", headers))
    got = check_all([web.url("/home")])[web.url("/home")].classification
    assert got.outcome is Outcome.OK, got


def test_a_not_found_title_on_an_article_is_discussion_but_a_big_cms_404_is_caught(
    web: WebServer,
) -> None:
    menus = " ".join(f"menu{i} catalogue news contacts" for i in range(250))  # > 5,000 chars
    cms_404 = (
        "<html><head><title>Страница не найдена</title></head>"
        f"<body><div>{menus}</div><p>Ошибка 404</p></body></html>"
    )
    article = _article("Page not found errors, explained", "Why servers answer 404.")
    web.route("/blog/404-explained", Reply(200, article), host="blog.test")
    web.fallback(lambda req: Reply(200, cms_404) if req.host == "cms.test" else Reply(404, ""))
    urls = [web.url("/blog/404-explained", host="blog.test"), web.url("/a/b", host="cms.test")]
    s = settings(sibling_probe=True, resolve=_resolve(web, "blog.test", "cms.test"))
    results = check_all(urls, s)
    talk = results[urls[0]].classification
    assert talk.outcome is Outcome.OK, talk
    assert any("mentions not-found" in e for e in talk.evidence)
    cms = results[urls[1]].classification
    assert cms.outcome is Outcome.SOFT_404, cms
    assert "random URL" in cms.evidence[0]
