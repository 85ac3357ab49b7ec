"""The report's languages: gettext catalogues (Babel) and per-locale dates and numbers.

Catalogues live beside this module as `locale/<lang>/LC_MESSAGES/audit.po`;
the build (hatch_build.py, run by `pip install`, editable or not) compiles
them to `.mo`. English is the source language: its messages are the msgids.
A source checkout whose `.mo` is missing or older than its `.po` reads the
`.po` itself (same messages, slower to load) rather than fall back silently to
English.
"""

from __future__ import annotations

import gettext
import io
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from importlib.resources import files

from babel import Locale
from babel.dates import DateTimePattern, match_skeleton, parse_pattern
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

log = logging.getLogger(__name__)

DOMAIN = "audit"


class Lang(StrEnum):
    EN = "en"
    FR = "fr"
    RU = "ru"


LANGS: tuple[str, ...] = tuple(lang.value for lang in Lang)


def N_(message: str) -> str:
    """Marks a message for extraction where it is defined; translated where it is shown."""
    return message


def NP_(singular: str, plural: str) -> tuple[str, str]:
    """Marks a plural message (both forms) for extraction; translated where shown."""
    return singular, plural


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Tr:
    """One language: messages (gettext/ngettext, `%(name)s` placeholders) and formats."""

    lang: Lang
    locale: Locale
    catalog: gettext.NullTranslations

    def _(self, message: str, **params: object) -> str:
        text = self.catalog.gettext(message)
        return text % params if params else text

    def n_(self, singular: str, plural: str, n: int, /, **params: object) -> str:
        """A plural message; `%(count)s` is `n` formatted for the locale."""
        text = self.catalog.ngettext(singular, plural, n)
        return text % {"count": self.number(n), **params}

    def number(self, n: float) -> str:
        return format_decimal(n, locale=self.locale)

    def decimal(self, n: float, places: int) -> str:
        return format_decimal(n, format="0." + "0" * places if places else "0", locale=self.locale)

    def percent(self, share: float) -> str:
        """A share for people: "0 %", "<1 %", "17 %" (as the locale writes them)."""
        if share <= 0:
            return format_percent(0, locale=self.locale)
        if share < 0.01:
            return "<" + format_percent(0.01, locale=self.locale)
        return format_percent(round(share, 2), locale=self.locale)

    def stamp(self, dt: datetime | None) -> str:
        """Date and time in UTC, e.g. "7 Dec 2026, 06:00 UTC"."""
        if dt is None:
            return ""
        at = _utc(dt)
        joined = str(self.locale.datetime_formats["medium"])  # "{1}, {0}": date, time
        return joined.replace("{1}", self.date(at)).replace("{0}", self.time(at)) + " UTC"

    def date(self, dt: datetime | None) -> str:
        """A date, e.g. "7 Dec 2026", "7 déc. 2026", "7 дек. 2026 г."."""
        return "" if dt is None else _pattern(self.lang, "yMMMd").apply(_utc(dt), self.locale)

    def time(self, dt: datetime) -> str:
        return _pattern(self.lang, "Hm").apply(_utc(dt), self.locale)


@cache
def _pattern(lang: str, skeleton: str) -> DateTimePattern:
    # Matching a skeleton to the locale's pattern is most of format_skeleton's cost,
    # and a report formats thousands of dates: match once per language.
    locale = Locale.parse(lang)
    return parse_pattern(
        locale.datetime_skeletons[match_skeleton(skeleton, locale.datetime_skeletons) or skeleton]
    )


@cache
def translator(lang: str = Lang.EN) -> Tr:
    """The translator for `lang` (en, fr, ru); ValueError for any other."""
    try:
        code = Lang(lang)
    except ValueError:
        raise ValueError(
            f"unknown report language {lang!r}; expected one of: {', '.join(LANGS)}"
        ) from None
    locale = Locale.parse(code.value)
    if code is Lang.EN:
        return Tr(code, locale, gettext.NullTranslations())
    return Tr(code, locale, _load(code))


def _load(code: Lang) -> gettext.NullTranslations:
    base = files("audit.report") / "locale" / code.value / "LC_MESSAGES"
    po, mo = base / f"{DOMAIN}.po", base / f"{DOMAIN}.mo"
    po_path, mo_path = str(po), str(mo)
    if os.path.exists(mo_path) and os.path.getmtime(mo_path) >= os.path.getmtime(po_path):
        with open(mo_path, "rb") as fh:
            return Translations(fh, domain=DOMAIN)
    log.warning("%s: not compiled (or older than its .po); reading the .po", mo_path)
    with open(po_path, "rb") as fh:
        catalog = read_po(fh, locale=code.value, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)


__all__ = ["LANGS", "N_", "Lang", "Tr", "translator"]
