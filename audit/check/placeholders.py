"""Placeholder, wall and block-page cues of one answer, from the rules of signatures.toml.

Pure. Structure decides where a rule may look: placeholders, walls and block
pages are small pages (a title, a sentence, a link to the provider), so body
text, markup and asset rules apply to tiny pages only, and title/heading rules
to small ones; a long article that discusses "account suspended" or "404" is
never read as one. Each cue is a signal `family-kind:where:detail`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from audit.check.fingerprint import PageText
from audit.check.sigdata import Family, Rule, Where, fold, load

PLACES = frozenset({*(w.value for w in Where), "url"})  # "url": a cue of the redirect chain
TINY = 2000  # visible characters: every placeholder seen is below, articles are above
SMALL = 8000  # a title rule still applies (a marketplace lander with a long FAQ)
_SCAN = 65536  # markup characters searched for scripts, assets and markers
_ERROR_FAMILIES = frozenset({Family.WALL, Family.BLOCK})  # what an error answer can be
_SRC = re.compile(
    r"""<(?:script|iframe)\b[^>]{0,300}?\bsrc\s*=\s*["']?(?:https?:)?//([^/"'\s>:]+)"""
)
_ASSET = re.compile(
    r"""<(?:a|img|link)\b[^>]{0,300}?\b(?:href|src)\s*=\s*["']?((?:https?:)?//[^"'\s>]+|/[^"'\s>]*)"""
)
# A registrar's logo or a for-sale link says "parked" only on a page about a domain.
_DOMAIN_TALK = re.compile(r"\b(?:domain|domena|domaine|dominio|domein|домен)", re.IGNORECASE)


def content_cues(
    page: PageText | None, headers: list[tuple[str, str]], final_host: str, ok: bool
) -> list[str]:
    """Signals for the placeholder/wall/block rules that match this answer.

    `ok`: a 2xx answer whose page was fully parsed; otherwise `page` holds the
    title and markup of an error answer (fingerprint.quick_page), searched for
    walls and block pages only.
    """
    sig = load()
    places = _places(page, headers, final_host, ok)
    signals: list[str] = []
    seen: set[Family] = set()
    for rule in sig.rules:
        if rule.family in seen or (not ok and rule.family not in _ERROR_FAMILIES):
            continue
        hit = _first_hit(rule, places)
        if hit is not None:
            where, text = hit
            if where is Where.HEAD:  # a title is shown as written (evidence is read by people)
                text = next((t[:300] for t in _head(page) if fold(t[:300]) == text), text)
            seen.add(rule.family)
            kind = rule.kind.replace(" ", "-")
            signals.append(f"{rule.family.value}-{kind}:{where.value}:{_short(text)}")
    return signals


def _places(
    page: PageText | None, headers: list[tuple[str, str]], final_host: str, ok: bool
) -> dict[Where, list[str]]:
    """The folded texts each kind of rule may read on this answer."""
    places: dict[Where, list[str]] = {w: [] for w in Where}
    places[Where.HEADER] = [f"{k.lower()}: {v.lower()}" for k, v in headers[:40]]
    if page is None:
        return places
    size = len(page.text)
    head = _head(page)
    if not ok:  # an error answer: its title and markup (quick_page has no text)
        places[Where.HEAD] = [fold(t[:300]) for t in head]
        places[Where.MARKUP] = [page.raw_lower[:_SCAN]]
        return places
    if size >= SMALL:
        return places
    places[Where.HEAD] = [fold(t[:300]) for t in head]
    raw = page.raw_lower[:_SCAN]
    places[Where.SRC] = sorted({h for h in _SRC.findall(raw) if h != final_host})
    if size >= TINY:
        return places
    text = fold(page.text)
    places[Where.TEXT] = [text]
    places[Where.MARKUP] = [raw]
    if _DOMAIN_TALK.search(text) or any(_DOMAIN_TALK.search(h) for h in places[Where.HEAD]):
        places[Where.ASSET] = _assets(raw, final_host)
    return places


def _head(page: PageText | None) -> list[str]:
    return [t for t in (page.title, *page.headings[:3]) if t] if page is not None else []


def _assets(raw: str, final_host: str) -> list[str]:
    """Other hosts linked from the page, and every asset path, for the asset rules."""
    out: set[str] = set()
    for ref in _ASSET.findall(raw)[:200]:
        parts = urlsplit(ref if not ref.startswith("//") else "http:" + ref)
        host = (parts.hostname or "").removeprefix("www.")
        if host and host != final_host:
            out.add(host)
        if parts.path and parts.path != "/":
            out.add(parts.path)
    return sorted(out)


def _first_hit(rule: Rule, places: dict[Where, list[str]]) -> tuple[Where, str] | None:
    for where in rule.where:
        for text in places[where]:
            if m := rule.search(text):
                return where, m.group(0) if where is not Where.HEAD else text
    return None


def _short(text: str) -> str:
    return " ".join(text.split())[:80]
