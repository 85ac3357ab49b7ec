"""The fast path of `normalize` (audit/urls/fast.py) returns exactly what the full
pipeline returns, on every address the realdocs corpus cites and on generated ones."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from audit.urls import normalize
from audit.urls.fast import _CANONICAL, canonical
from audit.urls.normalize import normalize_full
from tests.extract._shared import SHARED

TRUTH = SHARED / "corpora" / "realdocs" / "docs" / "truth.json"
SEED = SHARED / "seeds" / "000_f9495035618270d1.txt"


def _realdocs_addresses() -> set[str]:
    """Every URL of the corpus's truth, its link anchors, and their tokens."""
    found: set[str] = set()
    for doc in json.loads(TRUTH.read_text(encoding="utf-8")).values():
        for url, entry in doc["urls"].items():
            found.add(url)
            found.add(entry.get("uri") or url)
            for anchor in entry.get("anchors", []):
                found.add(anchor)
                found.update(anchor.split())
    return found


def _same(text: str) -> bool:
    fast = canonical(text)
    return fast is None or fast == normalize_full(text)


def test_fast_path_equals_full_pipeline_on_realdocs() -> None:
    if not TRUTH.exists():
        pytest.skip(f"{TRUTH} is absent: the realdocs corpus lives beside the repository")
    addresses = sorted(_realdocs_addresses())
    if SEED.exists():
        addresses += SEED.read_text(encoding="utf-8").split()
    taken = [a for a in addresses if canonical(a) is not None]
    differ = [a for a in taken if canonical(a) != normalize_full(a)]
    assert differ == []
    # the comparison is not vacuous: most corpus URLs are canonical already
    assert len(taken) > 1000, len(taken)


@pytest.mark.parametrize(
    "text",
    [
        "https://www.who.int/publications/i/item/9789240045064",
        "http://example.org",
        "https://a-b.example.co.uk/x?q=1&r=2#top",
        "http://site1.example42.org/docs/77/p-1.html",
        "www.example.org",
        "www.viro.edu.ru/about/",
    ],
)
def test_canonical_addresses_take_the_fast_path(text: str) -> None:
    fast = canonical(text)
    assert fast is not None
    assert fast == normalize_full(text)


def test_a_schemeless_www_address_gets_http_added() -> None:
    fast = canonical("www.example.org/a")
    assert fast is not None
    assert fast.url == "http://www.example.org/a"
    assert [r.rule for r in fast.repairs] == ["scheme-added"]


@pytest.mark.parametrize(
    "text",
    [
        "HTTP://example.org/",  # scheme lower-cased: a repair
        "http://Example.org/",  # host lower-cased: a repair
        "http://xn--d1acpjx3f.xn--p1ai/",  # IDN: decoded for display
        "http://example.org:80/",  # default port removed
        "http://user@example.org/",  # userinfo
        "http://example.org/a/../b",  # dot segments
        "http://example.org/a/%2E%2e/b",  # escaped dot segments
        "http://example.org/a.",  # trailing punctuation
        "http://example.org/a?b=1&amp;c=2",  # an HTML entity
        "http://example.org/(a)",  # brackets: refanging and trimming look at them
        "http://foo.localhost/",  # warned about
        "http://-bad.example.org/",  # breaks the label rules
        "http://1.2.3.4/",  # an address, not a name
        "www.example.notatld/",  # no scheme and no public suffix: not an address
        "www.x.ru/a:https://y.ru/",  # a second address glued on
        "WWW.example.org/",  # host lower-cased
        "example.org/a",  # no scheme and no `www.`: the PSL and more decide
        " http://example.org/",  # white space trimmed
        "http://example.org/" + "a" * 16_384,  # too long to be one citation
    ],
)
def test_what_a_stage_would_change_takes_the_full_pipeline(text: str) -> None:
    assert canonical(text) is None
    assert normalize(text) == normalize_full(text)


# Pieces close to the canonical shape, and the ones that break it.
_SCHEMES = st.sampled_from(
    ["http://", "https://", "HTTPS://", "htp://", "http:/", "hxxp://", "", "", "www.", "WWW."]
)
_LABEL_PIECES = st.sampled_from(
    ["a", "b", "z", "0", "9", "-", "--", "xn--", "A", "_", "é", "р", "ex", "www", "co"]
)
_TAIL_PIECES = st.sampled_from(
    [
        *"abcXYZ019-._~/?=&+%,!$*:#;()[]{}'\"<> @\\|^`",
        "/",
        "/.",
        "/..",
        "/./",
        "%2e",
        "%2E",
        "%20",
        "%7e",
        "%C3%A9",
        ".html",
        "&amp;",
        "..",
        "…",
        "\u00ad",
        "\u200b",
        "é",
        "\n",
    ]
)
_TLDS = st.sampled_from(["org", "ru", "com", "co.uk", "localhost", "123", "0x1f", "x", "рф"])


@st.composite
def _near_canonical(draw: st.DrawFn) -> str:
    label = st.lists(_LABEL_PIECES, min_size=1, max_size=5).map("".join)
    labels = draw(st.lists(label, min_size=1, max_size=4))
    host = ".".join([*labels, draw(_TLDS)])
    port = draw(st.sampled_from(["", "", "", ":80", ":8080", ":"]))
    tail = "".join(draw(st.lists(_TAIL_PIECES, max_size=12)))
    return f"{draw(_SCHEMES)}{host}{port}{tail}"


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_near_canonical())
@example("https://a.org/b#c#d")
@example("https://a.org/%zz")
@example("https://a.org/b/.")
@example("https://" + "a" * 63 + ".org/")
@example("https://" + ("a" * 60 + ".") * 4 + "org/")
def test_fast_path_equals_full_pipeline_on_generated_addresses(text: str) -> None:
    assert _same(text), (canonical(text), normalize_full(text))


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.from_regex(_CANONICAL, fullmatch=True))
def test_fast_path_equals_full_pipeline_on_its_own_shape(text: str) -> None:
    # every string of the fast path's shape, its edges included (`/:`, `#?`, `%`)
    assert _same(text), (canonical(text), normalize_full(text))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_fast_path_equals_full_pipeline_on_any_text(text: str) -> None:
    assert _same(text)
