"""Fingerprints are stored and compared across runs: their values must not change."""

from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from audit.check.fingerprint import (
    _MAX_TOKENS,
    _PARSER,
    _PUNCT,
    decode,
    fingerprint,
    page_text,
    read_page,
    simhash,
    similarity,
)


def reference_simhash(text: str) -> int:
    """Charikar's simhash spelled out: bit b is set when most distinct words' hashes have it."""
    tokens = set(text[:200_000].lower().translate(_PUNCT).split())
    if not tokens:
        return 0
    if len(tokens) > _MAX_TOKENS:
        tokens = set(sorted(tokens)[:_MAX_TOKENS])
    hashes = [
        int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "little")
        for t in tokens
    ]
    value = 0
    for bit in range(64):
        if sum(h >> bit & 1 for h in hashes) > len(tokens) / 2:
            value |= 1 << bit
    return value


def test_simhash_values_are_pinned() -> None:
    # Stored in every past observation (drift is judged against them): never change.
    assert simhash("Page not found. The page you asked for does not exist.") == (
        1096105978774013822
    )
    assert simhash("Годовой отчёт министерства образования 2019") == 9452150704945523566
    assert simhash("") == simhash(" ,. ") == 0


@settings(max_examples=300)
@given(st.lists(st.sampled_from(["a", "b", "дом", "404", "x-y", "Page", "z9", "é"]), max_size=60))
def test_simhash_is_charikars(words: list[str]) -> None:
    text = " ".join(words)
    assert simhash(text) == reference_simhash(text)


def test_simhash_of_many_distinct_words() -> None:
    text = " ".join(f"w{i}" for i in range(_MAX_TOKENS + 500))
    assert simhash(text) == reference_simhash(text)
    odd = " ".join(f"w{i}" for i in range(101))  # half a count is not a majority
    assert simhash(odd) == reference_simhash(odd)


def test_similar_pages_have_similar_simhashes() -> None:
    words = [f"word{i}" for i in range(200)]
    base = simhash(" ".join(words))
    assert similarity(base, simhash(" ".join([*words, "one", "more"]))) >= 0.9
    assert similarity(base, simhash(" ".join(f"other{i}" for i in range(200)))) < 0.8


def test_page_text_title_headings_and_visible_text() -> None:
    markup = (
        "<html><head><title> Annual <b>report</b>\n 2019 </title><style>p{}</style></head>"
        "<body><h1>One<script>var x;</script> two</h1><h2> </h2><h3>t<!-- c -->u</h3>"
        "<noscript>enable js</noscript><p>Text &amp; more</p></body></html>"
    )
    page = page_text(markup)
    root = etree.fromstring(markup.encode(), _PARSER)
    # the same strings as XPath's string() of each element, whitespace collapsed
    assert page.title == " ".join(root.find(".//title").xpath("string()").split())
    assert page.title == "Annual <b>report</b> 2019"  # <title> holds text only
    assert page.headings == ("Onevar x; two", "tu")
    assert page.text == "One two tu Text & more"


def test_page_text_keeps_ten_headings() -> None:
    page = page_text("".join(f"<h2>h{i}</h2>" for i in range(15)))
    assert page.headings == tuple(f"h{i}" for i in range(10))


def test_small_pages_seen_again_are_not_read_again() -> None:
    body = b"<html><head><title>Not here</title></head><body><h1>404</h1>Gone.</body></html>"
    first = read_page(body, "text/html; charset=utf-8")
    assert read_page(bytes(body), "text/html; charset=utf-8") is first  # remembered
    assert first == page_text(decode(body, "text/html; charset=utf-8"))
    assert read_page(body, "text/html; charset=cp1251") == first  # same text, own entry
    a, b = fingerprint("http://a/x", first), fingerprint("http://b/y", first)
    assert (a.final_url, b.final_url) == ("http://a/x", "http://b/y")
    assert a.text_hash == b.text_hash == hashlib.sha256(b"404 Gone.").hexdigest()
    assert a.simhash == simhash(first.text) and a.length == len("404 Gone.")


def test_large_pages_are_read_every_time() -> None:
    body = b"<p>" + b"word " * 10_000 + b"</p>"
    assert read_page(body, None) is not read_page(body, None)
    assert read_page(body, None) == page_text(decode(body, None))


def test_words_are_split_alike_in_any_script() -> None:
    # simhash splits non-ASCII text with a regex: the same words as translate + split
    from audit.check.fingerprint import _words

    every = " x ".join(chr(i) for i in range(0x30000) if not 0xD800 <= i < 0xE000)
    assert _words(every.lower()) == set(every.lower().translate(_PUNCT).split())
    assert simhash("Годовой отчёт — «министерства» образования… 2019") == reference_simhash(
        "Годовой отчёт — «министерства» образования… 2019"
    )
