"""Orchestration: one cited string → `audit.models.Normalized` (never raises).

Stages, in the order docs/url-repair.md §6 prescribes: character clean-up and
boundary trimming (clean.py), e-mail addresses (mailto.py), scheme repair
(scheme.py), joining white space broken into the URL (join.py), host repair
and IDNA per label (host.py), WHATWG serialisation by ada-url (what a
reader's click would request), then the key (keys.py, path.py).

Conventions (DESIGN.md, `audit normalize --format json`):
- `url` is the WHATWG href of the repaired URL with an A-label host, *with*
  its fragment (it is part of what was cited and never sent by an HTTP client);
  the trailing dot of a host is dropped (same DNS name, avoids TLS/vhost
  mismatches).  `display` is the same URL with a Unicode host.
- `key` drops the fragment and applies RFC 3986 equivalences only.
- A citation without a scheme gets `http://`.
- `alternatives` (not in the JSON contract) lists the other readings of
  guess-class repairs, for the checker to verify.

Where a citation repair deliberately differs from a browser parsing the same
string (tests/urls/test_conformance.py lists each WPT case): zero-width and
bidi characters are deleted, not percent-encoded; white space inside a URL is
PDF wrapping (joined, or the prose after it dropped); trailing sentence
punctuation, unpaired closing quotes and brackets are stripped; a host's
trailing dot and empty labels are dropped.
"""

from __future__ import annotations

import ipaddress
import logging
import re
from dataclasses import replace

import ada_url

from audit.models import Confidence, Normalized, UrlKind

from ._log import EXACT, RepairLog
from .clean import clean_chars, unwrap
from .fast import MAX_CITATION as _MAX_CITATION
from .fast import canonical
from .host import convert_host, is_domain_like
from .join import AUTHORITY_END, join_pieces
from .keys import opaque_key, web_key
from .mailto import ASCII_MAILBOX, BARE_EMAIL, NAMED_EMAIL, email_result
from .scheme import REFUSED_SCHEMES, SPECIAL_OTHER, generic_scheme, refang, split_web

logger = logging.getLogger(__name__)

MAX_CITATION = _MAX_CITATION  # longer is not one citation (audit.check uses it too)

_MARKUP = re.compile(
    r"""\[[^\]]*\]\(\s*<?([^()\s<>]+(?:\([^()\s]*\)[^()\s<>]*)*)>?\s*\)"""
    r"""|<a\s[^>]*?href\s*=\s*["']([^"']+)["'][^>]*>(?:.*?</a>)?"""
    r"""|href\s*=\s*["']([^"']+)["']""",
    re.IGNORECASE | re.DOTALL,
)
_DEFAULT_PORTS = {"http": "80", "https": "443", "ftp": "21", "ws": "80", "wss": "443"}
# Where a URL starts after prose ("see http://…", "(foobar info@x.ru)") or
# glued to a prefix ("text:http://…", "name@http://…", B7).
_EMBEDDED = re.compile(
    r"\s+[(«\"“„\[<]?(?=(?:h[tx]{2}ps?|ftp)[ ]?[:;]|www\.|[\w.+-]+@[\w-]+\.)", re.IGNORECASE
)
_GLUED = re.compile(r"(?<=[:@|>])(?=https?://)", re.IGNORECASE)
_NUMERIC = re.compile(r"[0-9.]+")
# Real TLDs that are also common file extensions: a bare `readme.md` is a file.
_FILE_LIKE_TLDS = frozenset(
    {"zip", "mov", "py", "md", "sh", "rs", "pl", "ps", "cs", "doc", "pdf", "exe", "app", "java"}
)
# TLDs common in the cited documents: a bare `name.tld` under them is a site.
_COMMON_TLDS = frozenset(
    {
        "ru",
        "su",
        "рф",
        "xn--p1ai",
        "дети",
        "xn--d1acj3b",
        "москва",
        "xn--80adxhks",
        "com",
        "org",
        "net",
        "gov",
        "edu",
        "int",
        "info",
        "eu",
        "uk",
        "de",
        "fr",
        "by",
        "kz",
        "ua",
    }
)


def normalize(text: str) -> Normalized:
    """Repair and normalise one citation; errors are data (kind `not-a-url`, `error`)."""
    # An address already in canonical form skips the pipeline (same result: fast.py).
    return canonical(text) or normalize_full(text)


def normalize_full(text: str) -> Normalized:
    """`normalize` through every stage of the pipeline, never the fast path."""
    try:
        return _with_alternatives(text)
    except Exception as exc:  # a bug must not stop a batch: report it as data
        logger.exception("normalize failed on %r", text)
        return Normalized(
            input=text,
            url=None,
            display=None,
            key=None,
            kind=UrlKind.NOT_A_URL,
            error=f"internal error: {type(exc).__name__}: {exc}",
        )


def _with_alternatives(text: str) -> Normalized:
    log = RepairLog()
    n = _normalize(text, log)
    if n.url is None or not log.alternatives:
        return n
    # Each other reading is normalised on its own (one level deep only).
    urls = (_normalize(alt, RepairLog()).url for alt in log.alternatives)
    found = tuple(dict.fromkeys(u for u in urls if u is not None and u != n.url))
    return replace(n, alternatives=found) if found else n


def _normalize(text: str, log: RepairLog) -> Normalized:
    if len(text) > MAX_CITATION:
        return log.fail(text, f"longer than {MAX_CITATION} characters: not one citation")
    s = clean_chars(text, log)
    m = _MARKUP.match(s)
    if m:
        # B9: `[text](http://x.ru)` or `href="http://x.ru"`: take the target.
        log.add("markup-removed", "link markup removed, its target kept", EXACT)
        if m.end() < len(s):
            log.add("trailing-text-removed", f"text after the link removed: {s[m.end() :]!r}")
        s = next(g for g in m.groups() if g is not None)
    s = refang(unwrap(s, log), log)
    if not s:
        return log.fail(text, "empty citation")
    if s[:7].lower() == "mailto:":
        if s[:7] != "mailto:":
            log.add("scheme-lowercased", f"scheme {s[:6]!r} lower-cased", EXACT)
        return email_result(text, s[7:], log)
    m = NAMED_EMAIL.fullmatch(s)
    if m:
        log.add("display-name-removed", f"name {m.group(1).strip()!r} before the address removed")
        s = m.group(2)
    if BARE_EMAIL.fullmatch(s):
        log.add("mailto-added", "e-mail address written as a mailto: URL", EXACT)
        return email_result(text, s, log)
    return _dispatch(text, s, log, prose_allowed=True)


def _dispatch(text: str, s: str, log: RepairLog, *, prose_allowed: bool) -> Normalized:
    web = split_web(s, log)
    if web is not None:
        return _web(text, web[0], web[1], log, inferred=False)
    other = generic_scheme(s)
    if other is not None:
        return _other(text, other, s, log)
    if prose_allowed:
        # Prose before the URL ("Sexual Violence http://…"): start at the
        # first token that is unmistakably a URL.
        m = _EMBEDDED.search(s) or _GLUED.search(s)
        if m and not is_domain_like(s.split(None, 1)[0].rstrip(".,;:")):
            log.add("leading-text-removed", f"text before the URL removed: {s[: m.start()]!r}")
            return _dispatch(text, unwrap(s[m.end() :], log), log, prose_allowed=False)
    if s.startswith("//"):
        inner = split_web(s.lstrip("/\\"), log)  # `//http//x.ru`: a mangled scheme
        if inner is not None:
            log.add("scheme-separator-fixed", "slashes before the scheme removed")
            return _web(text, inner[0], inner[1], log, inferred=False)
        log.add("scheme-added", "protocol-relative URL: 'http:' added")
        return _web(text, "http", s.lstrip("/"), log, inferred=False)
    return _web(text, "http", s, log, inferred=True)


# --------------------------------------------------------------------------
# Web URLs (and other schemes with a host: ftp, ws, wss)


def _web(
    text: str,
    scheme: str,
    rest: str,
    log: RepairLog,
    *,
    inferred: bool,
    kind: UrlKind = UrlKind.WEB,
) -> Normalized:
    rest = rest.lstrip(" \n")
    if not rest:
        return log.fail(text, f"{scheme}: URL without a host")
    if " " in rest or "\n" in rest:
        joined = join_pieces(rest, scheme, log, strict=not inferred)
        if joined is None:
            return log.fail(text, "a space inside the host, and no joined reading is a domain")
        rest = joined
    m = AUTHORITY_END.search(rest)
    authority, remainder = (rest[: m.start()], rest[m.start() :]) if m else (rest, "")
    userinfo, at, hostport = authority.rpartition("@")
    if hostport.startswith("["):
        close = hostport.find("]") + 1 or len(hostport)
        host = hostport[:close]
        _, colon, port = hostport[close:].partition(":")
    else:
        host, colon, port = hostport.partition(":")

    # H15: `http://info@example.ru` is an e-mail address, not credentials.
    mailbox = at and userinfo and remainder in ("", "/") and ASCII_MAILBOX.fullmatch(userinfo)
    if mailbox and is_domain_like(host):
        log.add("userinfo-is-email", f"{authority!r} read as an e-mail address")
        return email_result(text, f"{userinfo}@{host}", log)

    if inferred and at:
        # Without a scheme, `user@host` can only be an e-mail address.
        if ASCII_MAILBOX.fullmatch(userinfo) and not remainder and is_domain_like(host):
            return email_result(text, f"{userinfo}@{host}", log)
        return log.fail(text, f"{authority!r} has an '@' but no scheme: not a web address")
    if inferred:
        refused = _check_schemeless(host, remainder)
        if refused:
            return log.fail(text, refused)
        tld = host.rstrip(".").rsplit(".", 1)[-1].lower()
        sure = host.lower().startswith("www.") or remainder or tld in _COMMON_TLDS
        log.add(
            "scheme-added",
            f"no scheme: {scheme + '://'!r} added",
            Confidence.REPAIRED if sure else Confidence.GUESS,
        )

    if not host:
        return log.fail(text, f"{scheme}: URL without a host")
    hr = convert_host(host)
    if hr.ascii is None or hr.unicode is None:
        return log.fail(text, hr.error or f"invalid host {host!r}")
    log.extend(hr.repairs, hr.warnings)
    if hr.alternative:
        log.alternative(f"{scheme}://{userinfo}{at}{hr.alternative}{colon}{port}{remainder}")
    if port and (not port.isdigit() or int(port) > 65535):
        return log.fail(text, f"invalid port {port!r}")
    if port and _DEFAULT_PORTS.get(scheme) == port.lstrip("0").rjust(1, "0"):
        log.add(
            "default-port-removed", f"default port :{port} of {scheme} removed", Confidence.EXACT
        )
    if "\\" in remainder:
        log.add("backslash-as-slash", "backslashes read as slashes", Confidence.EXACT)

    built = f"{scheme}://{userinfo}{at}{hr.ascii}{colon}{port}{remainder}"
    try:
        href = ada_url.normalize_url(built)
    except ValueError:
        return log.fail(text, f"not a valid URL: {built!r}")
    # ada's href is canonical, so its parts are cut out with string operations
    # (cheaper than reading each attribute from a parsed object).
    after = href[len(scheme) + 3 :]
    slash = after.find("/")  # special schemes always serialise a path
    authority, tail = after[:slash], after[slash:]
    creds, at_sign, hostport = authority.rpartition("@")
    if hostport.startswith("["):
        hostname = hostport[: hostport.index("]") + 1]
    else:
        hostname = hostport.partition(":")[0]
    port = hostport[len(hostname) + 1 :]
    display_host = hr.unicode if hostname == hr.ascii else hostname
    _address_warnings(hostname, log)
    path_query = tail.split("#", 1)[0]
    path, question, query = path_query.partition("?")
    display = f"{scheme}://{creds}{at_sign}{display_host}{hostport[len(hostname) :]}{tail}"
    key = web_key(
        scheme, userinfo=creds, host=hostname, port=port, path=path, query=question + query
    )
    return log.result(text, href, display, key, kind)


def _check_schemeless(host: str, remainder: str) -> str | None:
    """Reason why a scheme-less token is not a web address, or None (S1)."""
    if not host:
        return "no scheme and no host"
    plain = host.rstrip(".")
    if _NUMERIC.fullmatch(plain):
        parts = plain.split(".")
        if len(parts) == 4 and all(p and int(p) <= 255 for p in parts):
            return None
        return f"{host!r} is a number, not a domain name"
    if "." not in plain:
        return f"no scheme, and {host!r} is not a domain name"
    if not is_domain_like(plain):
        return f"no scheme, and {host!r} does not end in a public suffix"
    tld = plain.rsplit(".", 1)[-1].lower()
    if tld in _FILE_LIKE_TLDS and not remainder and not plain.lower().startswith("www."):
        return f"{host!r} looks like a file name ('.{tld}' is also a file extension)"
    return None


def _address_warnings(hostname: str, log: RepairLog) -> None:
    if hostname == "localhost" or hostname.endswith(".localhost"):
        log.warn("not a public host (localhost)")
        return
    if hostname[:1].isdigit() or hostname.startswith("["):
        try:
            address = ipaddress.ip_address(hostname.strip("[]"))
        except ValueError:
            return
        if not address.is_global:
            log.warn("not a public host (private or reserved address)")


# --------------------------------------------------------------------------
# Other schemes


def _other(text: str, scheme: str, s: str, log: RepairLog) -> Normalized:
    if s[: len(scheme)] != scheme:
        log.add("scheme-lowercased", f"scheme {s[: len(scheme)]!r} lower-cased", EXACT)
    rest = s[len(scheme) + 1 :].strip()
    if scheme in REFUSED_SCHEMES:
        return log.fail(
            text,
            f"{scheme}: URLs are refused (a script, not a resource)",
            UrlKind.OTHER_SCHEME,
        )
    if scheme == "doi":
        log.add("doi-resolver", "doi: name written as a https://doi.org/ URL")
        return _web(text, "https", "doi.org/" + rest.lstrip("/"), log, inferred=False)
    if scheme in SPECIAL_OTHER:
        return _web(
            text, scheme, rest.lstrip("/\\"), log, inferred=False, kind=UrlKind.OTHER_SCHEME
        )
    rest = re.sub(r"\s+", "" if scheme in ("tel", "sms", "fax") else "%20", rest)
    if not rest:
        return log.fail(text, f"{scheme}: without a body", UrlKind.OTHER_SCHEME)
    try:
        url = ada_url.URL(f"{scheme}:{rest}").href
    except ValueError:
        return log.fail(text, f"not a valid {scheme}: URL", UrlKind.OTHER_SCHEME)
    return log.result(text, url, url, opaque_key(url), UrlKind.OTHER_SCHEME)


def normalized_to_json(n: Normalized) -> dict[str, object]:
    """The `audit normalize --format json` object of DESIGN.md's contract."""
    return {
        "input": n.input,
        "url": n.url,
        "display": n.display,
        "key": n.key,
        "repairs": [{"rule": r.rule, "detail": r.detail} for r in n.repairs],
        "confidence": str(n.confidence),
        "warnings": list(n.warnings),
        "kind": str(n.kind),
        "error": n.error,
    }


_TARGET_TAIL = re.compile(r"[.,;:!?'\")\]}]+$")


def normalize_target(text: str) -> Normalized:
    """A link target (PDF annotation, href): exact by definition, so normalised but
    never trimmed (`…/wiki/Ay_caramba!` keeps its `!`)."""
    s = text.strip()
    n = normalize(s)
    tail = _TARGET_TAIL.search(s)
    trimmed = any(r.rule == "trailing-punctuation" for r in n.repairs)
    if n.url is None or tail is None or not trimmed:
        return n
    # The tail is protected from the trimming as escapes, then written back as it was.
    escaped = "".join(f"%{ord(ch):02X}" for ch in tail.group(0))
    kept = normalize(s[: tail.start()] + escaped)
    if kept.url is None or kept.key is None or not kept.url.endswith(escaped):
        return n
    url = kept.url[: -len(escaped)] + tail.group(0)
    display = kept.display[: -len(escaped)] + tail.group(0) if kept.display else url
    key = kept.key[: -len(escaped)] + tail.group(0) if kept.key.endswith(escaped) else kept.key
    repairs = tuple(r for r in kept.repairs if r.rule != "trailing-punctuation")
    return replace(kept, input=text, url=url, display=display, key=key, repairs=repairs)
