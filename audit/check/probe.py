"""One URL -> one Observation: resolve, GET (streamed, capped), follow redirects hop by hop.

Everything a check learns is recorded as facts (status, hops, headers that
matter, fingerprint, content signals, sibling similarity, https answer);
nothing here decides an outcome (classify.py does). The per-host probes it
shares between checks are sibling.py, https_probe.py and robots.py.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import UTC, datetime

from audit.check.body import ACCEPT_ENCODING, read_capped
from audit.check.bounds import bounded_hop, bounded_observation
from audit.check.client import Pools
from audit.check.content import content_facts
from audit.check.errors import LinkFailure, describe
from audit.check.exchange import (
    Fetched,
    drain_small,
    keep_cookies,
    note_address,
    request_headers,
)
from audit.check.https_probe import HttpsAnswer, HttpsProbes
from audit.check.location import header_text, redirect_target
from audit.check.resolve import Resolver
from audit.check.robots import MAX_ROBOTS, Robots
from audit.check.settings import CheckSettings, CheckTarget
from audit.check.sibling import Siblings
from audit.check.sigdata import load as load_signatures
from audit.check.urlparts import is_deep, split, usable_redirect
from audit.models import ErrorKind, Fingerprint, Hop, Observation

__all__ = ["KEPT_HEADERS", "REDIRECT_STATUSES", "Fetched", "Prober", "split"]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
KEPT_HEADERS = frozenset(
    {
        "content-type",
        "content-length",
        "content-encoding",
        "etag",
        "last-modified",
        "retry-after",
        "server",
        "location",
        "cf-mitigated",
        "x-vercel-mitigated",
        "x-amzn-waf-action",
        "x-datadome",
    }
)
KEPT_HEADERS |= load_signatures().header_names  # the headers signatures.toml reads


class Prober:
    """Checks single URLs; keeps the per-host, per-run probes (sibling, https) it shares."""

    def __init__(self, settings: CheckSettings, resolver: Resolver, pools: Pools) -> None:
        self.settings = settings
        self.resolver = resolver
        self.pools = pools
        self._base_headers = [
            ("User-Agent", settings.user_agent),
            ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            ("Accept-Language", settings.accept_language),
            ("Accept-Encoding", ACCEPT_ENCODING),
        ]
        self._robots = Robots(settings.user_agent, self._fetch_robots, settings.max_hosts)
        self._siblings = Siblings(self._probe_fetch, settings.max_hosts)
        self._https = HttpsProbes(self._probe_fetch, settings.https_port, settings.max_hosts)

    # -- the public entry ------------------------------------------------------
    async def observe(self, target: CheckTarget) -> Observation:
        started = time.monotonic()
        checked_at = datetime.now(UTC)
        timeout = target.timeout or self.settings.timeout
        deadline = started + timeout
        fetched = Fetched(target.url)
        https_task: asyncio.Task[HttpsAnswer] | None = None
        try:
            scheme, host, port, _ = split(target.url)
            if scheme == "http" and self.settings.https_probe and self._may_probe_https(host, port):
                https_task = self._https.start(target.url, host, port)
            async with asyncio.timeout(timeout):
                if self.settings.robots and await self._robots.disallowed(target.url, deadline):
                    raise LinkFailure(ErrorKind.POLICY, "disallowed by robots.txt (--robots)")
                await self._fetch(fetched, target, deadline)
        except TimeoutError:
            fetched.error, fetched.detail = (
                ErrorKind.TIMEOUT,
                f"no complete answer in {timeout:g} s",
            )
        except Exception as exc:  # every failure of a link is data
            fetched.error, fetched.detail = describe(exc)
        elapsed_ms = int((time.monotonic() - started) * 1000)  # the answer, not our analysis
        fp, signals, similarity = await self._enrich(fetched, target, deadline)
        https_status = None
        if https_task is not None and (answer := await self._https.answer(https_task, deadline)):
            https_status, https_error = answer
            if https_status is None:
                signals.append(f"https-error:{https_error}")
        obs = Observation(
            url=target.url,
            checked_at=checked_at,
            status=fetched.status,
            error=fetched.error,
            detail=fetched.detail,
            final_url=fetched.url,
            redirects=tuple(fetched.hops),
            elapsed_ms=elapsed_ms,
            headers=tuple(fetched.headers),
            fingerprint=fp,
            signals=tuple(signals),
            sibling_similarity=similarity,
            https_status=https_status,
            proxy=self.settings.proxy,
            not_modified=fetched.status == 304 and bool(target.etag or target.last_modified),
            vantage=self.settings.vantage,
            address=fetched.address,
            resolved=fetched.resolved,
        )
        if obs.error is ErrorKind.TLS and self.settings.tls_insecure_probe:
            obs = await self._insecure_probe(obs, fetched.url, deadline)
        return bounded_observation(obs)  # what an answer chose to send, within caps

    # -- fetching ----------------------------------------------------------------
    async def _fetch(
        self,
        fetched: Fetched,
        target: CheckTarget | None,
        deadline: float,
        *,
        max_redirects: int | None = None,
        verify: bool = True,
        cap: int | None = None,
    ) -> None:
        """Follow the chain from fetched.url, recording hops into `fetched` as it goes."""
        limit = self.settings.max_redirects if max_redirects is None else max_redirects
        cookies: dict[str, dict[str, str]] = {}
        seen: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
        url = fetched.url
        conditional = target
        while True:
            scheme, host, port, request_target = split(url)
            jar = cookies.setdefault(host, {})
            state = (url, tuple(sorted(jar.items())) if jar else ())
            if state in seen:
                raise LinkFailure(ErrorKind.REDIRECT_LOOP, f"redirect loop: {url} again")
            seen.add(state)
            resolution = await self.resolver.resolve(host, port)
            note_address(fetched, resolution, self.settings.proxy is not None)
            answer = await self.pools.request(
                "GET",
                scheme=scheme,
                host=host,
                port=port,
                target=request_target,
                headers=request_headers(self._base_headers, self.settings, host, conditional, jar),
                addresses=resolution.addresses,
                timeout=max(0.001, deadline - time.monotonic()),
                verify=verify,
            )
            conditional = None  # validators belong to the cited URL only
            try:
                location = answer.header("location")
                if answer.status in REDIRECT_STATUSES and location:
                    keep_cookies(answer, jar)
                    await drain_small(answer)
                    fetched.hops.append(bounded_hop(Hop(url, answer.status, header_text(location))))
                    nxt = redirect_target(url, location)
                    usable_redirect(nxt, location)
                    if len(fetched.hops) > limit:
                        fetched.url = nxt
                        raise LinkFailure(
                            ErrorKind.TOO_MANY_REDIRECTS, f"more than {limit} redirects"
                        )
                    url = fetched.url = nxt
                    continue
                fetched.status = answer.status
                fetched.headers = [(k, v) for k, v in answer.headers if k in KEPT_HEADERS]
                if answer.status >= 200 and answer.status not in (204, 304):
                    fetched.body, _ = await read_capped(
                        answer.chunks(),
                        answer.header("content-encoding"),
                        cap or self.settings.body_cap,
                    )
                return
            finally:
                await answer.aclose()

    async def _probe_fetch(
        self, fetched: Fetched, *, max_redirects: int | None = None, cap: int | None = None
    ) -> None:
        """A per-host probe's chain: shorter than a check's, as a host's pages wait on it."""
        timeout = min(self.settings.timeout, self.settings.probe_timeout)
        async with asyncio.timeout(timeout):
            await self._fetch(
                fetched, None, time.monotonic() + timeout, max_redirects=max_redirects, cap=cap
            )

    # -- content analysis ------------------------------------------------------------
    async def _enrich(
        self, fetched: Fetched, target: CheckTarget, deadline: float
    ) -> tuple[Fingerprint | None, list[str], float | None]:
        """Fingerprint, content signals and sibling similarity of an answered check."""
        fp, signals, page = content_facts(fetched, target.url)
        similarity: float | None = None
        if (
            fp is not None
            and page is not None
            and self.settings.sibling_probe
            and is_deep(target.url)
        ):
            similarity, more = await self._siblings.compare(target.url, fp, fetched, deadline)
            signals += more
        return fp, signals, similarity

    # -- per-host probes ------------------------------------------------------------
    async def _fetch_robots(self, url: str) -> tuple[int | None, bytes]:
        fetched = Fetched(url)
        try:
            await self._probe_fetch(fetched, max_redirects=5, cap=MAX_ROBOTS)
        except Exception:
            return None, b""
        return fetched.status, fetched.body

    def _may_probe_https(self, host: str, port: int) -> bool:
        """Not for a name the user mapped for http only: it would go to the real host."""
        return not self.resolver.is_mapped(host, port) or self.resolver.is_mapped(
            host, self.settings.https_port
        )

    def forget(self) -> None:
        """A new run: probe hosts afresh (finished probes only; running ones finish)."""
        self._siblings.tasks.forget()
        self._https.tasks.forget()

    async def aclose(self) -> None:
        await self._robots.aclose()
        tasks = [*self._siblings.tasks.tasks(), *self._https.tasks.tasks()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _insecure_probe(self, obs: Observation, url: str, deadline: float) -> Observation:
        """After a certificate failure: does the site answer unverified? Evidence only."""
        fetched = Fetched(url)
        remaining = max(0.5, min(5.0, deadline - time.monotonic() + 1.0))
        try:
            async with asyncio.timeout(remaining):
                await self._fetch(
                    fetched,
                    None,
                    time.monotonic() + remaining,
                    verify=False,
                    max_redirects=0,
                    cap=1,
                )
            note = f"HTTP {fetched.status}"
        except LinkFailure as exc:
            note = (
                f"HTTP {fetched.hops[0].status}"
                if exc.kind is ErrorKind.TOO_MANY_REDIRECTS and fetched.hops
                else f"fails too ({exc.detail})"
            )
        except Exception as exc:
            note = f"fails too ({describe(exc)[1]})"
        return replace(obs, signals=(*obs.signals, f"tls-insecure:{note}"))
