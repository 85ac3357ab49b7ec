"""Archive lookup settings: every endpoint, limit and policy in one frozen record.

The real services are the defaults; tests point every base URL at a loopback
fake archive.  Rates default to about 80 % of the published or observed limits
(docs/archive-protocols.md §5): Internet Archive staff asked clients for 80 %.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from urllib.parse import urlsplit

from audit.errors import InputError

# Memento-compliant archives other than the Wayback Machine: (name, TimeMap base).
# The URI-R is appended to the base as is (docs/archive-protocols.md §4.7, §10).
DEFAULT_TIMEMAPS: tuple[tuple[str, str], ...] = (
    ("archive.today", "https://archive.today/timemap/"),
    ("arquivo.pt", "https://arquivo.pt/wayback/timemap/link/"),
    ("ukwa", "https://www.webarchive.org.uk/wayback/archive/timemap/link/"),
    ("loc", "https://webarchive.loc.gov/all/timemap/link/"),
)

# TimeGates of the same archives, used when a TimeMap cannot be had.
DEFAULT_TIMEGATES: tuple[tuple[str, str], ...] = (
    ("archive.today", "https://archive.today/timegate/"),
    ("arquivo.pt", "https://arquivo.pt/wayback/"),
    ("ukwa", "https://www.webarchive.org.uk/wayback/archive/"),
    ("loc", "https://webarchive.loc.gov/all/"),
)

DEFAULT_FRESHNESS = timedelta(days=7)

# Descriptive, as IA asks of bots; the CLI's --user-agent replaces it.
DEFAULT_USER_AGENT = "audit/0.1 (cited web resource audit; python-httpx)"


@dataclass(frozen=True, slots=True)
class ArchiveSettings:
    """How `Archiver` talks to the archives.

    `memento_timemaps` lists the archives other than Wayback; the Wayback
    Machine's own endpoints (CDX, TimeMap, replay, Save Page Now) all hang off
    `wayback_url`, so `--wayback-url` moves all of them together.
    """

    wayback_url: str = "https://web.archive.org"
    availability_url: str = "https://archive.org"
    memento_timemaps: tuple[tuple[str, str], ...] = DEFAULT_TIMEMAPS
    memento_timegates: tuple[tuple[str, str], ...] = DEFAULT_TIMEGATES
    timeout: float = 30.0  # per request, all included: connect + headers + body
    user_agent: str = DEFAULT_USER_AGENT
    proxy: str | None = None
    dns_server: tuple[str, int] | None = None  # names resolve as the checker's (check/dns.py)
    concurrency: int = 4

    # Rates per endpoint family, requests per minute (about 80 % of the limits).
    cdx_per_minute: float = 24.0  # CDX + /web/timemap share one 30/min pool (2026)
    availability_per_minute: float = 12.0  # no published limit, heavy 429s reported
    replay_per_minute: float = 240.0  # playback: doc recommends <= 4/s
    memento_per_minute: float = 30.0  # each other archive separately
    save_per_minute: float = 5.0  # SPN2 authenticated: 7/min documented
    # 429 handling: pause the family for Retry-After, or this when absent.
    rate_limit_pause: float = 60.0
    # A pause longer than this is not waited for: the lookup answers `unknown`.
    max_wait: float = 120.0
    retries: int = 2  # for 5xx and transport errors, with exponential back-off
    backoff: float = 2.0  # seconds before the first retry; doubles each time

    # Body caps per endpoint kind (decoded bytes): a CDX page of 5000 rows is ~1 MB,
    # a large site's TimeMap several MB; an API answer is a few KB.
    cdx_max_bytes: int = 16 * 1024 * 1024
    timemap_max_bytes: int = 16 * 1024 * 1024
    api_max_bytes: int = 1024 * 1024
    replay_max_bytes: int = 2 * 1024 * 1024
    # Consecutive transport failures (no answer in time, refused, reset) after which
    # an endpoint counts as unreachable for the rest of the run.
    breaker_failures: int = 3
    # URLs taken from archives' answers may point at loopback/private addresses.
    allow_private: bool = False

    # CDX paging and availability quirks.
    cdx_page_size: int = 5000
    cdx_max_pages: int = 4
    availability_tries: int = 3  # re-ask on a spurious empty answer (§1.4 Q1)

    # Save Page Now 2 (opt-in).
    save: bool = False
    access_key: str | None = None
    secret_key: str | None = None
    if_not_archived_within: timedelta = timedelta(days=30)
    poll_interval: float = 6.0
    poll_limit: int = 40

    verify: bool = True  # replay the recommended snapshot before recommending it
    max_verify: int = 3  # snapshots replayed per resource at most
    memento: bool = True  # also ask the archives in memento_timemaps
    freshness: timedelta = DEFAULT_FRESHNESS  # cache window

    def with_env_keys(self, environ: Mapping[str, str]) -> ArchiveSettings:
        """Fill missing SPN2 keys from IA_ACCESS_KEY / IA_SECRET_KEY."""
        return replace(
            self,
            access_key=self.access_key or environ.get("IA_ACCESS_KEY") or None,
            secret_key=self.secret_key or environ.get("IA_SECRET_KEY") or None,
        )

    def __post_init__(self) -> None:
        for option, value in (
            ("--wayback-url", self.wayback_url),
            ("--availability-url", self.availability_url),
            *((f"memento archive {n}", u) for n, u in self.memento_timemaps),
            *((f"memento timegate {n}", u) for n, u in self.memento_timegates),
        ):
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise InputError(f"{option}: not an http(s) URL: {value!r}")
        if not (0 < self.timeout < 86400):  # also refuses nan and inf
            raise InputError("archive settings: timeout must be between 0 and 86400 s")
        if self.concurrency < 1 or self.poll_limit < 0:
            raise InputError("archive settings: concurrency, timeout and poll limit must be > 0")

    @property
    def cdx_endpoint(self) -> str:
        return self.wayback_url.rstrip("/") + "/cdx/search/cdx"

    @property
    def availability_endpoint(self) -> str:
        return self.availability_url.rstrip("/") + "/wayback/available"

    @property
    def wayback_timemap(self) -> str:
        return self.wayback_url.rstrip("/") + "/web/timemap/link/"

    @property
    def replay_base(self) -> str:
        return self.wayback_url.rstrip("/") + "/web/"

    @property
    def save_endpoint(self) -> str:
        return self.wayback_url.rstrip("/") + "/save"
