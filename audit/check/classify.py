"""Observation -> outcome, with the evidence for it. Pure: no I/O, no clock.

A table of early returns, in priority order (DESIGN.md's outcome table). The
inputs are only the stored facts (status, error kind, redirects, signals,
sibling similarity), so any past observation can be re-classified.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from audit.check import placeholders, signatures
from audit.check.fingerprint import page_text
from audit.models import Classification, ErrorKind, Observation, Outcome

# Bump whenever classify() may answer differently for the same observation: stored
# classifications stamped with another version are then re-derived from the facts.
RULES_VERSION = 2  # 2: stub, block pages, walls and placeholders from signatures.toml
SIBLING_THRESHOLD = 0.95  # Bar-Yossef/Hoyt: near-identical to a random sibling => soft 404
# Visible text of an article: not-found pages are shorter (a CMS's with its menus
# still answers a random sibling URL alike, which the sibling probe catches).
ARTICLE_CHARS = 5000
ARTICLE_BESIDE_REAL_404S = 2000  # where random URLs get real 404s, a page this long
_STRONG_CHALLENGE = ("challenge-header", "challenge-title")
BLOCKED_STATUSES = frozenset({401, 402, 403, 407, 418, 451, 999})

_ERROR_OUTCOMES = {
    ErrorKind.OFFLINE: Outcome.OFFLINE,
    ErrorKind.POLICY: Outcome.SKIPPED,
    ErrorKind.INVALID_URL: Outcome.INVALID_URL,
    ErrorKind.UNSUPPORTED: Outcome.UNSUPPORTED,
    ErrorKind.DNS_NXDOMAIN: Outcome.DNS_NXDOMAIN,
    ErrorKind.DNS_ERROR: Outcome.DNS_ERROR,
    ErrorKind.CONNECT: Outcome.CONNECTION_ERROR,
    ErrorKind.RESET: Outcome.CONNECTION_ERROR,
    ErrorKind.PROTOCOL: Outcome.CONNECTION_ERROR,
    ErrorKind.PROXY: Outcome.CONNECTION_ERROR,
    ErrorKind.OTHER: Outcome.CONNECTION_ERROR,
    ErrorKind.TLS: Outcome.TLS_ERROR,
    ErrorKind.TIMEOUT: Outcome.TIMEOUT,
    ErrorKind.TOO_MANY_REDIRECTS: Outcome.REDIRECT_LOOP,
    ErrorKind.REDIRECT_LOOP: Outcome.REDIRECT_LOOP,
    # The server's protocol error, not evidence that the resource is gone: transient.
    ErrorKind.INVALID_REDIRECT: Outcome.SERVER_ERROR,
    ErrorKind.RATE_LIMITED: Outcome.RATE_LIMITED,
}

_ERROR_WORDS = {
    Outcome.OFFLINE: "our own network was down; says nothing about the resource",
    Outcome.SKIPPED: "not checked",
    Outcome.DNS_NXDOMAIN: "the name does not exist",
    Outcome.DNS_ERROR: "the resolver failed",
    Outcome.TLS_ERROR: "TLS failed (the site may well exist)",
    Outcome.TIMEOUT: "no complete answer in time",
    Outcome.REDIRECT_LOOP: "redirects never reached a page",
}


def _signals(obs: Observation, family: str) -> list[str]:
    return [s for s in obs.signals if s.startswith(family)]


def _detail(signal: str) -> str:
    return signal.split(":", 1)[1] if ":" in signal else signal


def rules_stamp(accept: frozenset[int] = frozenset()) -> str:
    """What a classification depends on besides the observation: these rules and `accept`."""
    return f"{RULES_VERSION}:{','.join(map(str, sorted(accept)))}"


def classify(obs: Observation, accept: frozenset[int] = frozenset()) -> Classification:
    """The outcome of one observation and why; `accept` lists statuses the policy treats as ok."""
    evidence: list[str] = []
    if obs.error is not None and not (obs.error is ErrorKind.DECODING and obs.status):
        outcome = _ERROR_OUTCOMES.get(obs.error, Outcome.CONNECTION_ERROR)
        words = _ERROR_WORDS.get(outcome)
        if outcome is Outcome.OFFLINE:
            # Nothing else observed in an offline run (an https:// probe, a DNS error) says
            # anything about the resource: the meaning first, then why we were offline.
            return Classification(outcome, tuple(e for e in (words, obs.detail) if e))
        evidence.append(f"{obs.error.value}: {obs.detail}" if obs.detail else obs.error.value)
        if words and outcome is not Outcome.SKIPPED:
            evidence.append(words)
        evidence += _side_evidence(obs)
        return Classification(outcome, tuple(evidence))

    status = obs.status
    if status is None:
        return Classification(Outcome.CONNECTION_ERROR, ("no answer recorded",))
    hops = len(obs.redirects)
    if hops:
        chain = " -> ".join(str(h.status) for h in obs.redirects)
        evidence.append(f"{hops} redirect(s) ({chain}) to {obs.final_url}")
    if obs.error is ErrorKind.DECODING:
        evidence.append(f"body unreadable: {obs.detail}")
    evidence += _side_evidence(obs)

    if obs.not_modified:
        return Classification(
            Outcome.OK, (f"HTTP {status}: not modified since the last check", *evidence)
        )
    challenge = _signals(obs, "challenge-")
    if status in accept:
        ok = Outcome.REDIRECTED if hops else Outcome.OK
        return Classification(ok, (f"HTTP {status}, accepted by policy", *evidence))
    if refused := _refusal(obs, status):
        # A block page or a wall answers every path alike, whatever its status: it says
        # nothing about the resource (never a soft 404, never a not-found).
        return Classification(Outcome.BLOCKED, (refused, *_same_everywhere(obs), *evidence))
    if status in (404, 410):
        # A wall's script is injected into a CDN's ordinary 404 pages too: only its
        # title or header makes a not-found answer a wall.
        challenge = [s for s in challenge if s.startswith(_STRONG_CHALLENGE)]
    if challenge and not 200 <= status < 300:
        words = ", ".join(_detail(s) for s in challenge)
        return Classification(
            Outcome.BLOCKED, (f"HTTP {status} with a bot wall ({words})", *evidence)
        )
    if status in BLOCKED_STATUSES:
        return Classification(
            Outcome.BLOCKED, (f"HTTP {status}: the server exists and refused us", *evidence)
        )
    if status in (404, 410):
        return Classification(Outcome.NOT_FOUND, (f"HTTP {status}", *evidence))
    if status == 429 or (status == 503 and _header(obs, "retry-after")):
        retry = _header(obs, "retry-after")
        more = f", Retry-After {retry}" if retry else ""
        return Classification(Outcome.RATE_LIMITED, (f"HTTP {status}{more}", *evidence))
    if 400 <= status < 500:
        return Classification(Outcome.CLIENT_ERROR, (f"HTTP {status}", *evidence))
    if status >= 500:
        return Classification(Outcome.SERVER_ERROR, (f"HTTP {status}", *evidence))
    if 300 <= status < 400:
        if status == 300:
            return Classification(Outcome.OK, ("HTTP 300: a page of choices", *evidence))
        return Classification(
            Outcome.SERVER_ERROR, (f"HTTP {status} without a usable Location", *evidence)
        )
    if status < 200:
        return Classification(Outcome.SERVER_ERROR, (f"HTTP {status} as a final answer", *evidence))
    return _classify_2xx(obs, status, hops, challenge, evidence)


def _classify_2xx(
    obs: Observation, status: int, hops: int, challenge: list[str], evidence: list[str]
) -> Classification:
    if db := _signals(obs, "dberror-"):
        why = f"HTTP {status} but the site's database is down ({_cue(db[0])})"
        return Classification(Outcome.SERVER_ERROR, (why, *evidence))
    if stub := _signals(obs, "stub-") + _signals(obs, "default-server-page"):
        why = f"HTTP {status} but a hosting placeholder: {_cue(stub[0])}"
        return Classification(Outcome.STUB, (why, *_same_everywhere(obs), *evidence))
    if parked := _signals(obs, "parked-"):
        why = f"HTTP {status} but a parked domain: {_cue(parked[0])}"
        return Classification(Outcome.PARKED, (why, *_same_everywhere(obs), *evidence))
    strong = [s for s in challenge if s.startswith(_STRONG_CHALLENGE)]
    if strong:
        words = ", ".join(_detail(s) for s in challenge)
        return Classification(
            Outcome.BLOCKED, (f"HTTP {status} but a bot challenge page ({words})", *evidence)
        )
    login = _signals(obs, "redirect-to-login")
    if login:
        return Classification(
            Outcome.BLOCKED, (f"redirected to a login page: {_detail(login[0])}", *evidence)
        )
    soft: list[str] = []
    cues = _signals(obs, "soft404-")
    if cues and (reason := _discussion(obs)):
        # A not-found title on a long article, or on a host that answers real 404s
        # elsewhere, is an article about errors: evidence, not a verdict.
        said = cues[0].split(":", 1)[1].partition(":")[2]
        evidence.append(f"title/heading {said!r} mentions not-found, but {reason}")
        cues = []
    for s in cues:
        where, rest = s.split(":", 1)
        lang, _, text = rest.partition(":")
        soft.append(f"{where.removeprefix('soft404-')} {text!r} reads as a not-found page ({lang})")
    for s in _signals(obs, "redirect-to-root"):
        soft.append(f"a deep link redirected to the site root ({_detail(s)})")
    for s in _signals(obs, "redirect-to-error"):
        soft.append(f"redirected to an error path ({_detail(s)})")
    sim = obs.sibling_similarity
    thin = bool(_signals(obs, "sibling-thin"))
    if sim is not None and sim >= SIBLING_THRESHOLD and not thin:
        soft.append(f"near-identical ({sim:.2f}) to a random URL on the same host")
    for s in _signals(obs, "sibling-same-final-url"):
        soft.append(f"a random URL on the same host ends at the same page ({_detail(s)})")
    if soft:
        return Classification(
            Outcome.SOFT_404, (f"HTTP {status} but " + soft[0], *soft[1:], *evidence)
        )
    if sim is not None:
        evidence.append(
            f"differs from a random URL on the same host (similarity {sim:.2f})"
            if not thin or sim < SIBLING_THRESHOLD
            else f"same near-empty page as a random URL on the host ({sim:.2f}): inconclusive"
        )
    if hops:
        return Classification(Outcome.REDIRECTED, (f"HTTP {status} after redirects", *evidence))
    return Classification(Outcome.OK, (f"HTTP {status}", *evidence))


_PLACE_WORDS = {"head": "title/heading", "text": "text", "url": "redirected to", "src": "script of"}


def _cue(signal: str) -> str:
    """`stub-suspended-account:head:Account Suspended` -> `suspended account, title/heading ...`."""
    family_kind, _, rest = signal.partition(":")
    kind = family_kind.split("-", 1)[1].replace("-", " ") if "-" in family_kind else family_kind
    where, _, text = rest.partition(":")
    if where not in placeholders.PLACES:  # signals of rules version 1: `parked-text:...`
        return f"{kind}: {rest}" if rest else kind
    return f"{kind}, {_PLACE_WORDS.get(where, where)} {text!r}"


def _refusal(obs: Observation, status: int) -> str | None:
    """Why a block page or a bot wall refused us, if this answer is one."""
    if block := _signals(obs, "block-"):
        cue = _cue(block[0]).removeprefix("legal block, ")
        return f"legal block: a block page ({cue}) answered with HTTP {status}"
    if status == 451:
        return "legal block: HTTP 451 (unavailable for legal reasons)"
    if wall := _signals(obs, "wall-"):
        return f"HTTP {status}: a bot wall or captcha ({_cue(wall[0])})"
    return None


def _discussion(obs: Observation) -> str | None:
    """Why a not-found title here is more likely an article about errors than an error page."""
    length = obs.fingerprint.length if obs.fingerprint is not None else 0
    if length >= ARTICLE_CHARS:
        return f"the page is a long article ({length} characters of text)"
    # Not-found templates are short: an article-sized page on a host whose random
    # URLs get real 404s is a page about errors (a short one there is still a soft 404).
    if length >= ARTICLE_BESIDE_REAL_404S:
        for s in _signals(obs, "sibling-status:"):
            if _detail(s) in ("404", "410"):
                return f"a random URL on the host answers {_detail(s)} ({length} characters)"
    return None


def _same_everywhere(obs: Observation) -> list[str]:
    sim = obs.sibling_similarity
    if sim is not None and sim >= SIBLING_THRESHOLD:
        return [f"a random URL on the host gets the same page ({sim:.2f}), as placeholders do"]
    return []


def _header(obs: Observation, name: str) -> str | None:
    for key, value in obs.headers:
        if key == name:
            return value
    return None


def _side_evidence(obs: Observation) -> list[str]:
    """Facts recorded beside the outcome: https availability, insecure answer, proxy."""
    out: list[str] = []
    for s in obs.signals:
        if s.startswith("tls-insecure:"):
            out.append(f"answers without certificate verification: {_detail(s)}")
        elif s.startswith("type-mismatch:"):
            out.append(f"content type changed: {_detail(s)}")
        elif s.startswith("attempts:"):
            _, count, earlier = [*s.split(":", 2), ""][:3]
            out.append(f"{count} attempts (before: {earlier})" if earlier else f"{count} attempts")
        elif s.startswith("sibling-status:"):
            out.append(f"a random URL on the host answers {_detail(s)} (real 404s)")
    if obs.https_status is not None:
        out.append(f"https:// answers {obs.https_status}")
    elif any(s.startswith("https-error:") for s in obs.signals):
        err = next(s for s in obs.signals if s.startswith("https-error:"))
        out.append(f"https:// fails: {_detail(err)}")
    if obs.proxy:
        out.append(f"checked through proxy {obs.proxy}")
    return out


def page_signals(url: str, status: int, html: str, final_url: str) -> tuple[str, ...]:
    """The content and redirect cues of one page (shared by the probe and classify_page)."""
    page = page_text(html)
    host = (urlsplit(final_url).hostname or "").lower()
    signals = signatures.soft404_cues(page) + signatures.parked_cues(page, host)
    signals += signatures.challenge_cues(page, [])
    signals += placeholders.content_cues(page, [], host, 200 <= status < 300)
    signals += signatures.url_cues(url, final_url, redirected=url != final_url)
    return tuple(signals)


def classify_page(url: str, status: int, html: str, final_url: str) -> Classification:
    """Classify a page fetched elsewhere (e.g. an archived snapshot): soft 404, parked, ..."""
    obs = Observation(
        url=url,
        checked_at=datetime(1970, 1, 1, tzinfo=UTC),
        status=status,
        final_url=final_url,
        signals=page_signals(url, status, html, final_url),
    )
    return classify(obs)
