"""Pure: what differs between two vantages' views of one URL, OONI Web Connectivity style.

OONI (ooni/spec, nettests/ts-017-web-connectivity.md) compares a probe's
measurement with a control made elsewhere stage by stage: DNS answers (NXDOMAIN
or a bogon where the control resolves), TCP connect, then the HTTP response
(status, body length proportion under 0.7, title words) and names the blocking:
"dns", "tcp_ip", "http-failure" or "http-diff".  Here the same stages are
compared between a failing vantage and one that sees the resource alive, with
the fingerprints the checker already takes (title, text hash, simhash, length).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum

from audit.models import ErrorKind, Fingerprint, Observation, Outcome

BODY_PROPORTION = 0.7  # OONI's threshold: shorter/longer under this is a different page
SIMILARITY = 0.75  # simhash similarity under this: a different text (drift.DRIFT_THRESHOLD)


class Stage(StrEnum):
    """The first stage at which two vantages' views differ."""

    DNS = "dns"
    TCP = "tcp"
    TLS = "tls"
    HTTP_FAILURE = "http_failure"  # a transport failure after connecting (reset, protocol)
    HTTP_STATUS = "http_status"
    BODY = "body"  # same status, different page (a block page, a wall)
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Seen:
    """What one vantage saw, as far as the comparison needs it."""

    vantage: str
    outcome: Outcome
    error: ErrorKind | None = None
    status: int | None = None
    address: str | None = None
    fingerprint: Fingerprint | None = None
    detail: str = ""

    @classmethod
    def of(cls, obs: Observation, outcome: Outcome) -> Seen:
        return cls(
            obs.vantage,
            outcome,
            obs.error,
            obs.status,
            obs.address,
            obs.fingerprint,
            obs.detail[:200],
        )


@dataclass(frozen=True, slots=True)
class Difference:
    stage: Stage
    detail: str  # for people: "TCP connect: connection refused"


_TCP = frozenset({ErrorKind.CONNECT, ErrorKind.TIMEOUT, ErrorKind.PROXY})
_DNS = frozenset({ErrorKind.DNS_NXDOMAIN, ErrorKind.DNS_ERROR})


def compare(failing: Seen, alive: Seen) -> Difference:
    """Where `failing`'s view first departs from `alive`'s."""
    # A resolver that answers with a private or reserved address where another vantage
    # got a public one (OONI: a bogon DNS answer) is the classic DNS block.
    if _bogon(failing.address) and alive.address is not None and not _bogon(alive.address):
        return Difference(Stage.DNS, f"DNS answer differs: {failing.address} (not public)")
    if failing.error in _DNS:
        what = "NXDOMAIN" if failing.error is ErrorKind.DNS_NXDOMAIN else "resolver failure"
        return Difference(Stage.DNS, f"DNS answer differs: {what}")
    if failing.error in _TCP:
        return Difference(Stage.TCP, f"TCP connect: {failing.detail or failing.error}")
    if failing.error is ErrorKind.TLS:
        return Difference(Stage.TLS, f"TLS: {failing.detail or 'handshake failed'}")
    if failing.error is not None:
        return Difference(Stage.HTTP_FAILURE, f"{failing.error.value}: {failing.detail}")
    if failing.status != alive.status:
        return Difference(
            Stage.HTTP_STATUS, f"HTTP {failing.status} here, {alive.status} elsewhere"
        )
    if failing.outcome is Outcome.BLOCKED:
        return Difference(Stage.BODY, "block page")
    body = _body(failing.fingerprint, alive.fingerprint)
    if body:
        return Difference(Stage.BODY, body)
    if failing.outcome is not alive.outcome:
        return Difference(Stage.BODY, f"{failing.outcome.value} page")
    return Difference(Stage.NONE, "the same answer")


def _body(a: Fingerprint | None, b: Fingerprint | None) -> str:
    if a is None or b is None or a.text_hash == b.text_hash:
        return ""
    if a.title.strip() != b.title.strip():
        return f"page differs: title {a.title.strip()[:60]!r}, elsewhere {b.title.strip()[:60]!r}"
    small, big = sorted((a.length, b.length))
    if big and small / big < BODY_PROPORTION:
        return f"page differs: {a.length} characters, elsewhere {b.length}"
    similarity = 1.0 - ((a.simhash ^ b.simhash) & ((1 << 64) - 1)).bit_count() / 64
    if similarity < SIMILARITY:
        return f"page differs: text {similarity:.0%} similar"
    return ""


def _bogon(address: str | None) -> bool:
    if address is None:
        return False
    try:
        return not ipaddress.ip_address(address).is_global
    except ValueError:
        return False
