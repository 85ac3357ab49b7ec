"""One redirect chain's exchange: what each hop sends (headers, cookies) and what the
chain ends with (Fetched), with the small readers of an answer the probe shares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from audit.check.client import Answer
from audit.check.resolve import Resolution
from audit.check.settings import CheckSettings, CheckTarget
from audit.models import ErrorKind, Hop


@dataclass(slots=True)
class Fetched:
    """The end of one redirect chain."""

    url: str  # the URL that gave the final answer (or failed)
    hops: list[Hop] = field(default_factory=list)
    status: int | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    error: ErrorKind | None = None
    detail: str = ""
    address: str | None = None  # where the last hop was sent (pinned), None via a proxy
    resolved: str | None = None  # the --resolve rule that gave it


class ProbeFetch(Protocol):
    """Follow the chain from fetched.url within the per-host probe timeout (raises)."""

    async def __call__(
        self, fetched: Fetched, *, max_redirects: int | None = None, cap: int | None = None
    ) -> None: ...


def request_headers(
    base: list[tuple[str, str]],
    settings: CheckSettings,
    host: str,
    target: CheckTarget | None,
    cookies: dict[str, str],
) -> list[tuple[str, str]]:
    headers = list(base)
    # the user's own headers for this host (a token for an intranet): never sent to
    # another host a redirect leads to, never recorded
    headers += settings.headers_for(host)
    if target is not None:
        if target.etag:
            headers.append(("If-None-Match", target.etag))
        if target.last_modified:
            headers.append(("If-Modified-Since", target.last_modified))
    if cookies:
        headers.append(("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items())))
    return headers


def keep_cookies(answer: Answer, jar: dict[str, str]) -> None:
    """Keep what a redirect sets for the next hops to its host: some sites redirect until
    their cookie comes back."""
    for raw in answer.header_all("set-cookie")[:20]:
        pair = raw.split(";", 1)[0]
        name, sep, value = pair.partition("=")
        if sep and name.strip():
            jar[name.strip()] = value.strip()


async def drain_small(answer: Answer) -> None:
    """Read a short redirect body to its end, so the connection can be reused."""
    length = answer.header("content-length")
    if length is not None and length.isdigit() and int(length) <= 65536:
        async for _ in answer.chunks():
            pass


def note_address(fetched: Fetched, resolution: Resolution, proxied: bool) -> None:
    """Record where this hop goes: the pinned address (tried first), or none when the
    proxy resolves the name; and the --resolve mapping, when one chose it."""
    fetched.address = None if proxied or not resolution.addresses else resolution.addresses[0]
    fetched.resolved = None
    if resolution.source == "rule":
        fetched.resolved = f"{resolution.host}:{resolution.port}:{','.join(resolution.addresses)}"


def header(headers: list[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key == name:
            return value
    return None


def is_markup(content_type: str, body: bytes) -> bool:
    ct = content_type.lower()
    if "html" in ct or "xml" in ct:
        return True
    if ct and not ct.startswith("text/"):
        return False
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype", b"<html", b"<head", b"<title", b"<body", b"<"))
