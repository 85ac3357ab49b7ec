"""The scanner's faster forms (issue 14) give what the patterns they stand for give."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from audit.extract import scan
from audit.extract.scan import _BODY, _INNER_SCHEME, _body_end, _cut_glued, _has_space

# URL-ish pieces: schemes inside tokens, www at odd places, escapes, white space
_PIECES = st.sampled_from(
    [
        *"ahtpswHTPSW0129./:=;,)]_-\\%#&~ \n\t\u00a0<»“^`\x01\x85\u2028",
        "http://",
        "HTTPS://",
        "www.",
        "WWW2.",
        "www123.",
        "ww.",
        "https:/",
        "\\_",
        "\\%",
        "\\x",
        "ſ",
        "İ",
        "é",
    ]
)
_TEXTS = st.lists(_PIECES, max_size=30).map("".join)


def _old_cut_glued(body: str) -> str:
    m = _INNER_SCHEME.search(body, 1)
    return body[: m.start()] if m else body


@settings(max_examples=1500, deadline=None)
@given(_TEXTS)
def test_cut_glued_equals_the_pattern_search(body: str) -> None:
    assert _cut_glued(body) == _old_cut_glued(body)


@settings(max_examples=1500, deadline=None)
@given(_TEXTS, st.integers(min_value=0, max_value=5))
def test_body_end_equals_the_body_pattern(text: str, pos: int) -> None:
    pos = min(pos, len(text))
    assert _body_end(text, pos) == _BODY.match(text, pos).end()  # type: ignore[union-attr]


def test_body_end_on_long_bodies() -> None:
    for text in ("a" * 9000, "a" * 8191 + "\\_" + "a" * 10, "\\_" * 9000, "a" * 100 + "\\x"):
        assert _body_end(text, 0) == _BODY.match(text, 0).end()  # type: ignore[union-attr]


@given(st.text(max_size=6))
def test_has_space_is_any_isspace(sep: str) -> None:
    assert _has_space(sep) == any(ch.isspace() for ch in sep)
    assert not _has_space(None)


def test_glued_addresses_still_split() -> None:
    spans = list(scan.scan("see http://a.ruhttp://b.ru and x.comwww.y.com", lambda h: True))
    assert [s.candidate for s in spans][:2] == ["http://a.ru", "http://b.ru"]
