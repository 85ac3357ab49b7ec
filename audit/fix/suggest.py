"""Suggestions for failing resources: "did you mean" hosts and "moved to" addresses.

Which resources qualify and how evidence ranks a candidate are pure functions;
`suggest` does the I/O: candidates are checked with the project's own checker
(its resolver, its politeness, its classification), moves are read from the
archive (audit.archive.moves) and then checked live.  Nothing is applied here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from audit.archive.moves import MoveFinder
from audit.archive.settings import ArchiveSettings
from audit.check import Checker, CheckResult, CheckSettings, CheckTarget
from audit.fix.candidates import candidate_urls
from audit.fix.model import Suggestion, SuggestionKind
from audit.models import Outcome, ResourceStatus, Verdict

# the host itself looks wrong: no such name, a parked domain, a placeholder at the root
_HOST_FAILURES = frozenset({Outcome.DNS_NXDOMAIN, Outcome.PARKED})
_ANSWERS = frozenset({Outcome.OK, Outcome.REDIRECTED})
_WORD = re.compile(r"\w{3,}")
_URLISH = re.compile(r"\S*\.\S*")
KEEP = 3  # suggestions kept per resource


@dataclass(frozen=True, slots=True)
class Failing:
    resource_id: str
    url: str
    name: str
    host_failure: bool  # NXDOMAIN, parked or a stub: look for a spelling one edit away
    archived: str | None = None  # replay URL of an archived copy, to compare titles with


def failing(statuses: Iterable[ResourceStatus], ids: set[str] | None = None) -> list[Failing]:
    """The dead or suspect resources (of `ids`, if given) worth a suggestion."""
    out = []
    for s in statuses:
        r = s.resource
        if r.url is None or r.replaced_by is not None or (ids is not None and r.id not in ids):
            continue
        if s.verdict not in (Verdict.DEAD, Verdict.SUSPECT):
            continue
        outcome = s.classification.outcome if s.classification else None
        stub = outcome is Outcome.SOFT_404 and urlsplit(r.url).path in ("", "/")
        lookup = s.archive
        snap = s.replacement or (lookup.recommended or lookup.last if lookup else None)
        archived = snap.url if snap else None
        out.append(Failing(r.id, r.url, r.name, outcome in _HOST_FAILURES or stub, archived))
    return out


def _words(text: str) -> set[str]:
    # five-letter stems: Russian names inflect ("Пензенской", "Пенза")
    return {w[:5] for w in _WORD.findall(_URLISH.sub(" ", text.casefold()))}


def resemblance(title: str, name: str) -> float:
    """0..1: shared words of a page title and the organisation's name."""
    a, b = _words(title), _words(name)
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def score(
    kind: SuggestionKind,
    result: CheckResult,
    name: str,
    known_hosts: set[str],
    *,
    found: Sequence[str] = (),
    archived_title: str = "",
) -> Suggestion | None:
    """Rank one checked candidate by its evidence; None when it does not answer a real page."""
    outcome = result.classification.outcome
    if outcome not in _ANSWERS:
        return None
    obs = result.observation
    evidence = [*found, f"answers with a real page (HTTP {obs.status})"]
    value = 0.5 if kind is SuggestionKind.DID_YOU_MEAN else 0.6
    if found:
        value += 0.2  # the archive saw the move
    title = obs.fingerprint.title if obs.fingerprint else ""
    similar, like = max((resemblance(title, name), name), (resemblance(title, archived_title), ""))
    if similar >= 0.3:
        value += 0.3 * min(1.0, similar / 0.6)
        what = repr(like) if like else f"the archived copy's {archived_title!r}"
        evidence.append(f"its title {title!r} resembles {what}")
    host = (urlsplit(result.target.url).hostname or "").removeprefix("www.")
    if host in known_hosts:
        value += 0.2
        evidence.append("cited elsewhere in the documents or the registry")
    return Suggestion(kind, result.target.url, min(1.0, value), tuple(evidence))


def _unpack(key: object) -> tuple[Failing, SuggestionKind | None, tuple[str, ...]]:
    """(resource, kind of candidate or None for its archived copy, evidence so far)."""
    assert isinstance(key, tuple)
    item, kind, why = key
    assert isinstance(item, Failing) and (kind is None or isinstance(kind, SuggestionKind))
    return item, kind, tuple(str(w) for w in why)


async def suggest(
    items: Sequence[Failing],
    known_hosts: set[str],
    check: CheckSettings,
    archive: ArchiveSettings | None,
) -> dict[str, tuple[Suggestion, ...]]:
    """Suggestions by resource id, best first (resources without any are left out)."""
    targets: list[CheckTarget] = []
    copies: list[CheckTarget] = []  # archived copies: their titles are evidence too
    for item in items:
        if item.archived and archive is not None:
            copies.append(CheckTarget(item.archived, key=(item, None, ())))
        if item.host_failure:
            for url in candidate_urls(item.url):
                targets.append(CheckTarget(url, key=(item, SuggestionKind.DID_YOU_MEAN, ())))
    if archive is not None and items:
        async with MoveFinder(archive) as finder:
            for item in items:
                for move in await finder.find(item.url):
                    targets.append(
                        CheckTarget(move.url, key=(item, SuggestionKind.MOVED_TO, (move.detail,)))
                    )
    results: list[CheckResult] = []
    if copies and archive is not None:
        # the archive's replay pace, one at a time, no probes: it is one host we ask often
        pace = max(check.min_interval, 60.0 / archive.replay_per_minute)
        polite = replace(check, per_host=1, min_interval=pace, sibling_probe=False)
        async with Checker(replace(polite, https_probe=False)) as checker:
            results += [r async for r in checker.run(copies)]
    if targets:
        async with Checker(check) as checker:
            results += [r async for r in checker.run(targets)]
    titles: dict[str, str] = {}
    for r in results:
        item, kind, _ = _unpack(r.target.key)
        if kind is None and r.observation.fingerprint and r.classification.outcome in _ANSWERS:
            titles[item.resource_id] = r.observation.fingerprint.title
    found: dict[str, dict[str, Suggestion]] = {}
    for r in results:
        item, kind, why = _unpack(r.target.key)
        if kind is None:
            continue
        archived_title = titles.get(item.resource_id, "")
        s = score(kind, r, item.name, known_hosts, found=why, archived_title=archived_title)
        if s is not None:
            mine = found.setdefault(item.resource_id, {})
            if s.url not in mine or mine[s.url].score < s.score:
                mine[s.url] = s
    return {
        rid: tuple(sorted(by_url.values(), key=lambda s: (-s.score, s.url))[:KEEP])
        for rid, by_url in found.items()
    }
