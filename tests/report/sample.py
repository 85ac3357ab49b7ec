"""A deterministic ReportData shaped like the first seed's registry.

Twelve web resources cited by the Russian government's reply (regional
portals, NGO sites, an IDN domain, citations the PDF broke), six
organisations named without an address, and a few hostile strings where a
document or a remote page could put them.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from audit.models import (
    ArchiveLookup,
    ArchiveStatus,
    Classification,
    Confidence,
    Drift,
    ErrorKind,
    Fingerprint,
    HistoryMark,
    Hop,
    Network,
    Normalized,
    Observation,
    Outcome,
    Repair,
    ReportData,
    Resource,
    ResourceStatus,
    RunInfo,
    Snapshot,
    Source,
    Verdict,
    VerdictChange,
)

SEED = "seeds/000_f9495035618270d1.txt"
NOW = datetime(2026, 11, 28, 6, 4, 30, tzinfo=UTC)
START = datetime(2026, 11, 15, 6, 0, tzinfo=UTC)
DAYS = 14  # one run a day, the last one at 2026-11-28 06:00

HOSTILE_TITLE = "<script>alert(1)</script>"
# What a hostile page could send as its title: closes our script, opens a comment,
# tries an attribute breakout and an event handler.
HOSTILE_XSS_TITLE = (
    '</script><script>window.__xss=1</script><!-- "><img src=x onerror="window.__xss=2">'
)
IDN_URL = "http://www.xn--80aalcbc2bocdadlpp9nfk.xn--d1acj3b/"
IDN_DISPLAY = "http://www.персональныеданные.дети/"

OC = Outcome


def _day(i: int) -> datetime:
    return START + timedelta(days=i)


def _marks(pattern: str, verdicts: str = "") -> tuple[HistoryMark, ...]:
    """One mark per day; `pattern` letters are outcomes, oldest first."""
    code = {
        "o": OC.OK,
        "r": OC.REDIRECTED,
        "n": OC.NOT_FOUND,
        "d": OC.DNS_NXDOMAIN,
        "t": OC.TIMEOUT,
        "s": OC.SERVER_ERROR,
        "b": OC.BLOCKED,
        "x": OC.OFFLINE,
        "c": OC.CONNECTION_ERROR,
    }
    vcode = {
        "a": Verdict.ALIVE,
        "m": Verdict.MOVED,
        "s": Verdict.SUSPECT,
        "d": Verdict.DEAD,
        "b": Verdict.BLOCKED,
        "f": Verdict.FLAKY,
        "u": Verdict.UNKNOWN,
    }
    offset = DAYS - len(pattern)
    return tuple(
        HistoryMark(
            checked_at=_day(offset + i),
            outcome=code[ch],
            run_id=offset + i + 1,
            verdict=vcode[verdicts[i]] if verdicts else None,
        )
        for i, ch in enumerate(pattern)
    )


def _norm(cited: str, url: str, display: str | None = None, *repairs: Repair) -> Normalized:
    return Normalized(
        input=cited,
        url=url,
        display=display or url,
        key="v1:" + url,
        repairs=repairs,
        confidence=Confidence.REPAIRED if repairs else Confidence.EXACT,
    )


def _src(line: int, section: str) -> tuple[Source, ...]:
    return (Source(document=SEED, line=line, section=section),)


def _snap(url: str, ts: str, verified: bool | None = True) -> Snapshot:
    return Snapshot(
        archive="wayback",
        url=f"https://web.archive.org/web/{ts}/{url}",
        timestamp=ts,
        status=200,
        verified=verified,
    )


def _archived(url: str, *stamps: str, count: int | None = None) -> ArchiveLookup:
    snaps = [_snap(url, ts) for ts in stamps]
    return ArchiveLookup(
        url=url,
        status=ArchiveStatus.ARCHIVED,
        count=count if count is not None else len(snaps),
        first=snaps[0],
        last=snaps[-1],
        nearest=snaps[len(snaps) // 2],
        checked_at=NOW,
    )


def _obs(
    url: str,
    status: int | None,
    *,
    error: ErrorKind | None = None,
    detail: str = "",
    final_url: str | None = None,
    redirects: tuple[Hop, ...] = (),
    ms: int = 240,
    title: str | None = None,
) -> Observation:
    fp = None
    if title is not None:
        fp = Fingerprint(
            final_url=final_url or url, title=title, text_hash="0" * 64, simhash=0, length=4200
        )
    return Observation(
        url=url,
        checked_at=_day(DAYS - 1),
        status=status,
        error=error,
        detail=detail,
        final_url=final_url if final_url is not None else (url if status else None),
        redirects=redirects,
        elapsed_ms=ms,
        fingerprint=fp,
    )


def _status(
    rid: str,
    name: str,
    *,
    cited: str,
    norm: Normalized,
    kind: str,
    region: str,
    line: int,
    section: str,
    verdict: Verdict,
    reason: str,
    obs: Observation,
    outcome: Outcome,
    evidence: tuple[str, ...],
    history: tuple[HistoryMark, ...],
    last_ok: datetime | None,
    failing_since: datetime | None = None,
    **extra: object,
) -> ResourceStatus:
    resource = Resource(
        id=rid,
        name=name,
        url=norm.url,
        cited_as=cited,
        display=norm.display,
        kind=kind,
        region=region,
        sources=_src(line, section),
    )
    return ResourceStatus(
        resource=resource,
        normalized=norm,
        verdict=verdict,
        reason=reason,
        observation=obs,
        classification=Classification(outcome, evidence),
        last_checked=obs.checked_at,
        last_ok=last_ok,
        failing_since=failing_since,
        history=history,
        **extra,  # type: ignore[arg-type]
    )


def web_resources() -> list[ResourceStatus]:
    space = Repair("space-after-scheme", "removed the space the PDF put after 'http:'")
    scheme = Repair("add-scheme", "added http:// to a citation written without a scheme")
    joined = Repair(
        "join-broken-host",
        "joined 'персональные данные' split by the PDF line break",
        Confidence.GUESS,
    )
    q1 = "Question 1 / Reply to par.1.3"
    q2 = "Question 2 / Reply to par.2.1"
    return [
        _status(
            "36edu-ru",
            "Department of Education, Science and Youth Policy of the Voronezh Region",
            cited="http://36edu.ru/",
            norm=_norm("http://36edu.ru/", "http://36edu.ru/"),
            kind="government",
            region="Voronezh",
            line=99,
            section=q1,
            verdict=Verdict.ALIVE,
            reason="ok in the last 14 checks",
            obs=_obs("http://36edu.ru/", 200, title="Департамент образования Воронежской области"),
            outcome=OC.OK,
            evidence=("200 with a real page",),
            history=_marks("o" * 14, "a" * 14),
            last_ok=_day(13),
            archive=_archived("http://36edu.ru/", "20190304101010", "20231101000000", count=412),
        ),
        _status(
            "stoppav-ru",
            'GBU VO "Center for Psychological and Pedagogical Support and Social Assistance"',
            cited="http://www.stoppav.ru/",
            norm=_norm("http://www.stoppav.ru/", "http://www.stoppav.ru/"),
            kind="government",
            region="Voronezh",
            line=102,
            section=q1,
            verdict=Verdict.MOVED,
            reason="301 to a different site in the last 3 checks",
            obs=_obs(
                "http://www.stoppav.ru/",
                200,
                final_url="https://cppmsp36.ru/",
                redirects=(Hop("http://www.stoppav.ru/", 301, "https://cppmsp36.ru/"),),
                title="ЦППМСП Воронеж",
            ),
            outcome=OC.REDIRECTED,
            evidence=("301 Moved Permanently to another host: cppmsp36.ru",),
            history=_marks("o" * 11 + "rrr", "a" * 11 + "amm"),
            last_ok=_day(10),
            moved_to="https://cppmsp36.ru/",
            archive=_archived("http://www.stoppav.ru/", "20170601000000", "20240215000000"),
        ),
        _status(
            "voronezh-sledcom-ru",
            "SU SK in the Voronezh region",
            cited="http://voronezh.sledcom.ru/",
            norm=_norm("http://voronezh.sledcom.ru/", "http://voronezh.sledcom.ru/"),
            kind="government",
            region="Voronezh",
            line=105,
            section=q1,
            verdict=Verdict.BLOCKED,
            reason="403 with a bot challenge in every check",
            obs=_obs("http://voronezh.sledcom.ru/", 403, title="Access denied"),
            outcome=OC.BLOCKED,
            evidence=("403 Forbidden", "header server: ddos-guard", "challenge page title"),
            history=_marks("b" * 14, "u" + "b" * 13),
            last_ok=None,
            archive=ArchiveLookup(
                url="http://voronezh.sledcom.ru/", status=ArchiveStatus.UNKNOWN, detail="timeout"
            ),
        ),
        _status(
            "viro-edu-ru",
            "Vladimir Institute for Education Development",
            cited="http: www.viro.edu.ru",
            norm=_norm("http: www.viro.edu.ru", "http://www.viro.edu.ru/", None, space),
            kind="education",
            region="Vladimir",
            line=107,
            section=q1,
            verdict=Verdict.ALIVE,
            reason="ok in the last 14 checks",
            obs=_obs("http://www.viro.edu.ru/", 200, title="ВИРО — главная"),
            outcome=OC.OK,
            evidence=("200 with a real page",),
            history=_marks("o" * 14, "a" * 14),
            last_ok=_day(13),
            drift=Drift(
                similarity=0.42,
                title_changed=True,
                baseline_at=_day(0),
                detail="visible text mostly replaced",
            ),
            archive=_archived("http://www.viro.edu.ru/", "20200101000000"),
        ),
        _status(
            "podrostok-edu-yar-ru",
            "Youth support portal of the Yaroslavl Region",
            cited="www.podrostok.edu.yar.ru",
            norm=_norm(
                "www.podrostok.edu.yar.ru", "http://www.podrostok.edu.yar.ru/", None, scheme
            ),
            kind="portal",
            region="Yaroslavl",
            line=109,
            section=q1,
            verdict=Verdict.SUSPECT,
            reason="2 timeouts in a row; not confirmed yet",
            obs=_obs(
                "http://www.podrostok.edu.yar.ru/",
                None,
                error=ErrorKind.TIMEOUT,
                detail="no answer within 20 s",
                ms=20000,
            ),
            outcome=OC.TIMEOUT,
            evidence=("no complete answer in 20 s",),
            history=_marks("o" * 12 + "tt", "a" * 12 + "ss"),
            last_ok=_day(11),
            failing_since=_day(12),
            archive=_archived("http://www.podrostok.edu.yar.ru/", "20210505000000"),
        ),
        _status(
            "ppms-edu-penzaa-ru",
            "PPMS centre of the Penza Region",
            cited="www.ppms.edu-penzaa.ru",
            norm=_norm("www.ppms.edu-penzaa.ru", "http://www.ppms.edu-penzaa.ru/", None, scheme),
            kind="education",
            region="Penza",
            line=111,
            section=q1,
            verdict=Verdict.DEAD,
            reason="NXDOMAIN in 9 checks over 9 days",
            obs=_obs(
                "http://www.ppms.edu-penzaa.ru/",
                None,
                error=ErrorKind.DNS_NXDOMAIN,
                detail="Name or service not known",
                ms=31,
            ),
            outcome=OC.DNS_NXDOMAIN,
            evidence=("the name does not exist (NXDOMAIN) while other names resolve",),
            history=_marks("ooooo" + "d" * 9, "aaaaa" + "sss" + "d" * 6),
            last_ok=_day(4),
            failing_since=_day(5),
            archive=_archived("http://www.ppms.edu-penzaa.ru/", "20160101000000", "20190707000000"),
        ),
        _status(
            "personal-data-deti",
            "Portal «Персональные данные. Дети»",
            cited="www.персональные данные.дети",
            norm=dataclasses.replace(
                _norm("www.персональные данные.дети", IDN_URL, IDN_DISPLAY, scheme, joined),
                warnings=("host joined across a line break",),
            ),
            kind="portal",
            region="Federal",
            line=113,
            section=q1,
            verdict=Verdict.ALIVE,
            reason="ok in the last 14 checks",
            obs=_obs(IDN_URL, 200, title="Персональные данные. Дети"),
            outcome=OC.OK,
            evidence=("200 with a real page",),
            history=_marks("o" * 14, "a" * 14),
            last_ok=_day(13),
        ),
        _status(
            "pedofilov-net",
            "Center for Combating Dangerous and Legally Banned Content",
            cited="http://www.pedofilov.net/about-us/",
            norm=_norm("http://www.pedofilov.net/about-us/", "http://www.pedofilov.net/about-us/"),
            kind="ngo",
            region="Federal",
            line=166,
            section=q2,
            verdict=Verdict.FLAKY,
            reason="5 of the last 14 checks failed",
            obs=_obs("http://www.pedofilov.net/about-us/", 200, title="О нас"),
            outcome=OC.OK,
            evidence=("200 with a real page",),
            history=_marks("oosossoocsoos" + "o", "aaaffffffffff" + "f"),
            last_ok=_day(13),
        ),
        _status(
            "sisters-help-ru",
            "Sisters: Help Centre for Survivors of Sexual Violence",
            cited="http://sisters-help.ru/about.html",
            norm=_norm("http://sisters-help.ru/about.html", "http://sisters-help.ru/about.html"),
            kind="ngo",
            region="Moscow",
            line=169,
            section=q2,
            verdict=Verdict.DEAD,
            reason="404 in 6 checks over 6 days",
            obs=_obs("http://sisters-help.ru/about.html", 404, title="404 Not Found"),
            outcome=OC.NOT_FOUND,
            evidence=("404 Not Found",),
            history=_marks("o" * 8 + "n" * 6, "a" * 8 + "sss" + "ddd"),
            last_ok=_day(7),
            failing_since=_day(8),
            archive=_archived("http://sisters-help.ru/about.html", "20180312000000"),
            replacement=_snap("http://sisters-help.ru/about.html", "20180312000000"),
        ),
        _status(
            "detionline-mts",
            "Foundation for Internet Development: Children Online hotline",
            cited="http://detionline.com/mts/about).",
            norm=_norm(
                "http://detionline.com/mts/about).",
                "http://detionline.com/mts/about",
                None,
                Repair("strip-trailing", "dropped ')' and '.' that end the sentence, not the URL"),
            ),
            kind="ngo",
            region="Federal",
            line=196,
            section=q2,
            verdict=Verdict.ALIVE,
            reason="ok in the last 14 checks",
            obs=_obs("http://detionline.com/mts/about", 200, title=HOSTILE_TITLE),
            outcome=OC.OK,
            evidence=(f"title: {HOSTILE_TITLE}",),
            history=_marks("o" * 14, "a" * 14),
            last_ok=_day(13),
            archive=_archived("http://detionline.com/mts/about", "20150101000000", count=73),
        ),
        _status(
            "detionline-research",
            "Foundation for Internet Development: research",
            cited="http://detionline.com/research/about).",
            norm=_norm(
                "http://detionline.com/research/about).",
                "http://detionline.com/research/about",
                None,
                Repair("strip-trailing", "dropped ')' and '.' that end the sentence, not the URL"),
            ),
            kind="ngo",
            region="Federal",
            line=247,
            section="Question 3 / Reply to par.3.2",
            verdict=Verdict.SUSPECT,
            reason="503 twice in a row; not confirmed yet",
            obs=_obs("http://detionline.com/research/about", 503, title=HOSTILE_XSS_TITLE),
            outcome=OC.SERVER_ERROR,
            evidence=("503 Service Unavailable", "-1 retries left; =cmd|' /C calc'!A0"),
            history=_marks("o" * 12 + "ss", "a" * 12 + "ss"),
            last_ok=_day(11),
            failing_since=_day(12),
        ),
        _status(
            "shelter-tranzit-ru",
            "Shelter «Tranzit»",
            cited="(https://shelter-tranzit.ru/)",
            norm=_norm(
                "(https://shelter-tranzit.ru/)",
                "https://shelter-tranzit.ru/",
                None,
                Repair("strip-brackets", "dropped the enclosing parentheses"),
            ),
            kind="ngo",
            region="Moscow Region",
            line=311,
            section="Question 4 / Reply to par.4.1",
            verdict=Verdict.UNKNOWN,
            reason="TLS errors only; the site may well exist",
            obs=_obs(
                "https://shelter-tranzit.ru/",
                None,
                error=ErrorKind.TLS,
                detail="certificate has expired",
                ms=120,
            ),
            outcome=OC.TLS_ERROR,
            evidence=("certificate has expired (notAfter 2026-10-01)",),
            history=_marks("cccc", "uuuu"),
            last_ok=None,
            archive=ArchiveLookup(
                url="https://shelter-tranzit.ru/", status=ArchiveStatus.NOT_ARCHIVED, count=0
            ),
        ),
    ]


def named_resources() -> list[ResourceStatus]:
    named = [
        ("mvd", "Ministry of the Interior of the Russian Federation", "government", "Federal"),
        ("sledcom", "Investigative Committee of the Russian Federation", "government", "Federal"),
        ("supcourt", "Supreme Court of the Russian Federation", "court", "Federal"),
        ("interpol-ncb", "National Central Bureau of Interpol", "government", "Federal"),
        ("council-judges", "Council of Judges of the Russian Federation", "court", "Federal"),
        # A name as a hostile document could write it: a spreadsheet formula.
        ("formula", '=HYPERLINK("http://evil.example/","Department K")', "government", "Federal"),
    ]
    return [
        ResourceStatus(
            resource=Resource(
                id=rid,
                name=name,
                url=None,
                kind=kind,
                region=region,
                sources=_src(500 + i, "Question 13 / Reply to par.13.1"),
            ),
            reason="named without an address",
        )
        for i, (rid, name, kind, region) in enumerate(named)
    ]


def _timeline() -> tuple[tuple[datetime, dict[str, int]], ...]:
    """Verdict counts per daily run, from the web resources' history marks."""
    rows = []
    for i in range(DAYS):
        counts: dict[str, int] = {}
        for rs in web_resources():
            mark = next((m for m in rs.history if m.checked_at == _day(i)), None)
            verdict = mark.verdict.value if mark and mark.verdict else "unknown"
            counts[verdict] = counts.get(verdict, 0) + 1
        rows.append((_day(i) + timedelta(minutes=4), counts))
    return tuple(rows)


def sample(*, offline: bool = False) -> ReportData:
    resources = web_resources() + named_resources()
    run = RunInfo(
        id=DAYS,
        started=_day(DAYS - 1),
        finished=_day(DAYS - 1) + timedelta(minutes=4, seconds=12),
        network=Network.ONLINE,
        vantage="audit-runner-1 (AS 64500, datacentre)",
        tool_version="0.1.0",
    )
    previous = dataclasses.replace(run, id=DAYS - 1, started=_day(DAYS - 2), finished=None)
    changes = (
        VerdictChange(
            "stoppav-ru",
            "http://www.stoppav.ru/",
            Verdict.ALIVE,
            Verdict.MOVED,
            NOW,
            "301 to https://cppmsp36.ru/ three times",
        ),
        VerdictChange(
            "detionline-research",
            "http://detionline.com/research/about",
            Verdict.ALIVE,
            Verdict.SUSPECT,
            NOW,
            HOSTILE_TITLE,
        ),
        VerdictChange(
            "sisters-help-ru",
            "http://sisters-help.ru/about.html",
            Verdict.SUSPECT,
            Verdict.DEAD,
            NOW,
            "404 in 6 checks over 6 days",
        ),
    )
    data = ReportData(
        generated_at=NOW,
        run=run,
        registry_path="data/resources.yaml",
        resources=tuple(resources),
        changes=changes,
        previous_run=previous,
        timeline=_timeline(),
    )
    return with_offline_run(data) if offline else data


def with_offline_run(data: ReportData) -> ReportData:
    """The same registry after a run whose own network was down.

    Each web resource's latest check is `offline`; verdicts are carried over
    and nothing changed (an offline run never changes a verdict).
    """
    assert data.run is not None
    at = data.run.started + timedelta(days=1)
    run = dataclasses.replace(
        data.run, id=data.run.id + 1, started=at, finished=at, network=Network.OFFLINE
    )
    out = []
    for rs in data.resources:
        if rs.resource.url is None:
            out.append(rs)
            continue
        obs = Observation(
            url=rs.resource.url,
            checked_at=at,
            error=ErrorKind.OFFLINE,
            detail="no route to any probe host",
        )
        out.append(
            dataclasses.replace(
                rs,
                observation=obs,
                classification=Classification(OC.OFFLINE, ("the checker had no network",)),
                last_checked=at,
                history=(*rs.history, HistoryMark(at, OC.OFFLINE, run.id, rs.verdict)),
            )
        )
    return dataclasses.replace(
        data,
        generated_at=at + timedelta(minutes=1),
        run=run,
        resources=tuple(out),
        changes=(),
        previous_run=data.run,
    )
