"""Each malformation of issue 3 / url-repair.md §2, as a named rule with a confidence."""

from __future__ import annotations

import pytest

from audit.models import Confidence, UrlKind
from audit.urls import KEY_VERSION, normalize, normalized_to_json

E, R, G = Confidence.EXACT, Confidence.REPAIRED, Confidence.GUESS

# (cited, url, rules that must appear, overall confidence)
CASES = [
    # schemes
    ("http: www.x.ru", "http://www.x.ru/", ["space-after-scheme"], R),
    ("http:\u00a0www.x.ru", "http://www.x.ru/", ["unicode-space", "space-after-scheme"], R),
    ("http//x.ru/page", "http://x.ru/page", ["scheme-colon-missing"], R),
    ("http:/x.ru", "http://x.ru/", ["scheme-slashes-fixed"], R),
    ("http:\\\\x.ru\\a", "http://x.ru/a", ["scheme-slashes-fixed", "backslash-as-slash"], R),
    ("http;//x.ru", "http://x.ru/", ["scheme-separator-fixed"], R),
    ("https:://x.ru", "https://x.ru/", ["scheme-separator-fixed"], R),
    ("htttp://x.ru", "http://x.ru/", ["scheme-typo"], R),
    ("htps://x.ru", "https://x.ru/", ["scheme-typo"], R),
    ("hxxp://x[.]ru/a", "http://x.ru/a", ["refanged"], R),
    ("http://http://x.ru/a", "http://x.ru/a", ["scheme-doubled"], R),
    ("http://https://x.ru/", "https://x.ru/", ["scheme-doubled"], R),
    ("HTTP://X.RU/A", "http://x.ru/A", ["scheme-lowercased", "host-lowercased"], E),
    ("https ://x.ru", "https://x.ru/", ["space-after-scheme"], R),
    ("www.x.ru", "http://www.x.ru/", ["scheme-added"], R),
    ("x.ru/path", "http://x.ru/path", ["scheme-added"], R),
    ("президент.рф", "http://xn--d1abbgf6aiiy.xn--p1ai/", ["scheme-added", "idna-encoded"], R),
    ("example.io", "http://example.io/", ["scheme-added"], G),
    ("//x.ru/a", "http://x.ru/a", ["scheme-added"], R),
    # characters
    ("http://x.ru/do\u00adc", "http://x.ru/doc", ["soft-hyphen-removed"], E),
    ("http://x.ru/\u200bpage", "http://x.ru/page", ["invisible-removed"], E),
    ("ｈｔｔｐ：／／ｘ．ｒｕ／ａ", "http://x.ru/a", ["fullwidth-mapped"], R),
    ("http://www.oﬃce.ru/ﬁle", "http://www.office.ru/file", ["ligature-expanded"], E),
    ("“http://x.ru/a”", "http://x.ru/a", ["wrapper-removed"], E),
    ("«http://x.ru/путь»", "http://x.ru/%D0%BF%D1%83%D1%82%D1%8C", ["wrapper-removed"], E),
    ("„http://x.ru/a“", "http://x.ru/a", ["wrapper-removed"], E),
    ("<http://x.ru/a>", "http://x.ru/a", ["wrapper-removed"], E),
    ("(see http://x.ru/a)", "http://x.ru/a", ["leading-text-removed"], R),
    ("(http://x.ru/a)", "http://x.ru/a", ["wrapper-removed"], E),
    ("http://x.ru/a.", "http://x.ru/a", ["trailing-punctuation"], E),
    ("http://x.ru/a);", "http://x.ru/a", ["trailing-punctuation"], E),
    (
        "https://en.wikipedia.org/wiki/Bracket_(disambiguation).",
        "https://en.wikipedia.org/wiki/Bracket_(disambiguation)",
        ["trailing-punctuation"],
        E,
    ),
    ("URL: http://x.ru/", "http://x.ru/", ["label-removed"], E),
    ("[сайт](http://x.ru/a_(b))", "http://x.ru/a_(b)", ["markup-removed"], E),
    ('<a href="http://x.ru/a">x</a>', "http://x.ru/a", ["markup-removed"], E),
    ("http://x.ru/a?b=1&amp;c=2", "http://x.ru/a?b=1&c=2", ["html-entity-unescaped"], R),
    (
        "http://www.example.com/some\npath/file.pdf",
        "http://www.example.com/somepath/file.pdf",
        ["control-removed"],
        E,
    ),
    (
        "http://www.example.com/some \npath/file.pdf",
        "http://www.example.com/somepath/file.pdf",
        ["line-break-joined"],
        R,
    ),
    (
        "http://www.cookedbits.co.uk/roma n/",
        "http://www.cookedbits.co.uk/roman/",
        ["path-space-joined"],
        G,
    ),
    ("http://x.ru/a (Department of Education)", "http://x.ru/a", ["trailing-text-removed"], R),
    ("http://a.ru, http://b.ru", "http://a.ru/", ["trailing-text-removed"], R),
    ("http://x.ru/a\n(Department of Education)", "http://x.ru/a", ["trailing-text-removed"], R),
    ("http://x.ru/a.\nThe next sentence", "http://x.ru/a", ["trailing-text-removed"], R),
    ("Sexual Violence http://x.ru/a.html", "http://x.ru/a.html", ["leading-text-removed"], R),
    ("http://x.ru/a-\nb", "http://x.ru/a-b", ["hyphen-at-line-break"], G),
    ("http://x.ru/very/long/...", "http://x.ru/very/long/", ["truncated"], G),
    ("http://x.ru /path", "http://x.ru/path", ["path-space-joined"], G),
    # hosts
    (
        "www.персональные данные.дети",
        "http://www.xn--80aalcbc2bocdadlpp9nfk.xn--d1acj3b/",
        ["host-space-joined", "idna-encoded"],
        G,
    ),
    ("http://example .ru/a", "http://example.ru/a", ["host-space-joined"], G),
    ("http://www.sledcom. ru/", "http://www.sledcom.ru/", ["host-space-joined"], G),
    ("http://www.ros stat.gov.ru/", "http://www.rosstat.gov.ru/", ["host-space-joined"], G),
    (
        "http://ПРЕЗИДЕНТ.РФ/Путь",
        "http://xn--d1abbgf6aiiy.xn--p1ai/%D0%9F%D1%83%D1%82%D1%8C",
        ["idna-encoded"],
        E,
    ),
    ("http://x.ru./a", "http://x.ru/a", ["trailing-dot-removed"], E),
    ("http://www..x.ru/", "http://www.x.ru/", ["dots-collapsed"], R),
    ("http://one\u2010two.ru/", "http://one-two.ru/", ["dash-normalised"], R),
    ("http://x.ru:80/", "http://x.ru/", ["default-port-removed"], E),
    ("https://x.ru:443/", "https://x.ru/", ["default-port-removed"], E),
    ("https://x.ru:8443/", "https://x.ru:8443/", [], E),
    # paths and queries
    ("http://x.ru/a/./b/../c", "http://x.ru/a/c", [], E),
    (
        "http://x.ru/Путь/файл.pdf?q=ж",
        "http://x.ru/%D0%9F%D1%83%D1%82%D1%8C/%D1%84%D0%B0%D0%B9%D0%BB.pdf?q=%D0%B6",
        [],
        E,
    ),
    ("http://x.ru/%7euser/%e2%82%ac", "http://x.ru/%7euser/%e2%82%ac", [], E),
]


@pytest.mark.parametrize(("cited", "url", "rules", "confidence"), CASES)
def test_rule(cited: str, url: str, rules: list[str], confidence: Confidence) -> None:
    n = normalize(cited)
    applied = [r.rule for r in n.repairs]
    assert n.url == url, (n.error, applied)
    for rule in rules:
        assert rule in applied
    assert n.confidence == confidence, applied
    assert n.error is None
    assert all(r.detail for r in n.repairs)


def test_refanged_is_flagged() -> None:
    n = normalize("hxxps://evil[.]example.com/x")
    assert n.url == "https://evil.example.com/x"
    assert "refanged: do not fetch blindly" in n.warnings


def test_mixed_script_warned() -> None:
    n = normalize("http://exаmple.com/")  # Cyrillic а
    assert n.url == "http://xn--exmple-4nf.com/"
    assert any(w.startswith("mixed-script host") for w in n.warnings)
    assert normalize("http://www.example.ru/").warnings == ()
    # The single-script reading is offered for verification (H7).
    assert n.alternatives == ("http://example.com/",)
    rf = normalize("http://пpезидент.рф/")  # Latin p
    assert rf.alternatives == ("http://xn--d1abbgf6aiiy.xn--p1ai/",)


def test_key_uses_rfc3986_equivalence_only() -> None:
    a = normalize("HTTP://EXAMPLE.com:80/%7Esmith/home.html")
    b = normalize("http://example.com/~smith/home.html")
    c = normalize("http://EXAMPLE.com:/%7esmith/home.html#top")
    assert a.key == b.key == c.key == f"{KEY_VERSION}:http://example.com/~smith/home.html"
    assert a.url == "http://example.com/%7Esmith/home.html"  # the request keeps the escape
    # Not equivalent: www., trailing slash, query order, empty query, scheme.
    keys = {
        normalize(u).key
        for u in (
            "http://example.com/a",
            "http://www.example.com/a",
            "http://example.com/a/",
            "http://example.com/a?#f",
            "https://example.com/a",
            "http://example.com/a?x=1&y=2",
            "http://example.com/a?y=2&x=1",
            "http://example.com/a%2Fb",
            "http://example.com/a/b",
        )
    }
    assert len(keys) == 9


@pytest.mark.parametrize(
    ("cited", "url", "kind"),
    [
        ("info@x.ru", "mailto:info@x.ru", UrlKind.EMAIL),
        ("e-mail: info@edu-penzaa.ru.", "mailto:info@edu-penzaa.ru", UrlKind.EMAIL),
        (
            "mailto:Info@Президент.РФ?subject=a",
            "mailto:Info@xn--d1abbgf6aiiy.xn--p1ai?subject=a",
            UrlKind.EMAIL,
        ),
        ("http://info@example.ru", "mailto:info@example.ru", UrlKind.EMAIL),
        ("Иванов И.И. <info@x.ru>", "mailto:info@x.ru", UrlKind.EMAIL),
        ("ftp://ftp.x.ru/pub/", "ftp://ftp.x.ru/pub/", UrlKind.OTHER_SCHEME),
        ("FTP://ftp.x.ru:21/pub/", "ftp://ftp.x.ru/pub/", UrlKind.OTHER_SCHEME),
        ("tel:+7 495 123-45-67", "tel:+7495123-45-67", UrlKind.OTHER_SCHEME),
        (
            "doi:10.1182/blood-2010-10-311704",
            "https://doi.org/10.1182/blood-2010-10-311704",
            UrlKind.WEB,
        ),
    ],
)
def test_other_kinds(cited: str, url: str, kind: UrlKind) -> None:
    n = normalize(cited)
    assert (n.url, n.kind, n.error) == (url, kind, None)
    assert n.key is not None and n.key.startswith(f"{KEY_VERSION}:")


@pytest.mark.parametrize(
    ("cited", "reason"),
    [
        ("report.pdf", "public suffix"),
        ("readme.md", "file name"),
        ("Art. 242", "not a domain"),
        ("No. 2471-r", "not a domain"),
        ("3.5", "number"),
        ("", "empty"),
        ("   ", "empty"),
        ("http://x.ru/" + "a" * 20_000, "longer than"),
        ("foo@bar", "public suffix"),
        ("http://a b/", "space"),
    ],
)
def test_not_a_url(cited: str, reason: str) -> None:
    n = normalize(cited)
    assert (n.url, n.display, n.key, n.kind) == (None, None, None, UrlKind.NOT_A_URL)
    assert n.error is not None and reason in n.error


def test_javascript_refused() -> None:
    n = normalize("javascript:alert(1)")
    assert n.url is None and n.kind == UrlKind.OTHER_SCHEME
    assert n.error is not None and "refused" in n.error


def test_json_contract() -> None:
    data = normalized_to_json(normalize("http: www.viro.edu.ru"))
    assert data == {
        "input": "http: www.viro.edu.ru",
        "url": "http://www.viro.edu.ru/",
        "display": "http://www.viro.edu.ru/",
        "key": "k1:http://www.viro.edu.ru/",
        "repairs": [{"rule": "space-after-scheme", "detail": data["repairs"][0]["detail"]}],  # type: ignore[index]
        "confidence": "repaired",
        "warnings": [],
        "kind": "web",
        "error": None,
    }
    bad = normalized_to_json(normalize("report.pdf"))
    assert (bad["url"], bad["kind"]) == (None, "not-a-url") and bad["error"]


def test_alternatives_name_the_other_readings() -> None:
    # C-class choices carry their other readings for DNS/HTTP verification.
    split = normalize("www.персональные данные.дети")
    assert split.alternatives == ("http://xn--80ahe5aa8f.xn--d1acj3b/",)  # данные.дети
    hyphen = normalize("http://x.ru/operations-and-\ndisinformation")
    assert hyphen.url == "http://x.ru/operations-and-disinformation"
    assert hyphen.alternatives == ("http://x.ru/operations-anddisinformation",)
    assert normalize("http://www.x.ru/a").alternatives == ()
    assert "alternatives" not in normalized_to_json(split)  # not in the JSON contract
