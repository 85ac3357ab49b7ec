"""The run header's vantages (issue 16): the stored line, read back into its parts, in words.

A run with several vantages stores them as one line (audit.confirm.describe):
`ru (direct, reachable); eu (socks5h://127.0.0.2:1080, unreachable, offline: ...)`.
The reports list them one per vantage, with whether each was reachable, in the
report's language. A line of another shape (one vantage: the host name) is None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from audit.report._i18n import Tr

_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}"  # audit.check.vantage's names
_ITEM = re.compile(
    rf"(?P<name>{_NAME}) \((?P<where>[^\s,()]+)"
    r"(?:, (?P<state>not asked|reachable|unreachable, "
    r"(?:(?P<all>offline)|(?P<n>\d+) of (?P<of>\d+) offline)(?:: (?P<detail>.*))?))?\)",
    re.DOTALL,
)
_SPLIT = re.compile(rf"; (?={_NAME} \()")


class Reach(StrEnum):
    """How a vantage did in the run (the first words of its state)."""

    REACHABLE = "reachable"
    NOT_ASKED = "not asked"
    UNREACHABLE = "unreachable"
    UNKNOWN = ""  # the run has not finished (or was recorded before the states were)


@dataclass(frozen=True, slots=True)
class RunVantage:
    name: str
    where: str  # "direct", a proxy URL, dns://HOST:PORT
    reach: Reach
    offline: int = 0  # of `checked` results offline (unreachable: some or all)
    checked: int = 0  # 0 with `offline` 0 for "every one offline"
    detail: str = ""  # the last proxy or network failure, as the system said it


def parse(line: str) -> tuple[RunVantage, ...]:
    """The vantages of a run's stored line; () unless it names two or more (pure)."""
    items = _SPLIT.split(line.strip())
    if len(items) < 2:
        return ()
    out = []
    for item in items:
        m = _ITEM.fullmatch(item)
        if m is None:
            return ()
        state = m["state"] or ""
        out.append(
            RunVantage(
                m["name"],
                m["where"],
                Reach(state.partition(",")[0]),
                int(m["n"] or 0),
                int(m["of"] or 0),
                m["detail"] or "",
            )
        )
    return tuple(out)


def where(rv: RunVantage, tr: Tr) -> str:
    return tr._("direct connection") if rv.where == "direct" else rv.where


def reach(rv: RunVantage, tr: Tr) -> str:
    """ "reachable", "partly unreachable: 2 of 5 checks offline (proxy failed ...)", ..."""
    if rv.reach is Reach.REACHABLE:
        return tr._("reachable")
    if rv.reach is Reach.NOT_ASKED:
        return tr._("not asked (nothing to confirm)")
    if rv.reach is Reach.UNKNOWN:
        return tr._("not recorded")
    if rv.checked:
        text = tr.n_(
            "partly unreachable: %(n)s of %(count)s check offline",
            "partly unreachable: %(n)s of %(count)s checks offline",
            rv.checked,
            n=tr.number(rv.offline),
        )
    else:
        text = tr._("unreachable: every check offline")
    return f"{text} ({rv.detail})" if rv.detail else text
