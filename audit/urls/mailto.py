"""E-mail addresses: bare, `mailto:`, named (`Name <a@x.ru>`), or a mailbox as userinfo."""

from __future__ import annotations

import re

from audit.models import Normalized, UrlKind

from ._log import RepairLog
from .host import convert_host, is_domain_like
from .keys import opaque_key

_MAILBOX = re.compile(r"[\w!#$%&'*+/=?^`{|}~-]+(?:\.[\w!#$%&'*+/=?^`{|}~-]+)*")
# H15 only reads ASCII user names as mailboxes (`http://é@x` is a user name).
ASCII_MAILBOX = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
BARE_EMAIL = re.compile(r"([\w!#$%&'*+/=?^`{|}~.-]+)@([^\s@/\\?#:]+)")
NAMED_EMAIL = re.compile(r"([^<>@]*)<(?:mailto:)?([^<>\s@]+@[^<>\s@]+)>")


def email_result(text: str, part: str, log: RepairLog) -> Normalized:
    """`part` is one address or a `mailto:` body (`a@x.ru,b@y.ru?subject=…`)."""
    addresses, _, query = part.partition("?")
    ascii_parts: list[str] = []
    unicode_parts: list[str] = []
    key_parts: list[str] = []
    for address in (a.strip() for a in addresses.split(",")):
        if not address:
            continue
        local, at, domain = address.rpartition("@")
        if not at or not local or not _MAILBOX.fullmatch(local):
            return log.fail(text, f"{address!r} is not an e-mail address")
        hr = convert_host(domain)
        if hr.ascii is None or hr.unicode is None:
            return log.fail(text, hr.error or f"invalid domain {domain!r}")
        if not is_domain_like(hr.unicode) and not is_domain_like(hr.ascii):
            return log.fail(text, f"e-mail domain {domain!r} does not end in a public suffix")
        log.extend(hr.repairs, hr.warnings)
        ascii_parts.append(f"{local}@{hr.ascii}")
        unicode_parts.append(f"{local}@{hr.unicode}")
        key_parts.append(f"{local}@{hr.ascii}")
    if not ascii_parts:
        return log.fail(text, "mailto: without an address")
    q = "?" + query if query else ""
    url = "mailto:" + ",".join(ascii_parts) + q
    return log.result(
        text,
        url,
        "mailto:" + ",".join(unicode_parts) + q,
        opaque_key("mailto:" + ",".join(key_parts) + q),
        UrlKind.EMAIL,
    )
