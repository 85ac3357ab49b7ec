"""The table of reason and evidence sentences (see audit/report/_sentences.py):
each sentence `audit.judge` and `audit.check.classify` can write, its shape as
the source writes it, a pattern that takes its values back out, and its message
for the catalogue; and the words for the code names inside them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from audit.models import ErrorKind
from audit.report._i18n import N_, NP_


class Part(StrEnum):
    """How a value taken out of a sentence is shown."""

    TEXT = "text"  # data (a URL, a page title, an error message): as written
    NUMBER = "number"  # an integer, in the locale's digits
    DECIMAL = "decimal"  # "0.93", in the locale's decimal mark
    DAYS = "days"  # "7.0 days" -> "7 days" / "7 jours" / "7 дней"
    OUTCOME = "outcome"  # "server_error" -> "server error"
    OUTCOMES = "outcomes"  # "dns_nxdomain, not_found" -> "no such domain, not found"
    ERROR = "error"  # an ErrorKind code -> words
    WHERE = "where"  # soft-404 cue position: title, heading
    SIGNALS = "signals"  # "parked-text: for sale; parked-host: x" -> words: details
    SENTENCE = "sentence"  # another sentence of this table


@dataclass(frozen=True, slots=True)
class Sentence:
    shapes: tuple[str, ...]  # the source's f-strings, each value as {}
    pattern: re.Pattern[str]
    msgid: str | tuple[str, str]  # (singular, plural) with `count`
    count: str | None = None  # the group that chooses the plural form
    parts: Mapping[str, Part] = field(default_factory=dict)


def _s(
    shapes: str | tuple[str, ...],
    pattern: str,
    msgid: str | tuple[str, str],
    count: str | None = None,
    **parts: Part,
) -> Sentence:
    return Sentence(
        (shapes,) if isinstance(shapes, str) else shapes,
        re.compile(pattern, re.DOTALL),
        msgid,
        count,
        parts,
    )


T, NUM, DEC, DAYS, OUT, OUTS, ERR, SENT = (
    Part.TEXT,
    Part.NUMBER,
    Part.DECIMAL,
    Part.DAYS,
    Part.OUTCOME,
    Part.OUTCOMES,
    Part.ERROR,
    Part.SENTENCE,
)
_ERRORS = "|".join(sorted((re.escape(e.value) for e in ErrorKind), key=len, reverse=True))
_CODE = r"[a-z_0-9]+"

SENTENCES: tuple[Sentence, ...] = (
    # --- audit.judge: reasons -------------------------------------------------
    # --- audit.vantages: reasons from several vantages (most specific first) ---
    _s(
        "{}; not asked this run: its host asked us to wait",
        r"(?P<rest>.+); not asked this run: its host asked us to wait",
        N_("%(rest)s; not asked this run: its host asked us to wait"),
        rest=SENT,
    ),
    _s(
        "{}; seen from one vantage only",
        r"(?P<rest>.+); seen from one vantage only",
        N_("%(rest)s; seen from one vantage only"),
        rest=SENT,
    ),
    _s(
        "reachable from {}, not from {} ({})",
        r"reachable from (?P<alive>.+?), not from (?P<failing>.+?) \((?P<detail>.+)\)",
        N_("reachable from %(alive)s, not from %(failing)s (%(detail)s)"),
        alive=T,
        failing=T,
        detail=T,
    ),
    _s(
        "{}, from every vantage ({})",
        r"(?P<rest>.+), from every vantage \((?P<names>.+)\)",
        N_("%(rest)s, from every vantage (%(names)s)"),
        rest=SENT,
        names=T,
    ),
    _s(
        "{} from {}; not yet confirmed from {}",
        r"(?P<rest>.+) from (?P<main>`[^`]*`); not yet confirmed from (?P<pending>.+)",
        N_("%(rest)s from %(main)s; not yet confirmed from %(pending)s"),
        rest=SENT,
        main=T,
        pending=T,
    ),
    _s(
        "{}; failing from every vantage asked ({})",
        r"(?P<rest>.+); failing from every vantage asked \((?P<names>.+)\)",
        N_("%(rest)s; failing from every vantage asked (%(names)s)"),
        rest=SENT,
        names=T,
    ),
    _s(
        "unreachable since {}: {} failures ({}) over {}",
        r"unreachable since (?P<date>\S+): (?P<n>\d+) failures \((?P<kinds>.+?)\)"
        r" over (?P<span>.+)",
        NP_(
            "unreachable since %(date)s: %(count)s failure (%(kinds)s) over %(span)s",
            "unreachable since %(date)s: %(count)s failures (%(kinds)s) over %(span)s",
        ),
        "n",
        date=T,
        kinds=OUTS,
        span=DAYS,
    ),
    _s(
        "unreachable, not yet confirmed: {} (needs {})",
        r"unreachable, not yet confirmed: (?P<n>\d+) of (?P<need>\d+) failures"
        r" \((?P<kinds>.+?)\) over (?P<span>.+?) \(needs (?P<confirm>.+)\)",
        NP_(
            "unreachable, not yet confirmed: %(n)s of %(count)s failure (%(kinds)s) over"
            " %(span)s; needs %(confirm)s",
            "unreachable, not yet confirmed: %(n)s of %(count)s failures (%(kinds)s) over"
            " %(span)s; needs %(confirm)s",
        ),
        "need",
        kinds=OUTS,
        span=DAYS,
        confirm=DAYS,
        n=NUM,
    ),
    _s(
        "alternates between answering and failing, now {}",
        rf"alternates between answering and failing, now (?P<outcome>{_CODE})",
        N_("alternates between answering and failing, now: %(outcome)s"),
        outcome=OUT,
    ),
    _s(
        "alternates between answering and failing",
        "alternates between answering and failing",
        N_("alternates between answering and failing"),
    ),
    _s(
        ("recovered: answers again at {}",),
        r"recovered: answers again at (?P<url>.+)",
        N_("recovered: answers again, at %(url)s"),
        url=T,
    ),
    _s(
        ("answers at {}", " at {}"),
        r"answers at (?P<url>.+)",
        N_("answers, at %(url)s"),
        url=T,
    ),
    _s(
        ("never answered yet, now {}", "never answered yet", "{}, now {}"),
        rf"never answered yet, now (?P<outcome>{_CODE})",
        N_("never answered yet, now: %(outcome)s"),
        outcome=OUT,
    ),
    _s("never checked", "never checked", N_("never checked")),
    _s(
        "permanently redirected to {} on {} checks",
        r"permanently redirected to (?P<target>.+) on (?P<n>\d+) checks",
        NP_(
            "permanently redirected to %(target)s on %(count)s check",
            "permanently redirected to %(target)s on %(count)s checks",
        ),
        "n",
        target=T,
    ),
    _s(
        "answers, but failed in between on recent checks",
        "answers, but failed in between on recent checks",
        N_("answers, but failed in between on recent checks"),
    ),
    _s("recovered: answers again", "recovered: answers again", N_("recovered: answers again")),
    _s("answers", "answers", N_("answers")),
    _s("refuses our checks (blocked)", r"refuses our checks \(blocked\)", N_("refuses our checks")),
    _s(
        "failing, not yet confirmed: {} (needs {})",
        r"failing, not yet confirmed: (?P<n>\d+) of (?P<need>\d+) failures \((?P<kinds>.+?)\)"
        r" over (?P<span>.+?) \(needs (?P<confirm>.+)\)",
        NP_(
            "failing, not yet confirmed: %(n)s of %(count)s failure (%(kinds)s) over %(span)s;"
            " needs %(confirm)s",
            "failing, not yet confirmed: %(n)s of %(count)s failures (%(kinds)s) over %(span)s;"
            " needs %(confirm)s",
        ),
        "need",
        kinds=OUTS,
        span=DAYS,
        confirm=DAYS,
        n=NUM,
    ),
    _s(
        ("{} failures ({}) over {}", "{} of {} failures ({}) over {}"),
        r"(?P<n>\d+) failures \((?P<kinds>.+?)\) over (?P<span>.+)",
        NP_(
            "%(count)s failure (%(kinds)s) over %(span)s",
            "%(count)s failures (%(kinds)s) over %(span)s",
        ),
        "n",
        kinds=OUTS,
        span=DAYS,
    ),
    _s(
        ("answered before, now {}", "answered before"),
        rf"answered before, now (?P<outcome>{_CODE})",
        N_("answered before, now: %(outcome)s"),
        outcome=OUT,
    ),
    _s(
        "never answered yet ({})",
        rf"never answered yet \((?P<outcome>{_CODE})\)",
        N_("never answered yet (%(outcome)s)"),
        outcome=OUT,
    ),
    _s(
        "only checked while our own network was down",
        "only checked while our own network was down",
        N_("only checked while our own network was down"),
    ),
    _s("excluded by policy", "excluded by policy", N_("excluded by policy")),
    _s(
        "not asked: its host asked us to wait",
        "not asked: its host asked us to wait",
        N_("not asked: its host asked us to wait"),
    ),
    _s(
        "not an http(s) address",
        r"not an http\(s\) address",
        N_("not a web (http or https) address"),
    ),
    _s(
        "the citation could not be repaired into a URL",
        "the citation could not be repaired into a URL",
        N_("the citation could not be repaired into a web address"),
    ),
    _s("no conclusive check", "no conclusive check", N_("no conclusive check")),
    _s(
        "title {} → {}",
        r"title (?P<before>.+) → (?P<after>.+)",
        N_("title %(before)s → %(after)s"),
        before=T,
        after=T,
    ),
    _s(
        "text {} similar to {}",
        r"text (?P<share>\d+)% similar to (?P<date>\S+)",
        N_("text %(share)s%% similar to %(date)s"),
        share=NUM,
        date=T,
    ),
    # --- audit.check.classify: evidence ----------------------------------------
    # placeholders, walls and block pages (signatures.toml's cues are data: as written)
    _s(
        "HTTP {} but a hosting placeholder: {}",
        r"HTTP (?P<status>\d+) but a hosting placeholder: (?P<cue>.*)",
        N_("HTTP %(status)s, but a hosting placeholder: %(cue)s"),
        status=T,
        cue=T,
    ),
    _s(
        "HTTP {} but a parked domain: {}",
        r"HTTP (?P<status>\d+) but a parked domain: (?P<cue>.*)",
        N_("HTTP %(status)s, but a parked domain: %(cue)s"),
        status=T,
        cue=T,
    ),
    _s(
        "HTTP {} but the site's database is down ({})",
        r"HTTP (?P<status>\d+) but the site's database is down \((?P<cue>.*)\)",
        N_("HTTP %(status)s, but the site's database is down (%(cue)s)"),
        status=T,
        cue=T,
    ),
    _s(
        "HTTP {}: a bot wall or captcha ({})",
        r"HTTP (?P<status>\d+): a bot wall or captcha \((?P<cue>.*)\)",
        N_("HTTP %(status)s: an anti-bot wall or captcha (%(cue)s)"),
        status=T,
        cue=T,
    ),
    _s(
        "legal block: a block page ({}) answered with HTTP {}",
        r"legal block: a block page \((?P<cue>.*)\) answered with HTTP (?P<status>\d+)",
        N_("legal block: a block page (%(cue)s) answered with HTTP %(status)s"),
        status=T,
        cue=T,
    ),
    _s(
        "the page is a long article ({} characters of text)",
        r"the page is a long article \((?P<n>\d+) characters of text\)",
        NP_(
            "the page is a long article (%(count)s character of text)",
            "the page is a long article (%(count)s characters of text)",
        ),
        "n",
    ),
    _s(
        "a random URL on the host answers {} ({} characters)",
        r"a random URL on the host answers (?P<answer>\S+) \((?P<n>\d+) characters\)",
        NP_(
            "a random URL on the host answers %(answer)s (%(count)s character)",
            "a random URL on the host answers %(answer)s (%(count)s characters)",
        ),
        "n",
        answer=T,
    ),
    _s(
        "a random URL on the host gets the same page ({}), as placeholders do",
        r"a random URL on the host gets the same page \((?P<sim>[\d.]+)\), as placeholders do",
        N_("a random URL on the host gets the same page (%(sim)s), as placeholders do"),
        sim=DEC,
    ),
    _s(
        "title/heading {} mentions not-found, but {}",
        r"title/heading (?P<said>.+?) mentions not-found, but (?P<rest>.*)",
        N_("the title or heading %(said)s mentions “not found”, but %(rest)s"),
        said=T,
        rest=SENT,
    ),
    _s(
        "our own network was down; says nothing about the resource",
        "our own network was down; says nothing about the resource",
        N_("our own network was down: this says nothing about the resource"),
    ),
    _s("not checked", "not checked", N_("not checked")),
    _s("the name does not exist", "the name does not exist", N_("the domain name does not exist")),
    _s("the resolver failed", "the resolver failed", N_("the name server failed to answer")),
    _s(
        "TLS failed (the site may well exist)",
        r"TLS failed \(the site may well exist\)",
        N_("the secure connection (TLS) failed; the site may well exist"),
    ),
    _s(
        "no complete answer in time", "no complete answer in time", N_("no complete answer in time")
    ),
    _s(
        "redirects never reached a page",
        "redirects never reached a page",
        N_("redirects never reached a page"),
    ),
    _s("no answer recorded", "no answer recorded", N_("no answer recorded")),
    _s(
        "{} redirect(s) ({}) to {}",
        r"(?P<n>\d+) redirect\(s\) \((?P<chain>[\d >-]+)\) to (?P<url>.+)",
        NP_(
            "%(count)s redirect (%(chain)s) to %(url)s",
            "%(count)s redirects (%(chain)s) to %(url)s",
        ),
        "n",
        chain=T,
        url=T,
    ),
    _s(
        "body unreadable: {}",
        r"body unreadable: (?P<detail>.*)",
        N_("the page could not be decoded: %(detail)s"),
        detail=T,
    ),
    _s(
        "HTTP {}: not modified since the last check",
        r"HTTP (?P<status>\d+): not modified since the last check",
        N_("HTTP %(status)s: not modified since the last check"),
        status=T,
    ),
    _s(
        "HTTP {}, accepted by policy",
        r"HTTP (?P<status>\d+), accepted by policy",
        N_("HTTP %(status)s, accepted by the registry's policy"),
        status=T,
    ),
    _s(
        "HTTP {} with a bot wall ({})",
        r"HTTP (?P<status>\d+) with a bot wall \((?P<words>.*)\)",
        N_("HTTP %(status)s with an anti-bot wall (%(words)s)"),
        status=T,
        words=T,
    ),
    _s(
        "HTTP {}: the server exists and refused us",
        r"HTTP (?P<status>\d+): the server exists and refused us",
        N_("HTTP %(status)s: the server exists and refused the checker"),
        status=T,
    ),
    _s(
        ("HTTP {}{}", ", Retry-After {}"),
        r"HTTP (?P<status>\d+), Retry-After (?P<retry>.+)",
        N_("HTTP %(status)s, asked to retry after %(retry)s"),
        status=T,
        retry=T,
    ),
    _s(
        "HTTP 300: a page of choices",
        "HTTP 300: a page of choices",
        N_("HTTP 300: a page of choices"),
    ),
    _s(
        "HTTP {} without a usable Location",
        r"HTTP (?P<status>\d+) without a usable Location",
        N_("HTTP %(status)s: a redirect without a usable target"),
        status=T,
    ),
    _s(
        "HTTP {} as a final answer",
        r"HTTP (?P<status>\d+) as a final answer",
        N_("HTTP %(status)s as a final answer"),
        status=T,
    ),
    _s(
        "HTTP {} but a bot challenge page ({})",
        r"HTTP (?P<status>\d+) but a bot challenge page \((?P<words>.*)\)",
        N_("HTTP %(status)s, but an anti-bot challenge page (%(words)s)"),
        status=T,
        words=T,
    ),
    _s(
        "HTTP {} after redirects",
        r"HTTP (?P<status>\d+) after redirects",
        N_("HTTP %(status)s after redirects"),
        status=T,
    ),
    _s(
        ("HTTP {} but {}", "HTTP {} but ", "{}: {}"),
        r"HTTP (?P<status>\d+) but (?P<signals>(?:parked-[a-z-]+|default-server-page): .*)",
        N_("HTTP %(status)s, but %(signals)s"),
        status=T,
        signals=Part.SIGNALS,
    ),
    _s(
        ("HTTP {} but {}", "HTTP {} but "),
        r"HTTP (?P<status>\d+) but (?P<rest>.*)",
        N_("HTTP %(status)s, but %(rest)s"),
        status=T,
        rest=SENT,
    ),
    _s("HTTP {}", r"HTTP (?P<status>\d+)", N_("HTTP %(status)s"), status=T),
    _s(
        "redirected to a login page: {}",
        r"redirected to a login page: (?P<detail>.*)",
        N_("redirected to a login page: %(detail)s"),
        detail=T,
    ),
    _s(
        "{} {} reads as a not-found page ({})",
        r"(?P<where>title|heading) (?P<text>.*) reads as a not-found page \((?P<lang>[^()]*)\)",
        N_("%(where)s %(text)s reads as a not-found page (%(lang)s)"),
        where=Part.WHERE,
        text=T,
        lang=T,
    ),
    _s(
        "a deep link redirected to the site root ({})",
        r"a deep link redirected to the site root \((?P<detail>.*)\)",
        N_("a deep link redirected to the site's home page (%(detail)s)"),
        detail=T,
    ),
    _s(
        "redirected to an error path ({})",
        r"redirected to an error path \((?P<detail>.*)\)",
        N_("redirected to an error page (%(detail)s)"),
        detail=T,
    ),
    _s(
        "near-identical ({}) to a random URL on the same host",
        r"near-identical \((?P<sim>[\d.]+)\) to a random URL on the same host",
        N_("near-identical (%(sim)s) to a made-up address on the same site"),
        sim=DEC,
    ),
    _s(
        "a random URL on the same host ends at the same page ({})",
        r"a random URL on the same host ends at the same page \((?P<detail>.*)\)",
        N_("a made-up address on the same site ends at the same page (%(detail)s)"),
        detail=T,
    ),
    _s(
        "differs from a random URL on the same host (similarity {})",
        r"differs from a random URL on the same host \(similarity (?P<sim>[\d.]+)\)",
        N_("differs from a made-up address on the same site (similarity %(sim)s)"),
        sim=DEC,
    ),
    _s(
        "same near-empty page as a random URL on the host ({}): inconclusive",
        r"same near-empty page as a random URL on the host \((?P<sim>[\d.]+)\): inconclusive",
        N_("the same near-empty page as a made-up address on the site (%(sim)s): inconclusive"),
        sim=DEC,
    ),
    _s(
        "answers without certificate verification: {}",
        r"answers without certificate verification: (?P<detail>.*)",
        N_("answers only without certificate verification: %(detail)s"),
        detail=T,
    ),
    _s(
        "content type changed: {}",
        r"content type changed: (?P<detail>.*)",
        N_("the content type changed: %(detail)s"),
        detail=T,
    ),
    _s(
        "{} attempts (before: {})",
        r"(?P<n>\d+) attempts \(before: (?P<before>.*)\)",
        NP_("%(count)s attempt (before: %(before)s)", "%(count)s attempts (before: %(before)s)"),
        "n",
        before=T,
    ),
    _s(
        "{} attempts",
        r"(?P<n>\d+) attempts",
        NP_("%(count)s attempt", "%(count)s attempts"),
        "n",
    ),
    _s(
        "a random URL on the host answers {} (real 404s)",
        r"a random URL on the host answers (?P<status>.*) \(real 404s\)",
        N_("a made-up address on the site answers %(status)s (the site gives real 404s)"),
        status=T,
    ),
    _s(
        "https:// answers {}",
        r"https:// answers (?P<status>.*)",
        N_("the https:// address answers %(status)s"),
        status=T,
    ),
    _s(
        "https:// fails: {}",
        r"https:// fails: (?P<detail>.*)",
        N_("the https:// address fails: %(detail)s"),
        detail=T,
    ),
    _s(
        "checked through proxy {}",
        r"checked through proxy (?P<proxy>.*)",
        N_("checked through the proxy %(proxy)s"),
        proxy=T,
    ),
    # --- audit.fix.suggest and audit.archive.moves: a suggestion's evidence ---
    _s(
        "answers with a real page (HTTP {})",
        r"answers with a real page \(HTTP (?P<status>\d+)\)",
        N_("answers with a real page (HTTP %(status)s)"),
        status=T,
    ),
    _s(
        ("its title {} resembles {}", "the archived copy's {}"),
        r"its title (?P<title>.+) resembles the archived copy's (?P<archived>.+)",
        N_("its title %(title)s resembles the archived copy's %(archived)s"),
        title=T,
        archived=T,
    ),
    _s(
        "its title {} resembles {}",
        r"its title (?P<title>.+?) resembles (?P<name>.+)",
        N_("its title %(title)s resembles %(name)s"),
        title=T,
        name=T,
    ),
    _s(
        "cited elsewhere in the documents or the registry",
        r"cited elsewhere in the documents or the registry",
        N_("cited elsewhere in the documents or the registry"),
    ),
    _s(
        "archived {}: HTTP {} redirect to {}",
        r"archived (?P<date>\S+): HTTP (?P<status>\d+) redirect to (?P<target>.+)",
        N_("archived %(date)s: an HTTP %(status)s redirect to %(target)s"),
        date=T,
        status=T,
        target=T,
    ),
    _s(
        "last capture ({}) says: {}",
        r"last capture \((?P<date>[^)]+)\) says: (?P<words>.+)",
        N_("the last capture (%(date)s) says: %(words)s"),
        date=T,
        words=T,
    ),
    # Transport errors: "<error kind>: <detail>" or the kind alone.
    _s(
        "{}: {}",
        rf"(?P<error>{_ERRORS}): (?P<detail>.*)",
        N_("%(error)s: %(detail)s"),
        error=ERR,
        detail=T,
    ),
    _s("{error.value}", rf"(?P<error>{_ERRORS})", N_("%(error)s"), error=ERR),
)

# Shapes of the source that are values inside other sentences (see Part).
# pieces of other sentences: "7.0 days", and classify._cue's "kind, where text"
PART_SHAPES: tuple[str, ...] = ("{} days", "{}, {} {}")

# Code names as words (ErrorKind values; outcomes use the labels of _view).
ERROR_WORDS: dict[str, str] = {
    ErrorKind.DNS_NXDOMAIN: N_("no such domain"),
    ErrorKind.DNS_ERROR: N_("name lookup failed"),
    ErrorKind.CONNECT: N_("connection failed"),
    ErrorKind.RESET: N_("connection cut off"),
    ErrorKind.TLS: N_("secure connection (TLS) failed"),
    ErrorKind.TIMEOUT: N_("timed out"),
    ErrorKind.TOO_MANY_REDIRECTS: N_("too many redirects"),
    ErrorKind.REDIRECT_LOOP: N_("redirect loop"),
    ErrorKind.PROTOCOL: N_("malformed answer"),
    ErrorKind.DECODING: N_("unreadable content"),
    ErrorKind.PROXY: N_("proxy failed"),
    ErrorKind.INVALID_URL: N_("invalid address"),
    ErrorKind.UNSUPPORTED: N_("not a web address"),
    ErrorKind.POLICY: N_("refused by our address policy"),
    ErrorKind.OFFLINE: N_("our own network was down"),
    ErrorKind.RATE_LIMITED: N_("not asked: its host asked us to wait"),
    ErrorKind.INVALID_REDIRECT: N_("unusable redirect"),
    ErrorKind.OTHER: N_("other failure"),
}
SIGNAL_WORDS: dict[str, str] = {
    "parked-text": N_("the text of a parked domain"),
    "parked-host": N_("a domain-parking host"),
    "default-server-page": N_("a web server's default page"),
}
WHERE_WORDS: dict[str, str] = {"title": N_("the title"), "heading": N_("the heading")}
