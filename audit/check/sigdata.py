"""The placeholder / wall / block-page signatures of signatures.toml, loaded and compiled once.

Pure apart from reading the package's own data file on first use. Text and
patterns are folded alike (lower case, diacritics removed), so a rule written
"Błąd połączenia" also matches the ASCII-transliterated "Blad polaczenia".
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources


class Family(StrEnum):
    PARKED = "parked"  # a domain placeholder: for sale, expired, registrar page
    STUB = "stub"  # a hosting placeholder: suspended, unpaid, not configured, default page
    WALL = "wall"  # a bot wall or captcha
    BLOCK = "block"  # a legal or ISP block page
    DBERROR = "dberror"  # the site's database is down


class Where(StrEnum):
    HEAD = "head"
    TEXT = "text"
    MARKUP = "markup"
    SRC = "src"
    ASSET = "asset"
    HEADER = "header"


# Places whose texts are long enough that a regex is tried only after a key is seen.
_LONG_TEXTS = frozenset({Where.HEAD, Where.TEXT, Where.MARKUP})
_SHORT = 2048


@dataclass(frozen=True, slots=True)
class Rule:
    family: Family
    kind: str
    where: tuple[Where, ...]  # in the order of Where: head first
    pattern: re.Pattern[str]
    keys: tuple[str, ...]  # one of these literals occurs wherever the pattern matches
    any_key: re.Pattern[str] | None  # the keys as one alternation, for short texts
    source: str

    def search(self, text: str) -> re.Match[str] | None:
        # The keys spare the regexes on almost every page: on short texts one scan of
        # their alternation, on long markup str.find per key (far faster than sre there).
        if self.any_key is not None:
            if len(text) <= _SHORT:
                if self.any_key.search(text) is None:
                    return None
            elif not any(k in text for k in self.keys):
                return None
        return self.pattern.search(text)


@dataclass(frozen=True, slots=True)
class Signatures:
    rules: tuple[Rule, ...]
    header_names: frozenset[str]


# Letters NFKD does not decompose, spelled as transliterations do.
_LETTERS = str.maketrans({"ł": "l", "Ł": "l", "ø": "o", "đ": "d", "ß": "ss", "ı": "i", "ħ": "h"})
_MARKS = re.compile(r"[\u0300-\u036f]+")
_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower case, diacritics removed, whitespace collapsed (linear, C-level steps)."""
    if text.isascii():
        return _SPACE.sub(" ", text.lower()).strip()
    nfkd = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    return _SPACE.sub(" ", _MARKS.sub("", nfkd).lower()).strip()


# A `[^.<]` gap stops at a sentence's end, not at the dots of a domain name in it.
_GAP = r"(?:[^.<]|\.(?=\S))"


def _fold_pattern(pattern: str) -> str:
    # Only the diacritics: lower-casing a pattern would turn \S or \W into \s or \w.
    folded = _MARKS.sub("", unicodedata.normalize("NFKD", pattern.translate(_LETTERS)))
    return folded.replace("[^.<]", _GAP)


def parse(text: str) -> Signatures:
    """Compile the TOML text of a signature file; raises ValueError on a malformed rule."""
    data = tomllib.loads(text)
    rules: list[Rule] = []
    for i, raw in enumerate(data.get("rule", []), 1):
        try:
            named = {Where(w) for w in raw["where"]}
            where = tuple(w for w in Where if w in named)
            patterns = [_fold_pattern(p) for p in raw["patterns"]]
            keys = [fold(k) for k in raw.get("keys", ())]
            if not keys and named & _LONG_TEXTS:
                raise ValueError("head, text and markup rules need keys")
            rules.append(
                Rule(
                    family=Family(raw["family"]),
                    kind=str(raw["kind"]),
                    where=where,
                    pattern=re.compile("|".join(f"(?:{p})" for p in patterns)),
                    keys=tuple(keys),
                    any_key=re.compile("|".join(map(re.escape, keys))) if keys else None,
                    source=str(raw["source"]),
                )
            )
        except (KeyError, ValueError, re.error) as exc:
            raise ValueError(f"signature rule {i}: {exc}") from None
    names = frozenset(
        p.split(":", 1)[0].strip().lower()
        for raw in data.get("rule", [])
        if "header" in raw["where"]
        for p in raw["patterns"]
    )
    return Signatures(tuple(rules), names)


@cache
def load() -> Signatures:
    """The package's signatures.toml, compiled (once per process)."""
    text = resources.files("audit.check").joinpath("signatures.toml").read_text("utf-8")
    return parse(text)
