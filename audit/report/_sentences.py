"""Reason and evidence sentences, translated at render time.

`audit.judge` (reasons) and `audit.check.classify` (evidence) write English
sentences with values in them ("3 failures (dns_nxdomain) over 7.0 days").
Each sentence they can produce has an entry in _sentence_table.py: its shape
as the source writes it (checked against their code by
tests/report/test_catalogue.py), a pattern that takes the values back out, and
a message for the catalogue in which code names become words and counts take
their plural forms. A sentence no entry matches is shown as written.

To add a sentence: add a `Sentence` to SENTENCES in _sentence_table.py (most
specific first), run `scripts/update-catalogues`, translate the new entries of
the fr and ru `.po`, `make venv` (it compiles them).
"""

from __future__ import annotations

import re
from functools import lru_cache

from audit.models import Outcome
from audit.report._i18n import Tr, translator
from audit.report._sentence_table import (
    ERROR_WORDS,
    PART_SHAPES,
    SENTENCES,
    SIGNAL_WORDS,
    WHERE_WORDS,
    Part,
    Sentence,
)
from audit.report._view import OUTCOME_LABEL

__all__ = ["ERROR_WORDS", "PART_SHAPES", "SENTENCES", "lower_first", "match", "sentence"]

_SIGNAL_SPLIT = re.compile(r"; (?=(?:parked-[a-z-]+|default-server-page): )")
_DAYS = re.compile(r"(?P<n>[\d.]+) days")


def lower_first(text: str) -> str:
    """A label inside a sentence: "Server error" -> "server error"; "DNS error" stays."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def outcome_words(code: str, tr: Tr) -> str:
    try:
        return lower_first(tr._(OUTCOME_LABEL[Outcome(code)]))
    except ValueError:
        return code


def _days(text: str, tr: Tr) -> str:
    m = _DAYS.fullmatch(text)
    if m is None:
        return text
    value = float(m["n"])
    shown = tr.decimal(value, 1) if value != int(value) else tr.number(int(value))
    form = tr.catalog.ngettext("%(days)s day", "%(days)s days", _plural_n(value, tr))
    return form % {"days": shown}


def _plural_n(value: float, tr: Tr) -> int:
    """A whole number whose gettext plural form suits `value`: itself when whole; for a
    fraction, one of the same CLDR plural category ("1,5 jour", "1.5 days"), or 2,
    whose Russian form (genitive singular: "0,5 дня") is the one fractions take."""
    if value == int(value):
        return int(value)
    category = tr.locale.plural_form(value)
    return next((n for n in range(200) if tr.locale.plural_form(n) == category), 2)


def _part(kind: Part, value: str, tr: Tr) -> str:
    if kind is Part.NUMBER:
        return tr.number(int(value))
    if kind is Part.DECIMAL:
        return tr.decimal(float(value), 2)
    if kind is Part.DAYS:
        return _days(value, tr)
    if kind is Part.OUTCOME:
        return outcome_words(value, tr)
    if kind is Part.OUTCOMES:
        return ", ".join(outcome_words(c.strip(), tr) for c in value.split(","))
    if kind is Part.ERROR:
        return tr._(ERROR_WORDS[value])
    if kind is Part.WHERE:
        return tr._(WHERE_WORDS[value])
    if kind is Part.SIGNALS:
        items = []
        for item in _SIGNAL_SPLIT.split(value):
            name, _, detail = item.partition(": ")
            words = SIGNAL_WORDS.get(name)
            items.append(f"{tr._(words)}: {detail}" if words else item)
        return "; ".join(items)
    if kind is Part.SENTENCE:
        return sentence(value, tr.lang)
    return value


def match(text: str) -> tuple[Sentence, re.Match[str]] | None:
    for s in SENTENCES:
        m = s.pattern.fullmatch(text)
        if m is not None:
            return s, m
    return None


@lru_cache(maxsize=65536)
def sentence(text: str, lang: str = "en") -> str:
    """`text` (a reason or evidence sentence) in `lang`, code names in words."""
    found = match(text)
    if found is None:
        return text
    s, m = found
    tr = translator(lang)
    params = {name: _part(kind, m[name], tr) for name, kind in s.parts.items()}
    if isinstance(s.msgid, tuple):
        assert s.count is not None
        return tr.n_(*s.msgid, int(m[s.count]), **params)
    return tr._(s.msgid, **params)
