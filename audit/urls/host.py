"""Hosts: repairs, IDNA per label, the Public Suffix List (docs/url-repair.md §2.4, §3.3-3.4).

Label policy: an all-ASCII label is only lower-cased (browsers accept `_`
and `--`, which the `idna` package rejects); a label with any non-ASCII
character goes through `idna.encode(label, uts46=True)` (IDNA 2008 with UTS 46
mapping, non-transitional).  Python's built-in "idna" codec is IDNA 2003
(`ß` → `ss`, spaces accepted) and is never used.  On failure the host is
invalid; there is no fallback that could encode garbage.

The PSL comes from tldextract's bundled snapshot, constructed so that it can
never download (`suffix_list_urls=()`, `cache_dir=None`).  Private PSL
entries are on, so `viro.edu.ru` is a registrable domain of its own (`edu.ru`
is a private-section suffix, submitted by the .ru registry).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import unquote_to_bytes

import idna

from audit.models import Confidence, Repair

if TYPE_CHECKING:
    import tldextract

from ._log import EXACT, RepairLog
from .idn import (
    FORBIDDEN,
    LabelError,
    bidi_domain,
    label_to_ascii,
    label_to_unicode,
    scripts,
)


def make_psl() -> tldextract.TLDExtract:
    """A PSL matcher on tldextract's bundled snapshot: no download, no disk cache."""
    import tldextract  # noqa: PLC0415 - heavy (it imports requests); most runs never need it

    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )


@lru_cache(maxsize=1)
def _psl() -> tldextract.TLDExtract:
    return make_psl()


_DOTS = {ord(c): "." for c in "\u3002\uff0e\uff61"}
_DASHES = "\u2010\u2011\u2012\u2013\u2212\ufe63"
# Characters that never occur in a domain name label (used by is_domain_like,
# which judges prose tokens, so it is stricter than URL host parsing).
_NOT_IN_LABEL = re.compile(r"[\s!-,/:-@\[-^`{-~\u2026\u00ab\u00bb\u201c-\u201f]")
_ASCII_UPPER = re.compile("[A-Z]")
_IPV6 = re.compile(r"\[[0-9A-Fa-f:.]+\]")


@dataclass(frozen=True, slots=True)
class HostResult:
    """A repaired host: ASCII (A-labels) for requests, Unicode for people."""

    ascii: str | None  # None when the host cannot be repaired
    unicode: str | None
    repairs: tuple[Repair, ...] = ()
    warnings: tuple[str, ...] = ()
    error: str | None = None
    # H7: the host with look-alike letters unified to the TLD's script, when a
    # label mixes Latin and Cyrillic (a candidate to verify, never a repair).
    alternative: str | None = None


# --------------------------------------------------------------------------
# The Public Suffix List


def _plain(host: str) -> str:
    return host.strip().rstrip(".").lower()


@lru_cache(maxsize=65536)
def is_domain_like(host: str) -> bool:
    """True if `host` (Unicode or ASCII) is a name under a real (ICANN) public suffix.

    `президент.рф`, `sisters-help.ru`, `www.viro.edu.ru` → True;
    `report.pdf`, `3.5`, `Art.242`, `localhost`, `ru` → False.
    """
    h = _plain(host)
    labels = h.split(".")
    if len(labels) < 2 or any(not label or _NOT_IN_LABEL.search(label) for label in labels):
        return False
    if labels[-1].isdigit():
        return False
    result = _psl()(h, include_psl_private_domains=False)
    return bool(result.suffix) and bool(result.domain)


@lru_cache(maxsize=65536)
def registrable_domain(host: str) -> str | None:
    """The registrable domain (public suffix + one label), lower-cased, in the form given.

    Private PSL entries count as suffixes, so `www.viro.edu.ru` → `viro.edu.ru`,
    `www.podrostok.edu.yar.ru` → `yar.ru`.  None when there is none
    (`localhost`, an IP address, a bare suffix).
    """
    if not is_domain_like(host):
        return None
    domain = _psl()(_plain(host)).top_domain_under_public_suffix
    return str(domain) or None


@lru_cache(maxsize=65536)
def public_suffix(host: str) -> str | None:
    """The public suffix of `host` (private entries included), or None."""
    suffix = str(_psl()(_plain(host)).suffix)
    return suffix or None


@lru_cache(maxsize=65536)
def convert_host(raw: str) -> HostResult:
    """Repair one host (H1-H3, H11, H12, H16 signals) and convert it label by label."""
    log = RepairLog()
    host = raw
    if host.startswith("["):  # IPv6 literal: its form is checked by the URL parser
        if _IPV6.fullmatch(host):
            return HostResult(host.lower(), host.lower())
        return HostResult(None, None, error=f"invalid IPv6 literal {host!r}")
    if "%" in host:
        try:
            decoded = unquote_to_bytes(host).decode("utf-8")
        except UnicodeDecodeError:
            return HostResult(None, None, error=f"host {raw!r} percent-decodes to invalid UTF-8")
        log.add("host-percent-decoded", f"host {raw!r} percent-decoded", EXACT)
        host = decoded
    if not host.isascii():
        # Full stops of other scripts separate labels; NFC first, as UTS 46
        # does, so `<` + U+0338 is the symbol `≮`, not a forbidden `<`.
        host = unicodedata.normalize("NFC", host.translate(_DOTS))
    if any(c in host for c in _DASHES):
        fixed = host.translate({ord(c): "-" for c in _DASHES})
        log.add("dash-normalised", f"typographic dash in host {host!r} read as '-'")
        host = fixed
    m = FORBIDDEN.search(host)
    if m:
        what = "a space" if m.group(0).isspace() else repr(m.group(0))
        # Never encode such a host: IDNA 2003 would turn it into `xn-- -…`.
        return HostResult(None, None, error=f"host {host!r} contains {what}")
    if not host.strip("."):  # `http://./`: nothing to repair, the parser decides
        return HostResult(host, host)
    if host.endswith("."):
        log.add("trailing-dot-removed", f"trailing dot of host {host!r} removed", EXACT)
        host = host.rstrip(".")
    if ".." in host or host.startswith("."):
        fixed = ".".join(label for label in host.split(".") if label)
        log.add("dots-collapsed", f"empty labels in host {host!r} removed")
        host = fixed
    if not host:
        return HostResult(None, None, error="empty host")
    if host.isascii() and _ASCII_UPPER.search(host):
        log.add("host-lowercased", f"host {host!r} lower-cased", EXACT)
    ascii_labels: list[str] = []
    unicode_labels: list[str] = []
    invalid_alabel = False
    mixed = False
    for label in host.split("."):
        if label.isascii():
            a = label.lower()
            u = a
            if a.startswith("xn--"):
                decoded_label = label_to_unicode(a)
                if decoded_label is None:
                    invalid_alabel = True
                    log.warn(f"invalid punycode label {a!r}")
                else:
                    u = decoded_label
        else:
            try:
                a, warning = label_to_ascii(label)
            except LabelError as exc:
                return HostResult(None, None, error=f"label {label!r} is not valid IDNA: {exc}")
            if warning:
                log.warn(warning)
            u = (label_to_unicode(a) or label.lower()) if a.startswith("xn--") else a
        if len(scripts(u)) > 1:
            log.warn(f"mixed-script host: label {u!r} mixes {' and '.join(sorted(scripts(u)))}")
            mixed = True
        ascii_labels.append(a)
        unicode_labels.append(u)
    if not host.isascii() and bidi_domain(host):
        # RFC 5893 applies to every label of a domain with a right-to-left
        # label, ASCII ones included (which skip idna above).
        for label in unicode_labels:
            try:
                idna.check_bidi(label, check_ltr=True)
            except idna.IDNAError as exc:
                return HostResult(None, None, error=f"label {label!r} breaks the bidi rule: {exc}")
    if invalid_alabel and not host.isascii():
        # As WHATWG: once a host needs IDNA processing, an invalid A-label fails it.
        return HostResult(None, None, error=f"invalid punycode label in host {host!r}")
    ascii_host = ".".join(ascii_labels)
    # With an invalid A-label the host is shown as cited: a partly decoded
    # form would not lead back to the same URL.
    unicode_host = ascii_host if invalid_alabel else ".".join(unicode_labels)
    if not host.isascii():
        log.add(
            "idna-encoded",
            f"host {host!r} → {ascii_host!r} (IDNA 2008 with UTS 46, label by label)",
            Confidence.EXACT,
        )
    _zone_policy(ascii_labels, unicode_labels, log)
    _label_rules(ascii_labels, log)
    _whole_script_confusables(ascii_labels, unicode_labels, log)
    return HostResult(
        ascii_host,
        unicode_host,
        tuple(log.repairs),
        tuple(log.warnings),
        alternative=_unified(ascii_labels[-1], unicode_labels) if mixed else None,
    )


# Lower-case Latin/Cyrillic look-alikes (url-repair.md §2.4 H7).
_TO_LATIN = str.maketrans("аеорсухіјѕһԁԛԝӏ", "aeopcyxijshdqwl")
_TO_CYRILLIC = str.maketrans("aeopcyxi", "аеорсухі")
# Cyrillic TLDs (A-labels): рф, дети, москва, онлайн, сайт, орг, рус, бел, укр, қаз, срб.
_CYRILLIC_TLDS = frozenset(
    {
        "xn--p1ai",
        "xn--d1acj3b",
        "xn--80adxhks",
        "xn--80asehdb",
        "xn--80aswg",
        "xn--c1avg",
        "xn--p1acf",
        "xn--90ais",
        "xn--j1amh",
        "xn--80ao21a",
        "xn--90a3ac",
    }
)


def _unified(tld: str, unicode_labels: list[str]) -> str | None:
    """The host with mixed-script labels mapped to the TLD's script, if that works."""
    table = _TO_CYRILLIC if tld in _CYRILLIC_TLDS else _TO_LATIN
    labels = [
        label.translate(table) if len(scripts(label)) > 1 else label for label in unicode_labels
    ]
    if any(len(scripts(label)) > 1 for label in labels):
        return None  # a letter without a look-alike: no single-script reading
    return ".".join(labels)


def _zone_policy(ascii_labels: list[str], unicode_labels: list[str], log: RepairLog) -> None:
    """H16 signals: .ru takes ASCII names only; .рф takes Cyrillic ones."""
    tld = ascii_labels[-1]
    if tld in ("ru", "su") and any(not label.isascii() for label in unicode_labels[:-1]):
        log.warn(f"zone policy: non-ASCII label under .{tld} (the zone registers ASCII names)")
    elif tld == "xn--p1ai" and len(unicode_labels) > 1:
        registrable = unicode_labels[-2]
        if "Latin" in scripts(registrable):
            log.warn("zone policy: Latin letters in a .рф name (the zone registers Cyrillic)")


MAX_HOST = 253  # RFC 1035 §2.3.4: 255 octets on the wire, 253 written with dots
MAX_LABEL = 63
_LDH = re.compile(r"[a-z0-9_-]+")  # `_` is not LDH, but real hosts carry it and browsers go


def _label_rules(ascii_labels: list[str], log: RepairLog) -> None:
    """RFC 5891 §4.2.3 / UTS 46 validity of the ASCII form: flagged, never silently exact.

    Browsers fetch `---.ru` (WHATWG skips these checks for ASCII), so the host is kept
    as cited; the result is a guess with the reason, for a person to look at.
    """
    problems: list[str] = []
    host = ".".join(ascii_labels)
    if len(host) > MAX_HOST:
        problems.append(f"host is {len(host)} characters long (at most {MAX_HOST})")
    for label in dict.fromkeys(ascii_labels):
        shown = label if len(label) <= 24 else f"{label[:20]}…"
        if len(label) > MAX_LABEL:
            problems.append(f"label {shown!r} is {len(label)} characters long (at most 63)")
        if label.startswith("-") or label.endswith("-"):
            problems.append(f"label {shown!r} starts or ends with a hyphen")
        elif not _LDH.fullmatch(label):
            problems.append(f"label {shown!r} has characters a host name cannot have")
    for problem in problems[:3]:
        log.warn(f"invalid host name: {problem}")
    if problems:
        log.add(
            "invalid-host-kept",
            f"host breaks the label rules of RFC 5891 ({problems[0]}); kept as cited",
            Confidence.GUESS,
        )


# Cyrillic and Greek letters that look like Latin ones (UTS 39 confusables, the subset
# that can spell a whole Latin-looking label).
_LOOKS_LATIN = str.maketrans("аеорсухіјѕһԁԛԝӏοαιρεκχυν", "aeopcyxijshdqwloaipekxuv")
_LATIN_LOOKALIKES = frozenset(chr(c) for c in _LOOKS_LATIN)


def _whole_script_confusables(
    ascii_labels: list[str], unicode_labels: list[str], log: RepairLog
) -> None:
    """UTS 39 whole-script confusables: a non-Latin label written only with letters that
    look Latin (`ѕсоре.com` reads as `scope.com`) under a non-Cyrillic TLD."""
    if ascii_labels[-1] in _CYRILLIC_TLDS:
        return  # .рф and friends are Cyrillic by design
    for label in unicode_labels:
        found = scripts(label)
        if len(found) != 1 or found == {"Latin"}:
            continue
        letters = [c for c in label if c.isalpha()]
        if letters and all(c in _LATIN_LOOKALIKES for c in letters):
            shown = label.translate(_LOOKS_LATIN)
            log.warn(
                f"whole-script confusable: {next(iter(found))} label {label!r} "
                f"looks like Latin {shown!r}"
            )
