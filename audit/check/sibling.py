"""The soft-404 probe: a page that answers like a made-up name beside it is not there.

Once per origin a random name in the cited page's folder is fetched; the cited
page's similarity to it is a fact for classify.py (a soft 404 copies the same
"not found" page to every address), not a verdict.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from urllib.parse import urlsplit

from audit.check.errors import describe
from audit.check.exchange import Fetched, ProbeFetch, header, is_markup
from audit.check.fingerprint import binary_fingerprint, fingerprint, read_page, text_similarity
from audit.check.hosttasks import HostTasks, within
from audit.check.urlparts import split
from audit.models import Fingerprint

_THIN = 64  # characters of visible text below which "identical to a sibling" proves nothing


@dataclass(frozen=True, slots=True)
class _Sibling:
    status: int | None
    final_url: str
    hops: int
    fingerprint: Fingerprint | None


class Siblings:
    """The sibling probes of a run, one per (scheme, host, port)."""

    def __init__(self, fetch: ProbeFetch, max_hosts: int) -> None:
        self._fetch = fetch
        self.tasks: HostTasks[tuple[str, str, int], _Sibling] = HostTasks(max_hosts)

    async def compare(
        self, url: str, fp: Fingerprint, fetched: Fetched, deadline: float
    ) -> tuple[float | None, list[str]]:
        """(similarity to the sibling, signals); (None, []) without a sibling in time."""
        sibling = await self._sibling(url, deadline)
        if sibling is None:
            return None, []
        return _compare(fp, fetched, sibling)

    async def _sibling(self, url: str, deadline: float) -> _Sibling | None:
        scheme, host, port, _ = split(url)
        task = self.tasks.get((scheme, host, port), lambda: self._fetch_sibling(_beside(url)))
        try:
            return await within(task, deadline, 0.0)
        except (TimeoutError, Exception):
            return None

    async def _fetch_sibling(self, url: str) -> _Sibling:
        fetched = Fetched(url)
        try:
            await self._fetch(fetched)
        except Exception as exc:
            fetched.error, fetched.detail = describe(exc)
        fp = None
        if fetched.status is not None and 200 <= fetched.status < 300:
            content_type = header(fetched.headers, "content-type") or ""
            if is_markup(content_type, fetched.body):
                fp = fingerprint(fetched.url, read_page(fetched.body, content_type))
            else:
                fp = binary_fingerprint(fetched.url, fetched.body)
        return _Sibling(fetched.status, fetched.url, len(fetched.hops), fp)


def _beside(url: str) -> str:
    """A made-up name in the folder of `url`, on its origin."""
    scheme, _, _, target = split(url)
    directory = target.split("?", 1)[0].rsplit("/", 1)[0]
    name = "".join(random.choices(string.ascii_lowercase, k=25))
    return f"{scheme}://{urlsplit(url).netloc}{directory}/{name}"


def _compare(
    fp: Fingerprint, fetched: Fetched, sibling: _Sibling
) -> tuple[float | None, list[str]]:
    if sibling.status is None:
        return None, []
    if not 200 <= sibling.status < 300 or sibling.fingerprint is None:
        return None, [f"sibling-status:{sibling.status}"]
    signals: list[str] = []
    if sibling.hops and fetched.hops and sibling.final_url == fetched.url:
        signals.append(f"sibling-same-final-url:{fetched.url[:120]}")
    similarity = text_similarity(fp, sibling.fingerprint)
    if fp.length < _THIN and sibling.fingerprint.length < _THIN:
        signals.append("sibling-thin")
    return round(similarity, 3), signals
