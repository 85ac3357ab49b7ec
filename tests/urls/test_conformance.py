"""Data-driven conformance against third-party corpora; each test prints its counts.

- wpt urltestdata.json: http(s) inputs the URL Standard accepts (base null, or
  an absolute `http(s)://` input): our `url` is the expected `href`.  We keep
  the fragment, so `href` is compared whole.  DELIBERATE lists the cases where
  a citation repair is meant to differ from a browser, each with its reason.
- linkify-it links.txt: a link in a line of text; normalising the whole line
  gives what normalising the expected link gives (boundary trimming).
- wpt toascii.json, wpt IdnaTestV2.json and Unicode IdnaTestV2.txt: our host
  conversion.  "Covered" cases are those where the `idna` package itself
  (whole domain, uts46=True) gives the expected answer; there we must agree
  on every case.  Elsewhere the package is stricter than UTS 46/WHATWG
  (symbols such as ♥ and ≠, which we accept as browsers do, with a warning;
  over-long labels, which we refuse) or we repair on purpose (empty labels
  collapsed, trailing dot dropped): counted and reported.
"""

from __future__ import annotations

import re
from typing import Any

import idna

from audit.urls import host_to_ascii, normalize

from .corpora import CORPORA, idna_test_v2, load_json, report, shared_file

DELIBERATE = {
    "http://f:21/ b ? d # e ": "spaces inside a cited URL are PDF wrapping: joined, not encoded",
    "http://example.com/\ufeff/foo": "zero-width/BOM characters are deleted (T2), not encoded",
    "http://example.com/\u202e/foo/\u202d/bar": "bidi controls are deleted (T2) and flagged",
    "http://www.google.com/foo?bar=baz# »": "a trailing guillemet closes a quotation (B1/B2)",
    "http://host/?'": "an unpaired trailing quote closes a quotation (B2)",
    'http://example.org/test?"': "an unpaired trailing quote closes a quotation (B2)",
    "http://example.org/test?>": "an unpaired trailing '>' closes <…> (B1)",
    "http://foo.09..": "trailing dots are sentence punctuation in citations (B2, H2)",
}
_ABSOLUTE = re.compile(r"(?i)^[\x00-\x20]*https?://")


def _wpt_cases() -> list[dict[str, Any]]:
    data = load_json("wpt-url/urltestdata.json")
    return [
        case
        for case in data
        if isinstance(case, dict)
        and not case.get("failure")
        and case.get("protocol") in ("http:", "https:")
        and (case.get("base") is None or _ABSOLUTE.match(case["input"]))
    ]


def test_wpt_urltestdata() -> None:
    cases = _wpt_cases()
    passed, deliberate, failed = 0, 0, []
    for case in cases:
        url = normalize(case["input"]).url
        if url == case["href"]:
            passed += 1
            assert case["input"] not in DELIBERATE, f"stale DELIBERATE entry {case['input']!r}"
        elif case["input"] in DELIBERATE:
            deliberate += 1
        else:
            failed.append((case["input"], case["href"], url))
    total = len(cases)
    report(
        f"\nwpt urltestdata (http/https, accepted): {passed}/{total} equal "
        f"({100 * passed / total:.1f}%), {deliberate} deliberate differences, "
        f"{len(failed)} failures"
    )
    assert total > 150
    assert not failed
    assert passed / total >= 0.95


def test_wpt_urltestdata_failures_not_silently_accepted() -> None:
    """Inputs the standard rejects: count those we still turn into a URL."""
    data = load_json("wpt-url/urltestdata.json")
    cases = [
        c
        for c in data
        if isinstance(c, dict)
        and c.get("failure")
        and c.get("base") is None
        and re.match(r"(?i)^[\x00-\x20]*https?:", c["input"])
    ]
    accepted = [c["input"] for c in cases if normalize(c["input"]).url is not None]
    report(f"\nwpt urltestdata (http/https, rejected): we repair {len(accepted)}/{len(cases)}")
    # Only `0..0x300` (empty label collapsed, H3) is repaired on purpose.
    assert all(".." in a for a in accepted), accepted


def _package(host: str) -> str | None:
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return None


def _trim(host: str | None) -> str | None:
    # We drop a host's trailing dot (H2); compare without it.
    return host.rstrip(".") if host and host.strip(".") else host


def _compare(name: str, cases: list[tuple[str, str | None]]) -> None:
    agree = covered = covered_agree = 0
    wrong = []
    accepted_bad: list[str] = []  # the reference says error, we produce a host
    for source, expected in cases:
        want = _trim(expected)
        ours = host_to_ascii(source)
        agree += ours == want
        if want is None and ours is not None:
            accepted_bad.append(source)
        if _trim(_package(source)) == want:
            covered += 1
            if ours == want:
                covered_agree += 1
            else:
                wrong.append((source, expected, ours))
    report(
        f"\n{name}: {agree}/{len(cases)} agree overall; "
        f"{covered_agree}/{covered} of the cases the idna package covers; "
        f"{len(accepted_bad)} errors we accept"
    )
    assert covered > 0
    assert not wrong, wrong[:10]
    assert not accepted_bad, accepted_bad[:10]


def test_wpt_toascii() -> None:
    data = load_json("wpt-url/toascii.json")
    _compare("wpt toascii.json", [(c["input"], c["output"]) for c in data if isinstance(c, dict)])


def test_wpt_idna_v2() -> None:
    data = load_json("wpt-url/IdnaTestV2.json")
    _compare(
        "wpt IdnaTestV2.json", [(c["input"], c["output"]) for c in data if isinstance(c, dict)]
    )


def test_unicode_idna_v2() -> None:
    # All-ASCII sources take the URL Standard's ASCII path (lower-case only, so
    # `xn--a` passes as in toascii.json); UTS 46 ToASCII applies to the rest.
    cases = [(s, e) for s, e in idna_test_v2() if not s.isascii()]
    assert len(cases) > 4000
    _compare("Unicode IdnaTestV2.txt (non-ASCII sources)", cases)


def _linkify_cases() -> list[tuple[str, str]]:
    """(text, expected link) pairs; a lone line is its own link; ` % ...` is a comment."""
    path = shared_file(CORPORA / "linkify-it" / "links.txt")
    lines = [
        "" if line.startswith("%") else re.sub(r"\s+%\s.*$", "", line)
        for line in path.read_text(encoding="utf-8").split("\n")
    ]
    cases, i = [], 0
    while i < len(lines):
        if not lines[i].strip():
            i += 1
        elif i + 1 < len(lines) and lines[i + 1].strip():
            cases.append((lines[i], lines[i + 1]))
            i += 2
        else:
            cases.append((lines[i], lines[i]))
            i += 1
    return cases


def test_linkify_boundaries() -> None:
    applicable = agree = 0
    misses = []
    for text, link in _linkify_cases():
        want = normalize(link).url
        if want is None:  # e.g. `example.invalid` without a scheme: not ours to accept
            continue
        applicable += 1
        got = normalize(text).url
        agree += got == want
        if got != want:
            misses.append((text, want, got))
    report(f"\nlinkify-it links.txt: {agree}/{applicable} lines trimmed to their link")
    # Misses are free-text extraction cases (a link between `｜` bars, a
    # protocol-relative link after prose): the extraction step's job.
    assert applicable > 100
    assert agree / applicable >= 0.95, misses


def test_twitter_text_valid_urls() -> None:
    """twitter-text validate.yml: every URL it calls valid is repaired into a URL.

    Its "invalid" cases follow Twitter's own, stricter rules (no ftp, no `_`
    in a registrable label...) and are not ours to follow.
    """
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load(shared_file(CORPORA / "twitter-text" / "validate.yml"))
    cases = [
        case["text"]
        for section in ("urls", "urls_without_protocol")
        for case in data["tests"][section]
        if case["expected"]
    ]
    failed = [text for text in cases if normalize(text).url is None]
    report(f"\ntwitter-text validate.yml: {len(cases) - len(failed)}/{len(cases)} valid URLs kept")
    assert len(cases) > 15
    assert not failed
