"""Redirect targets as browsers read them: raw UTF-8 in Location, and unusable targets."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from audit.check.errors import LinkFailure
from audit.check.location import decode_location, redirect_target
from audit.models import ErrorKind, Outcome
from tests.check.conftest import check_all, settings
from tests.servers.dns import dns_server
from tests.servers.web import Reply, WebServer

PAGE = Reply(200, "<title>Страница</title><p>" + "слова " * 40)


def raw(text: str) -> str:
    """`text` as raw UTF-8 bytes on the wire (the test server writes headers as Latin-1)."""
    return text.encode("utf-8").decode("latin-1")


def test_raw_utf8_path_in_location_is_requested_once_encoded(web: WebServer) -> None:
    web.route("/old", Reply(301, headers=[("Location", raw("/новости/страница?q=я"))]))
    web.route(quote("/новости/страница"), PAGE)
    result = check_all([web.url("/old")])[web.url("/old")]
    assert result.classification.outcome is Outcome.REDIRECTED, result.classification
    assert result.observation.final_url == web.url(quote("/новости/страница") + "?q=%D1%8F")
    assert web.hits(quote("/новости/страница")) == 1
    assert result.observation.redirects[0].location == "/новости/страница?q=я"  # readable


def test_location_bytes_that_are_not_utf8_are_sent_as_they_came(web: WebServer) -> None:
    cp1251 = "/статья".encode("cp1251").decode("latin-1")
    web.route("/old", Reply(302, headers=[("Location", cp1251)]))
    web.route(quote("/статья", encoding="cp1251"), PAGE)
    result = check_all([web.url("/old")])[web.url("/old")]
    assert result.classification.outcome is Outcome.REDIRECTED, result.classification


def test_raw_utf8_idn_host_in_location_is_resolved_by_its_punycode(web: WebServer) -> None:
    web.route(
        "/old", Reply(302, headers=[("Location", raw(f"http://пример.test:{web.port}/добро"))])
    )
    web.route(quote("/добро"), PAGE, host="xn--e1afmkfd.test")
    with dns_server({"xn--e1afmkfd.test": "127.0.0.1", "start.test": "127.0.0.1"}) as dns:
        url = f"http://start.test:{web.port}/old"
        result = check_all([url], settings(dns_server=dns.dns_server))[url]
        asked = dns.queries()
    assert result.classification.outcome is Outcome.REDIRECTED, result.classification
    assert result.observation.final_url == f"http://xn--e1afmkfd.test:{web.port}{quote('/добро')}"
    assert "xn--e1afmkfd.test" in asked


@pytest.mark.parametrize("location", ["http://[::1", "http://[::1]:99999/", "http://a b.test/"])
def test_unusable_redirect_target_is_the_servers_error_not_a_dead_link(
    web: WebServer, location: str
) -> None:
    web.route("/old", Reply(302, headers=[("Location", location)]))
    result = check_all([web.url("/old")])[web.url("/old")]
    assert result.observation.error is ErrorKind.INVALID_REDIRECT, result.observation
    assert result.classification.outcome is Outcome.SERVER_ERROR  # transient, never dead
    assert result.observation.redirects[0].location == location


def test_decode_location() -> None:
    assert decode_location(raw("/путь")) == "/путь"
    assert decode_location("/a b\t") == "/a%20b"
    assert decode_location("/\xef") == "/%EF"  # one byte that is not UTF-8
    assert redirect_target("http://a.test/x/y", "../z") == "http://a.test/z"
    assert redirect_target("http://a.test/", raw("http://Пример.TEST/")) == (
        "http://xn--e1afmkfd.test/"
    )
    # Only a browser's repairs: a citation repair would change the target.
    assert redirect_target("http://a.test/", "/page.") == "http://a.test/page."
    with pytest.raises(LinkFailure) as caught:
        redirect_target("http://a.test/", "http://[::1")
    assert caught.value.kind is ErrorKind.INVALID_REDIRECT
