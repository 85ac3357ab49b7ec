"""ReportData whose reasons and evidence come from the real classify and judge.

Each scenario is a series of observations, one a day; the report shows what
`audit.check.classify` and `audit.judge` make of them, so the translation tests
and the screenshots see the sentences those modules really write.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from audit.check.classify import classify
from audit.judge import Check, judge
from audit.models import (
    ArchiveLookup,
    ArchiveStatus,
    ErrorKind,
    HistoryMark,
    Hop,
    Network,
    Observation,
    ReportData,
    Resource,
    ResourceStatus,
    RunInfo,
    Snapshot,
    Source,
    Suggestion,
    SuggestionKind,
)

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
DOCS = ("reply-2024.pdf", "monitoring/report-2025.docx", "notes.md")

Make = Callable[[str, datetime], Observation]


def _ok(url: str, at: datetime) -> Observation:
    return Observation(url, at, status=200, final_url=url, sibling_similarity=0.12)


def _status(code: int, **kw: object) -> Make:
    def make(url: str, at: datetime) -> Observation:
        return Observation(url, at, status=code, final_url=url, **kw)  # type: ignore[arg-type]

    return make


def _error(kind: ErrorKind, detail: str = "") -> Make:
    return lambda url, at: Observation(url, at, error=kind, detail=detail)


def _moved(url: str, at: datetime) -> Observation:
    target = "https://new.example.org/page"
    return Observation(
        url, at, status=200, final_url=target, redirects=(Hop(url, 301), Hop(target, 200))
    )


SCENARIOS: dict[str, tuple[str, list[Make]]] = {
    "alive": ("Regional education portal", [_ok] * 6),
    "dead-404": ("Helpline of the ministry", [_ok, *[_status(404)] * 5]),
    "suspect-nx": (
        "Centre for psychological support",
        [_ok] * 4 + [_error(ErrorKind.DNS_NXDOMAIN, "Name or service not known")] * 2,
    ),
    "flaky-5xx": ("Youth council", [_ok, _ok, _status(503)]),
    "tls": ("Family centre", [_error(ErrorKind.TLS, "certificate has expired")] * 2),
    "moved": ("Children's rights portal", [_ok, _moved, _moved, _moved]),
    "blocked": (
        "National statistics",
        [_status(403, signals=("challenge-title:Just a moment",))] * 3,
    ),
    "soft404": (
        "Old project page",
        [_ok, *[_status(200, signals=("soft404-title:ru:Страница не найдена",))] * 4],
    ),
    "parked": (
        "Former NGO",
        [_status(200, signals=("parked-text:this domain is for sale", "parked-host:sedo"))] * 4,
    ),
    "intermittent": ("Ombudsman", [_ok, _status(500), _ok, _status(502), _ok]),
    "recovered": ("Library", [_ok, _error(ErrorKind.CONNECT, "connection refused"), _ok]),
    "offline": ("Archive of laws", [_error(ErrorKind.OFFLINE, "no route to any canary")]),
    "rate": ("Search portal", [_status(429, headers=(("retry-after", "120"),))] * 2),
    "side": (
        "Plain http site",
        [
            _status(
                200,
                https_status=200,
                proxy="http://proxy.example:3128",
                signals=("attempts:2:timeout", "tls-insecure:self-signed"),
            )
        ]
        * 2,
    ),
    "timeout": ("Slow server", [_ok, *[_error(ErrorKind.TIMEOUT, "read timed out")] * 3]),
}


# The run header of a run with three vantages, one of them down (audit.confirm.describe).
VANTAGES = (
    "ru (direct, reachable); eu (socks5h://proxy-eu.monitoring.example.org:1080, reachable); "
    "us (http://127.0.0.3:3128, unreachable, offline: the proxy cannot be reached "
    "(127.0.0.3:3128: [Errno 111] Connection refused))"
)


def suggestions(url: str) -> tuple[Suggestion, ...]:
    """What `audit fix` stores for a dead resource: a long moved-to and a did-you-mean."""
    host = url.split("/")[2]
    return (
        Suggestion(
            SuggestionKind.MOVED_TO,
            f"https://new-{host}/departments/family-support-and-child-protection/index.html",
            0.8,
            (
                f"archived 2021-03-01: HTTP 301 redirect to https://new-{host}/departments/"
                "family-support-and-child-protection/index.html",
                "answers with a real page (HTTP 200)",
            ),
        ),
        Suggestion(
            SuggestionKind.DID_YOU_MEAN,
            f"http://{host.replace('.', '-', 1)}/",
            0.5,
            ("answers with a real page (HTTP 200)",),
        ),
    )


def realistic(lang: str = "en", now: datetime = NOW) -> ReportData:
    resources = []
    for n, (rid, (name, makes)) in enumerate(SCENARIOS.items()):
        url = f"http://{rid}.example.ru/page"
        start = now - timedelta(days=len(makes) - 1)
        observations = [make(url, start + timedelta(days=i)) for i, make in enumerate(makes)]
        classes = [classify(o) for o in observations]
        checks = [Check.of(o, c) for o, c in zip(observations, classes, strict=True)]
        j = judge(checks)
        last = observations[-1]
        snap = Snapshot(
            "wayback",
            f"https://web.archive.org/web/20190304101010/{url}",
            "20190304101010",
            200,
            True,
        )
        resources.append(
            ResourceStatus(
                resource=Resource(
                    id=rid,
                    name=name,
                    url=url,
                    kind=("portal", "ngo", "law")[n % 3],
                    region=("Moscow", "Penza", None)[n % 3],
                    sources=tuple(
                        Source(document=DOCS[k % len(DOCS)], line=10 + n)
                        for k in range(n % 3, n % 3 + 1 + n % 2)
                    ),
                    candidate=rid in ("recovered", "rate"),
                ),
                verdict=j.verdict,
                reason=j.reason,
                observation=last,
                classification=classes[-1],
                last_checked=last.checked_at,
                last_ok=j.last_ok,
                failing_since=j.failing_since,
                moved_to=j.moved_to,
                history=tuple(
                    HistoryMark(checked_at=c.at, outcome=c.outcome, run_id=i + 1)
                    for i, c in enumerate(checks)
                ),
                archive=ArchiveLookup(url, ArchiveStatus.ARCHIVED, 3, nearest=snap, checked_at=now)
                if j.verdict.value in ("dead", "suspect", "moved")
                else None,
                suggestions=suggestions(url) if j.verdict.value == "dead" else (),
            )
        )
    resources.append(
        ResourceStatus(
            resource=Resource(
                id="named", name="Council of parents", url=None, sources=(Source(DOCS[0]),)
            ),
            reason="never checked",
        )
    )
    run = RunInfo(
        id=7,
        started=now,
        finished=now + timedelta(minutes=3),
        network=Network.ONLINE,
        vantage=VANTAGES,
    )
    return ReportData(
        generated_at=now + timedelta(minutes=4),
        run=run,
        registry_path="data/resources.yaml",
        resources=tuple(resources),
        lang=lang,
    )
