"""What every report format agrees on: labels, order, counts, best snapshot, advice.

Pure functions of `ReportData`; no escaping here (each format escapes for its
own syntax at the last moment).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from audit.models import (
    ArchiveLookup,
    Drift,
    Level,
    Observation,
    Outcome,
    ReportData,
    ResourceStatus,
    Snapshot,
    SuggestionKind,
    Verdict,
)
from audit.report._i18n import N_, Tr, translator

# A resource named without an address is not a verdict of the contract; the
# reports show it as its own state so it never inflates "unknown".
NO_ADDRESS = "no-address"

# Worst first: the order of problem lists, summary cards and the chart legend.
STATES: tuple[str, ...] = (
    Verdict.DEAD,
    Verdict.SUSPECT,
    Verdict.MOVED,
    Verdict.BLOCKED,
    Verdict.FLAKY,
    Verdict.UNKNOWN,
    Verdict.ALIVE,
    NO_ADDRESS,
)
SEVERITY: dict[str, int] = {state: rank for rank, state in enumerate(STATES)}

STATE_LABEL: dict[str, str] = {
    Verdict.ALIVE: N_("Alive"),
    Verdict.MOVED: N_("Moved"),
    Verdict.FLAKY: N_("Flaky"),
    Verdict.SUSPECT: N_("Suspect"),
    Verdict.DEAD: N_("Dead"),
    Verdict.BLOCKED: N_("Blocked"),
    Verdict.UNKNOWN: N_("Unknown"),
    NO_ADDRESS: N_("No address"),
}

STATE_MEANING: dict[str, str] = {
    Verdict.ALIVE: N_("answers with a real page"),
    Verdict.MOVED: N_("permanently redirected to a different resource"),
    Verdict.FLAKY: N_("answers, but not reliably"),
    Verdict.SUSPECT: N_("failing, not yet confirmed"),
    Verdict.DEAD: N_("confirmed by repeated failures over time"),
    Verdict.BLOCKED: N_("exists, but refuses the checker"),
    Verdict.UNKNOWN: N_("never conclusively checked"),
    NO_ADDRESS: N_("named in a document without a web address"),
}

# Verdicts a reader must act on; "unknown" is listed apart (nothing is known).
PROBLEMS: frozenset[str] = frozenset(
    {Verdict.DEAD, Verdict.SUSPECT, Verdict.MOVED, Verdict.BLOCKED, Verdict.FLAKY}
)

OUTCOME_LABEL: dict[Outcome, str] = {
    Outcome.OK: N_("OK"),
    Outcome.REDIRECTED: N_("Redirected"),
    Outcome.SOFT_404: N_("Soft 404"),
    Outcome.PARKED: N_("Parked domain"),
    Outcome.STUB: N_("Hosting placeholder"),
    Outcome.NOT_FOUND: N_("Not found"),
    Outcome.CLIENT_ERROR: N_("Client error"),
    Outcome.BLOCKED: N_("Blocked"),
    Outcome.RATE_LIMITED: N_("Rate limited"),
    Outcome.SERVER_ERROR: N_("Server error"),
    Outcome.DNS_NXDOMAIN: N_("No such domain"),
    Outcome.DNS_ERROR: N_("DNS error"),
    Outcome.CONNECTION_ERROR: N_("Connection failed"),
    Outcome.TLS_ERROR: N_("TLS error"),
    Outcome.TIMEOUT: N_("Timeout"),
    Outcome.REDIRECT_LOOP: N_("Redirect loop"),
    Outcome.INVALID_URL: N_("Invalid URL"),
    Outcome.UNSUPPORTED: N_("Not HTTP"),
    Outcome.SKIPPED: N_("Not checked (policy)"),
    Outcome.OFFLINE: N_("Offline"),
}

# Colour family of an outcome in history strips: what kind of failure it is.
OUTCOME_TONE: dict[Outcome, str] = {
    Outcome.OK: "ok",
    Outcome.REDIRECTED: "moved",
    Outcome.SOFT_404: "dead",
    Outcome.PARKED: "dead",
    Outcome.STUB: "dead",
    Outcome.NOT_FOUND: "dead",
    Outcome.CLIENT_ERROR: "dead",
    Outcome.DNS_NXDOMAIN: "dead",
    Outcome.REDIRECT_LOOP: "dead",
    Outcome.INVALID_URL: "dead",
    Outcome.BLOCKED: "refused",
    Outcome.RATE_LIMITED: "refused",
    Outcome.SERVER_ERROR: "transient",
    Outcome.DNS_ERROR: "transient",
    Outcome.CONNECTION_ERROR: "transient",
    Outcome.TLS_ERROR: "transient",
    Outcome.TIMEOUT: "transient",
    Outcome.UNSUPPORTED: "none",
    Outcome.SKIPPED: "none",
    Outcome.OFFLINE: "none",
}

# A suggestion (`audit fix`) as readers see it: its kind and its confidence, in words.
SUGGESTION_KIND: dict[SuggestionKind, str] = {
    SuggestionKind.DID_YOU_MEAN: N_("did you mean"),
    SuggestionKind.MOVED_TO: N_("moved to"),
}
CONFIDENCE_LABEL: dict[Level, str] = {
    Level.HIGH: N_("high confidence"),
    Level.MEDIUM: N_("medium confidence"),
    Level.LOW: N_("low confidence"),
}

# Visible-text similarity below which a live page is said to have changed.
DRIFT_NOTABLE = 0.8


def state_of(rs: ResourceStatus) -> str:
    return NO_ADDRESS if rs.resource.url is None else rs.verdict.value


def is_problem(rs: ResourceStatus) -> bool:
    return state_of(rs) in PROBLEMS


def by_severity(resources: tuple[ResourceStatus, ...]) -> list[ResourceStatus]:
    """Worst first, then by name; stable so equal rows keep registry order."""
    return sorted(resources, key=lambda rs: (SEVERITY[state_of(rs)], rs.resource.name.casefold()))


def utc(dt: datetime) -> datetime:
    # Naive datetimes in the store are UTC by convention.
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    if dt.tzinfo is UTC:  # the common case: skip the conversion (JSON calls this ~60k times)
        return dt.isoformat()[:-6] + "Z"
    return utc(dt).isoformat().replace("+00:00", "Z")


def fmt_dt(dt: datetime | None) -> str:
    return "" if dt is None else utc(dt).strftime("%Y-%m-%d %H:%M UTC")


def fmt_date(dt: datetime | None) -> str:
    return "" if dt is None else utc(dt).strftime("%Y-%m-%d")


def ago(dt: datetime | None, now: datetime) -> str:
    """A short age like "3 d ago", relative to the report's own time (deterministic)."""
    if dt is None:
        return ""
    seconds = int((utc(now) - utc(dt)).total_seconds())
    if seconds < 0:
        return "in the future"
    if seconds < 90:
        return "just now"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min ago"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)} h ago"
    return f"{round(seconds / 86400)} d ago"


def snapshot_date(snapshot: Snapshot) -> str:
    """YYYYMMDDhhmmss -> YYYY-MM-DD (the timestamp as given if it is malformed)."""
    ts = snapshot.timestamp
    if len(ts) >= 8 and ts[:8].isdigit():
        return f"{ts[0:4]}-{ts[4:6]}-{ts[6:8]}"
    return ts


def snapshot_datetime(snapshot: Snapshot) -> datetime | None:
    """A snapshot's YYYYMMDD... timestamp as a date (UTC), None if it is malformed."""
    ts = snapshot.timestamp
    try:
        return datetime(int(ts[0:4]), int(ts[4:6]), int(ts[6:8]), tzinfo=UTC)
    except ValueError:
        return None


def best_snapshot(archive: ArchiveLookup | None) -> Snapshot | None:
    """The copy a reader should open: nearest to the citation date, verified ones first.

    A snapshot known to be bad (verified is False, e.g. itself a soft 404) is
    never offered.
    """
    if archive is None:
        return None
    ordered = [archive.nearest, archive.before, archive.last, archive.after, archive.first]
    candidates = [s for s in ordered if s is not None and s.verified is not False]
    verified = [s for s in candidates if s.verified]
    best = verified or candidates
    return best[0] if best else None


def moved_to(rs: ResourceStatus) -> str | None:
    if rs.moved_to:
        return rs.moved_to
    if rs.verdict is Verdict.MOVED and rs.observation is not None:
        return rs.observation.final_url
    return None


def drift_notable(drift: Drift | None) -> bool:
    return drift is not None and (drift.title_changed or drift.similarity < DRIFT_NOTABLE)


def page_title(rs: ResourceStatus) -> str | None:
    obs = rs.observation
    if obs is None or obs.fingerprint is None or not obs.fingerprint.title.strip():
        return None
    return obs.fingerprint.title.strip()


def error_text(obs: Observation | None) -> str | None:
    """The contract's `error`: the transport failure, in words when we have them."""
    if obs is None or obs.error is None:
        return None
    return obs.detail or obs.error.value


def outcome_of(rs: ResourceStatus) -> Outcome | None:
    return None if rs.classification is None else rs.classification.outcome


def action(rs: ResourceStatus, tr: Tr | None = None) -> str:
    """What a person should do about this resource, in one sentence ("" if nothing).
    Without `tr`: English with ISO dates, as the machine formats (CSV, JSON) write it."""
    t = tr or translator()
    state = state_of(rs)
    snap = rs.replacement or best_snapshot(rs.archive)
    if state == NO_ADDRESS:
        return t._("Named without an address: add its URL to the registry if it has one.")
    if state == Verdict.DEAD:
        if snap is not None:
            at = snapshot_datetime(snap)
            text = t._(
                "Replace the citation with the archived copy of %(date)s.",
                date=t.date(at) if at and tr else snapshot_date(snap),
            )
            # A date that ends with its own period ("4 мар. 2019 г.") ends the sentence.
            return text[:-1] if text.endswith("..") else text
        return t._("Find where it went; no archived copy is known.")
    if state == Verdict.MOVED:
        target = moved_to(rs)
        if target:
            return t._("Update the citation to %(target)s.", target=target)
        return t._("Update the citation.")
    if state == Verdict.SUSPECT:
        return t._("Failing, not confirmed yet: the next runs will tell.")
    if state == Verdict.BLOCKED:
        return t._("Exists but refuses the checker: open it in a browser or check from elsewhere.")
    if state == Verdict.FLAKY:
        return t._("Answers unreliably: recheck before relying on it.")
    if state == Verdict.UNKNOWN:
        if outcome_of(rs) is Outcome.SKIPPED:
            return t._("Not checked by policy.")
        return t._("Not conclusively checked yet.")
    if drift_notable(rs.drift):
        return t._(
            "Alive, but the page changed since it was cited: compare with the archived copy."
        )
    return ""


@dataclass(frozen=True, slots=True)
class Count:
    state: str
    label: str
    count: int
    share: float  # of the resources with an address (no-address: of the registry), 0..1


@dataclass(frozen=True, slots=True)
class Summary:
    total: int
    with_address: int
    counts: tuple[Count, ...]  # every state, in STATES order (zeros included)
    problems: int

    def count(self, state: str) -> int:
        return next(c.count for c in self.counts if c.state == state)

    def share(self, state: str) -> float:
        return next(c.share for c in self.counts if c.state == state)


def summarize(data: ReportData) -> Summary:
    tally = dict.fromkeys(STATES, 0)
    for rs in data.resources:
        tally[state_of(rs)] += 1
    total = len(data.resources)
    with_address = total - tally[NO_ADDRESS]

    def share(state: str, n: int) -> float:
        # A verdict's share counts only what could be checked: 6 entries named
        # without an address must not make 9 of 12 checked look like 50%.
        whole = total if state == NO_ADDRESS else with_address
        return n / whole if whole else 0.0

    counts = tuple(
        Count(state, STATE_LABEL[state], n, share(state, n)) for state, n in tally.items()
    )
    return Summary(
        total=total,
        with_address=with_address,
        counts=counts,
        problems=sum(tally[s] for s in PROBLEMS),
    )


def percent(share: float) -> str:
    """A share for people: "0%", "<1%", "17%"."""
    if share <= 0:
        return "0%"
    if share < 0.01:
        return "<1%"
    return f"{round(share * 100)}%"


def sources_text(rs: ResourceStatus) -> list[str]:
    """Where it was cited: "reply.pdf:112 (Question 2 / Reply to par.2.1)"."""
    out = []
    for src in rs.resource.sources:
        where = src.document
        if src.page is not None:
            where += f" p.{src.page}"
        if src.line is not None:
            where += f":{src.line}"
        if src.section:
            where += f" ({src.section})"
        out.append(where)
    return out


def is_web_url(url: str | None) -> bool:
    """Only http(s) addresses become links: a `javascript:` citation stays text."""
    return url is not None and url.lower().startswith(("http://", "https://"))


def vantage(vantage: str, tr: Tr) -> str:
    """Where the checks ran from, as a reader understands it: the kind of connection
    the machine, then how it reached the web (directly or through a proxy)."""
    if not vantage:
        return tr._("not recorded")
    machine, _, proxy = vantage.partition(" via proxy ")
    if proxy:
        return tr._("%(machine)s, through the proxy %(proxy)s", proxy=proxy, machine=machine)
    return tr._("%(machine)s, direct connection", machine=machine)
