"""Public Suffix List helpers, offline."""

from __future__ import annotations

import socket

import pytest

from audit.urls import host as host_module
from audit.urls import is_domain_like, public_suffix, registrable_domain


@pytest.mark.parametrize(
    "host",
    [
        "президент.рф",
        "ПРЕЗИДЕНТ.РФ",
        "sisters-help.ru",
        "www.viro.edu.ru",
        "x.дети",
        "xn--d1abbgf6aiiy.xn--p1ai",
        "example.com.",
        "github.io",
    ],
)
def test_domain_like(host: str) -> None:
    assert is_domain_like(host)


@pytest.mark.parametrize(
    "host",
    [
        "report.pdf",
        "3.5",
        "Art.242",
        "Art.",
        "No.",
        "localhost",
        "ru",
        "",
        ".",
        "a..ru",
        "www.персональные",
        "x y.ru",
        "1.2.3.4",
    ],
)
def test_not_domain_like(host: str) -> None:
    assert not is_domain_like(host)


def test_registrable_domain() -> None:
    # Private PSL entries on: edu.ru is a suffix (submitted by the .ru registry).
    assert registrable_domain("www.viro.edu.ru") == "viro.edu.ru"
    assert registrable_domain("www.podrostok.edu.yar.ru") == "yar.ru"
    assert registrable_domain("www.персональныеданные.дети") == "персональныеданные.дети"
    assert registrable_domain("WWW.Example.COM") == "example.com"
    assert registrable_domain("localhost") is None
    assert registrable_domain("report.pdf") is None
    assert public_suffix("www.viro.edu.ru") == "edu.ru"


def test_psl_is_never_downloaded(monkeypatch: pytest.MonkeyPatch) -> None:
    assert host_module._psl().suffix_list_urls == ()

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network use")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    fresh = host_module.make_psl()
    assert fresh("www.viro.edu.ru").suffix == "edu.ru"
