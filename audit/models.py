"""The vocabulary of `audit`: frozen records and string enums, no I/O.

Enum values are the wire format: they go unchanged into SQLite, JSON, YAML
and the reports (DESIGN.md, "Contract").  Steps exchange these types; each
step may keep private helper types of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

# --------------------------------------------------------------------------
# URLs (repair and normalisation)


class UrlKind(StrEnum):
    """What a citation turned out to be."""

    WEB = "web"
    EMAIL = "email"
    OTHER_SCHEME = "other-scheme"
    NOT_A_URL = "not-a-url"


class Confidence(StrEnum):
    """How sure the repair engine is that `url` is what the author meant."""

    EXACT = "exact"  # nothing but lossless formatting changed
    REPAIRED = "repaired"  # near-certain repairs (B class in docs/url-repair.md)
    GUESS = "guess"  # an ambiguous choice was made (C class)


@dataclass(frozen=True, slots=True)
class Repair:
    """One change the repair engine made, with a human reason."""

    rule: str  # stable rule id, e.g. "space-after-scheme"
    detail: str  # what changed and why, one sentence
    confidence: Confidence = Confidence.REPAIRED


@dataclass(frozen=True, slots=True)
class Normalized:
    """The result of repairing and normalising one citation (never raises)."""

    input: str
    url: str | None  # ASCII request URL, IDN host as punycode; None if irreparable
    display: str | None  # the same URL with a Unicode host, for people
    key: str | None  # dedup key: RFC 3986 equivalence only, prefixed by its version
    repairs: tuple[Repair, ...] = ()
    confidence: Confidence = Confidence.EXACT
    warnings: tuple[str, ...] = ()
    kind: UrlKind = UrlKind.WEB
    error: str | None = None
    # Other readings of an ambiguous (guess) repair, as request URLs, most
    # likely first: e.g. the right-hand part of a host split by a space, or a
    # path without the hyphen at a line break.  For DNS/HTTP verification; not
    # part of the `normalize --format json` contract.
    alternatives: tuple[str, ...] = ()


# --------------------------------------------------------------------------
# Documents and the registry


@dataclass(frozen=True, slots=True)
class Location:
    """Where in a document something was cited (1-based; None when unknown)."""

    page: int | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Citation:
    """One occurrence of a cited resource in a document."""

    raw: str  # exactly as written
    source: str  # document path as given
    location: Location = Location()
    section: str | None = None  # e.g. "Question 2 / Reply to par.2.1"
    context: str | None = None  # the organisation or description given for it
    normalized: Normalized | None = None  # None for a named resource without address
    region: str | None = None  # the region heading it is listed under, e.g. "Vologda Region"


@dataclass(frozen=True, slots=True)
class Source:
    """Where the registry says a resource was cited."""

    document: str
    line: int | None = None
    page: int | None = None
    section: str | None = None


@dataclass(frozen=True, slots=True)
class ResourcePolicy:
    """Per-resource (or registry-wide) checking and judging policy overrides."""

    accept: frozenset[int] = frozenset()  # extra HTTP statuses to treat as ok
    skip: str | None = None  # reason to never check it
    timeout: float | None = None
    confirm_checks: int | None = None
    confirm_span_days: float | None = None
    unreachable_checks: int | None = None  # persistent transient failures: dead after ...
    unreachable_span_days: float | None = None


@dataclass(frozen=True, slots=True)
class Override:
    """A person's verdict for a resource, over the judge's until a date (if given)."""

    verdict: Verdict
    reason: str
    until: date | None = None


@dataclass(frozen=True, slots=True)
class Replacement:
    """A new address a person accepted for a resource (the registry's `replaced_by:`)."""

    url: str  # normalised request URL
    date: str | None = None  # ISO date it was accepted
    source: str | None = None  # where it came from, e.g. "audit fix: did you mean"


@dataclass(frozen=True, slots=True)
class Resource:
    """One entry of data/resources.yaml."""

    id: str
    name: str
    url: str | None  # normalised request URL; None for a resource named without address
    cited_as: str | None = None
    display: str | None = None
    kind: str | None = None
    region: str | None = None
    sources: tuple[Source, ...] = ()
    notes: str | None = None
    policy: ResourcePolicy = ResourcePolicy()
    candidate: bool = False  # proposed by `extract --names`, awaiting a human
    cited_on: str | None = None  # ISO date the document cited it, if known
    line: int | None = None  # line of the entry in the registry file, for messages
    cited: Normalized | None = None  # `cited_as` repaired and explained (for reports)
    override: Override | None = None  # `override:` a person set
    keep: bool = False  # `keep: true`: `audit fix` leaves its citations as written
    # An accepted replacement: this entry is no longer checked (its history stays) and
    # the registry adds a successor entry, id "<id>.new", that checks `replaced_by.url`.
    replaced_by: Replacement | None = None
    replaces: str | None = None  # on the successor: the id of the entry it replaces


# --------------------------------------------------------------------------
# Checking: observation (facts) -> outcome (pure classification)


class Outcome(StrEnum):
    """One check's result (DESIGN.md contract table)."""

    OK = "ok"
    REDIRECTED = "redirected"
    SOFT_404 = "soft_404"
    PARKED = "parked"
    STUB = "stub"  # a hosting placeholder: suspended, unpaid, not configured, default page
    NOT_FOUND = "not_found"
    CLIENT_ERROR = "client_error"
    BLOCKED = "blocked"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    DNS_NXDOMAIN = "dns_nxdomain"
    DNS_ERROR = "dns_error"
    CONNECTION_ERROR = "connection_error"
    TLS_ERROR = "tls_error"
    TIMEOUT = "timeout"
    REDIRECT_LOOP = "redirect_loop"
    INVALID_URL = "invalid_url"
    UNSUPPORTED = "unsupported"
    SKIPPED = "skipped"
    OFFLINE = "offline"


class ErrorKind(StrEnum):
    """Transport-level failure of a request, mapped from httpx/OS errors in one place."""

    DNS_NXDOMAIN = "dns_nxdomain"
    DNS_ERROR = "dns_error"
    CONNECT = "connect"  # refused, unreachable
    RESET = "reset"  # connection reset or closed mid-answer
    TLS = "tls"
    TIMEOUT = "timeout"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    REDIRECT_LOOP = "redirect_loop"
    INVALID_REDIRECT = "invalid_redirect"  # a Location that is no usable URL: the server's error
    PROTOCOL = "protocol"  # malformed status line, headers, framing
    DECODING = "decoding"  # broken content-encoding
    PROXY = "proxy"
    INVALID_URL = "invalid_url"
    UNSUPPORTED = "unsupported"  # not an http(s) URL
    POLICY = "policy"  # refused by our address policy or exclusion rules
    OFFLINE = "offline"  # our own network was down: says nothing about the resource
    RATE_LIMITED = "rate_limited"  # not asked: the host asked us to wait longer than we do
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Hop:
    """One response in a redirect chain."""

    url: str
    status: int
    location: str | None = None


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What an ok page looked like, for content-drift detection."""

    final_url: str
    title: str
    text_hash: str  # sha256 hex of the normalised visible text
    simhash: int  # 64-bit similarity hash of the visible text
    length: int  # characters of visible text


@dataclass(frozen=True, slots=True)
class Observation:
    """The raw facts of one check of one URL. Never a judgement."""

    url: str
    checked_at: datetime  # UTC
    status: int | None = None  # final HTTP status, None on transport failure
    error: ErrorKind | None = None
    detail: str = ""  # error message or policy reason
    final_url: str | None = None
    redirects: tuple[Hop, ...] = ()
    elapsed_ms: int = 0
    headers: tuple[tuple[str, str], ...] = ()  # the response headers that matter
    fingerprint: Fingerprint | None = None
    signals: tuple[str, ...] = ()  # content cues seen, e.g. "soft404-title:ru"
    sibling_similarity: float | None = None  # vs a random sibling URL on the same host
    https_status: int | None = None  # for http:// URLs: what https:// answered
    proxy: str | None = None
    not_modified: bool = False  # a conditional request answered 304


@dataclass(frozen=True, slots=True)
class Classification:
    """The outcome of one observation and the evidence for it (pure)."""

    outcome: Outcome
    evidence: tuple[str, ...] = ()


class Network(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"


# --------------------------------------------------------------------------
# Judging: history -> verdict


class Verdict(StrEnum):
    """A resource's state, judged from its history (DESIGN.md contract)."""

    ALIVE = "alive"
    MOVED = "moved"  # permanently redirected to a different resource
    FLAKY = "flaky"  # answers, but not reliably
    SUSPECT = "suspect"  # failing, not yet confirmed
    DEAD = "dead"  # confirmed: repeated dead-kind failures spread over time
    BLOCKED = "blocked"  # exists, refuses us
    UNKNOWN = "unknown"  # never conclusively checked


@dataclass(frozen=True, slots=True)
class Judgement:
    verdict: Verdict
    reason: str
    failing_since: datetime | None = None
    last_ok: datetime | None = None
    moved_to: str | None = None


# --------------------------------------------------------------------------
# Archives


class ArchiveStatus(StrEnum):
    ARCHIVED = "archived"
    NOT_ARCHIVED = "not_archived"
    UNKNOWN = "unknown"  # the archive could not be asked: never "not archived"


@dataclass(frozen=True, slots=True)
class Snapshot:
    archive: str  # "wayback", "archive.today", ...
    url: str  # replay URL
    timestamp: str  # YYYYMMDDhhmmss
    status: int | None = None
    verified: bool | None = None


@dataclass(frozen=True, slots=True)
class SaveResult:
    job_id: str | None
    status: str  # "success", "error", "pending", "refused", "skipped", "unknown"
    detail: str = ""
    timestamp: str | None = None  # YYYYMMDDhhmmss of the capture, on success
    original_url: str | None = None  # the URL captured (after redirects), on success


@dataclass(frozen=True, slots=True)
class ArchiveLookup:
    url: str
    status: ArchiveStatus
    count: int | None = None
    first: Snapshot | None = None
    last: Snapshot | None = None
    nearest: Snapshot | None = None
    before: Snapshot | None = None
    after: Snapshot | None = None
    saved: SaveResult | None = None
    checked_at: datetime | None = None
    detail: str = ""
    # The verified snapshot a report should recommend (nearest before the
    # citation date that replays as a real page); None if none was verified.
    recommended: Snapshot | None = None


# --------------------------------------------------------------------------
# Runs and reports


@dataclass(frozen=True, slots=True)
class RunInfo:
    id: int
    started: datetime
    finished: datetime | None
    network: Network
    vantage: str = ""  # where it was checked from (host name, proxy)
    tool_version: str = ""


@dataclass(frozen=True, slots=True)
class HistoryMark:
    """One check in a resource's history strip."""

    checked_at: datetime
    outcome: Outcome
    run_id: int | None = None
    verdict: Verdict | None = None  # the resource's verdict as judged after this check


@dataclass(frozen=True, slots=True)
class Drift:
    similarity: float  # 0..1 visible-text similarity to the baseline
    title_changed: bool
    baseline_at: datetime
    detail: str = ""


@dataclass(frozen=True, slots=True)
class VerdictChange:
    resource_id: str
    url: str | None
    before: Verdict | None
    after: Verdict
    at: datetime
    reason: str = ""


# --------------------------------------------------------------------------
# Suggestions (`audit fix`): where a failing resource may have gone


class SuggestionKind(StrEnum):
    DID_YOU_MEAN = "did_you_mean"  # a host one edit away that answers
    MOVED_TO = "moved_to"  # the archive saw the site redirect or announce a new address


class Level(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A possible new address for a failing resource: shown, never applied silently."""

    kind: SuggestionKind
    url: str
    score: float  # 0..1, from the evidence
    evidence: tuple[str, ...] = ()

    @property
    def confidence(self) -> Level:
        return level(self.score)


def level(score: float) -> Level:
    if score >= 0.75:
        return Level.HIGH
    return Level.MEDIUM if score >= 0.5 else Level.LOW


@dataclass(frozen=True, slots=True)
class ResourceStatus:
    """Everything a report shows about one resource."""

    resource: Resource
    normalized: Normalized | None = None
    verdict: Verdict = Verdict.UNKNOWN
    reason: str = ""
    observation: Observation | None = None  # the latest
    classification: Classification | None = None  # of the latest
    last_checked: datetime | None = None
    last_ok: datetime | None = None
    failing_since: datetime | None = None
    history: tuple[HistoryMark, ...] = ()  # the most recent checks (a bounded number)
    checks: int = 0  # every check recorded (history may show fewer); 0: len(history)
    drift: Drift | None = None
    archive: ArchiveLookup | None = None
    replacement: Snapshot | None = None  # suggested for dead / suspect / moved
    moved_to: str | None = None  # Judgement.moved_to, for a moved resource
    suggestions: tuple[Suggestion, ...] = ()  # kept by `audit fix`, best first; never applied


@dataclass(frozen=True, slots=True)
class ReportData:
    """The input of every report renderer (pure functions of this)."""

    generated_at: datetime
    run: RunInfo | None
    registry_path: str
    resources: tuple[ResourceStatus, ...]
    changes: tuple[VerdictChange, ...] = ()  # since the previous run
    previous_run: RunInfo | None = None  # the run `changes` are measured against
    # verdict counts per past run, oldest first, for the chart
    timeline: tuple[tuple[datetime, dict[str, int]], ...] = field(default_factory=tuple)
    lang: str = "en"  # the language of the reports people read (en, fr, ru)
    # run-level warnings every report shows (e.g. "archives unreachable: ...")
    notes: tuple[str, ...] = ()
