"""Regression guards for the pitfalls observed in popular libraries (url-repair.md §7)."""

from __future__ import annotations

from pathlib import Path

from audit.models import UrlKind
from audit.urls import host_to_ascii, normalize


def test_idna_2008_not_2003() -> None:
    # IDNA 2003 (Python's built-in codec) maps ß to ss.
    assert normalize("faß.de").url == "http://xn--fa-hia.de/"
    assert host_to_ascii("faß.de") == "xn--fa-hia.de"
    assert normalize("https://straße.de/").url == "https://xn--strae-oqa.de/"


def test_no_builtin_idna_codec_in_the_source() -> None:
    source = Path(__file__).resolve().parents[2] / "audit" / "urls"
    for path in source.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert '"idna")' not in text and "'idna')" not in text, path


def test_host_with_a_space_is_never_encoded() -> None:
    for cited in ("http://www.персональные данные.рф.example/", "http://a b/", "https://x x:12"):
        n = normalize(cited)
        assert n.url is None or " " not in n.url
        assert n.url is None or "xn-- " not in n.url
    assert host_to_ascii("персональные данные.дети") is None


def test_percent_2f_stays() -> None:
    n = normalize("http://example.com/a%2fb%2Fc")
    assert n.url == "http://example.com/a%2fb%2Fc"
    assert n.key == "k1:http://example.com/a%2Fb%2Fc"


def test_double_slashes_kept() -> None:
    n = normalize("http://example.com/a%2fb//c/")
    assert n.url == "http://example.com/a%2fb//c/"
    assert n.key is not None and n.key.endswith("//c/")


def test_non_default_port_kept() -> None:
    assert normalize("http://x:443").url == "http://x:443/"
    assert normalize("http://example.com.:443/").url == "http://example.com:443/"
    assert normalize("https://example.com:443/").url == "https://example.com/"


def test_hashbang_not_rewritten() -> None:
    n = normalize("http://example.com/#!/route")
    assert n.url == "http://example.com/#!/route"
    assert n.key == "k1:http://example.com/"  # the fragment is never sent
    assert "_escaped_fragment_" not in str(n)


def test_soft_hyphen_in_path_removed_before_encoding() -> None:
    n = normalize("http://exa\u00admple.ru/doc\u00adument")
    assert n.url == "http://example.ru/document"
    assert "%C2%AD" not in (n.url or "")
    assert [r.rule for r in n.repairs] == ["soft-hyphen-removed"]


def test_query_order_www_and_trailing_slash_kept() -> None:
    n = normalize("http://www.x.ru/a/?b=2&a=1")
    assert n.url == "http://www.x.ru/a/?b=2&a=1"
    assert n.key == "k1:http://www.x.ru/a/?b=2&a=1"


def test_ascii_labels_browsers_accept() -> None:
    # The idna package rejects `_` and `--`; browsers accept them.
    assert normalize("http://edu_yar.ru/").url == "http://edu_yar.ru/"
    assert normalize("http://r3---sn-abc.googlevideo.com/").kind == UrlKind.WEB


def test_symbols_browsers_accept_are_flagged() -> None:
    # UTS 46 keeps `☃`; IDNA 2008 disallows it (kjd/idna#40): accepted as
    # browsers do, with a warning.  `⩴` maps to `::=`, which no host may hold.
    n = normalize("https://%e2%98%83")
    assert n.url == "https://xn--n3h/"
    assert any("symbols" in w for w in n.warnings)
    assert host_to_ascii("www.lookout.net⩴80") is None
