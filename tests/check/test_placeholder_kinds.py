"""More pages of each kind, written here in the shapes real ones take, served by a real server.

None of them is in the realweb corpus: they stand in for the held-out cases
(other registrars, hosters, walls, ISPs and languages) that decide whether the
rules generalise, and for the healthy pages that must stay ok.
"""

from __future__ import annotations

from audit.models import Outcome
from tests.check.conftest import check_all
from tests.servers.web import Reply, WebServer

FILLER = " ".join(f"section{i} of the regional programme for families" for i in range(300))

KINDS: dict[str, tuple[int, str, Outcome]] = {
    # parked
    "/nic-ru": (
        200,
        "<title>Домен example.ru зарегистрирован в RU-CENTER</title><p>Whois</p>",
        Outcome.PARKED,
    ),
    "/godaddy-free": (
        200,
        "<p>This Web page is parked for FREE, courtesy of GoDaddy.com.</p>",
        Outcome.PARKED,
    ),
    "/sedo": (
        200,
        "<title>example.org</title><script src='https://img.sedoparking.com/js/x.js'></script>",
        Outcome.PARKED,
    ),
    "/dan": (200, "<title>example.net is for sale | Dan.com</title>", Outcome.PARKED),
    "/geparkt": (200, "<p>Diese Domain ist geparkt beim Anbieter.</p>", Outcome.PARKED),
    # hosting stubs
    "/beget": (
        200,
        "<p>Домен не прилинкован ни к одной из директорий на сервере!</p>",
        Outcome.STUB,
    ),
    "/wix": (
        200,
        "<h1>Looks like this domain isn't connected to a website yet!</h1>",
        Outcome.STUB,
    ),
    "/plesk": (200, "<title>Domain Default page</title><p>Plesk</p>", Outcome.STUB),
    "/centos": (200, "<title>Apache HTTP Server Test Page powered by CentOS</title>", Outcome.STUB),
    "/shopify": (
        200,
        "<title>Store unavailable</title><p>Sorry, this shop is currently unavailable.</p>",
        Outcome.STUB,
    ),
    "/cpanel-default": (
        200,
        "<title>Default Web Site Page</title><p>If you are the owner of this website...</p>",
        Outcome.STUB,
    ),
    # walls
    "/ddos-guard": (403, "<title>DDoS-Guard</title><p>Checking your browser</p>", Outcome.BLOCKED),
    "/verifying": (
        200,
        "<title>Verifying you are human. This may take a few seconds.</title>",
        Outcome.BLOCKED,
    ),
    "/smartcaptcha": (
        200,
        "<title>Вы не робот?</title><script src='https://smartcaptcha.yandexcloud.net/captcha.js'>"
        "</script>",
        Outcome.BLOCKED,
    ),
    "/google": (
        200,
        "<p>Our systems have detected unusual traffic from your computer network.</p>",
        Outcome.BLOCKED,
    ),
    # block pages
    "/rostelecom": (
        200,
        "<title>Доступ ограничен</title><p>Доступ к ресурсу ограничен на основании "
        "Федерального закона от 27.07.2006 № 149-ФЗ.</p>",
        Outcome.BLOCKED,
    ),
    "/italy": (200, "<p>Il sito è stato inibito su provvedimento AGCOM.</p>", Outcome.BLOCKED),
    "/india": (
        200,
        "<p>This URL has been blocked under instructions of a competent Government Authority.</p>",
        Outcome.BLOCKED,
    ),
    # database down
    "/db-en": (
        200,
        "<h1>Error establishing database connection</h1>",
        Outcome.SERVER_ERROR,
    ),
    "/db-de": (
        200,
        "<h1>Fehler beim Aufbau einer Datenbankverbindung</h1>",
        Outcome.SERVER_ERROR,
    ),
    # healthy pages that stay ok
    "/parks": (
        200,
        f"<title>City parks</title><p>The park is parked with bikes. {FILLER}</p>",
        Outcome.OK,
    ),
    "/tickets": (200, "<title>Tickets available for purchase</title><p>Concert</p>", Outcome.OK),
    "/howto-404": (
        200,
        f"<title>How to make a 404 page not found template</title><p>{FILLER}</p>",
        Outcome.OK,
    ),
    "/ngo": (
        200,
        "<title>Helpline for families</title><p>Call us any day. We answer requests "
        "from parents and schools.</p>",
        Outcome.OK,
    ),
}


def test_more_pages_of_each_kind(web: WebServer) -> None:
    for path, (status, html, _) in KINDS.items():
        web.route(path, Reply(status, html))
    results = check_all([web.url(p) for p in KINDS])
    wrong = {
        path: (results[web.url(path)].classification.outcome, outcome)
        for path, (_, _, outcome) in KINDS.items()
        if results[web.url(path)].classification.outcome is not outcome
    }
    assert not wrong, wrong
