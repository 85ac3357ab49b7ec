"""RFC 3986 §6 key normalisation of paths and queries."""

from __future__ import annotations

import pytest

from audit.urls.keys import KEY_VERSION, opaque_key, web_key
from audit.urls.path import normalize_escapes, normalize_path, remove_dot_segments


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # RFC 3986 §5.2.4 and §5.4.2 examples (absolute paths).
        ("/a/b/c/./../../g", "/a/g"),
        ("/b/c/./g", "/b/c/g"),
        ("/b/c/../g", "/b/g"),
        ("/b/c/.", "/b/c/"),
        ("/b/c/..", "/b/"),
        ("/../g", "/g"),
        ("/./g", "/g"),
        ("/g.", "/g."),
        ("/.g", "/.g"),
        ("/g..", "/g.."),
        ("/..g", "/..g"),
        ("/b/c/g;x=1/../y", "/b/c/y"),
        ("//a//../b", "//a/b"),
        ("/", "/"),
    ],
)
def test_remove_dot_segments(path: str, expected: str) -> None:
    assert remove_dot_segments(path) == expected


def test_escapes() -> None:
    # §6.2.2.1 upper-case hex; §6.2.2.2 decode unreserved only.
    assert normalize_escapes("%7e%41%2d%2E%5F") == "~A-._"
    assert normalize_escapes("%2f%3f%26%25%e2%82%ac") == "%2F%3F%26%25%E2%82%AC"
    assert normalize_escapes("100%") == "100%"
    assert normalize_path("/a/%2E%2E/b") == "/b"  # decoded dots are dot segments
    assert normalize_path("") == "/"


def test_keys() -> None:
    key = web_key("http", userinfo="", host="x.ru", port="", path="/%7ea", query="?q=%7e")
    assert key == f"{KEY_VERSION}:http://x.ru/~a?q=~"
    assert web_key("https", userinfo="u", host="x.ru", port="8443", path="", query="?").endswith(
        "u@x.ru:8443/?"
    )
    assert opaque_key("mailto:a@x.ru#frag") == f"{KEY_VERSION}:mailto:a@x.ru"
