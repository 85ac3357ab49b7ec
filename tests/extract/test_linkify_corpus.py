"""linkify-it's fixtures (shared/corpora/linkify-it): links found with their boundaries,
and no not-link taken for a web address.  Format: shared/corpora/README.md."""

from __future__ import annotations

from audit.extract import extract_text
from audit.models import UrlKind
from tests.extract._shared import shared

# Deliberate differences from linkify-it (its runner uses fuzzyIP: true):
DELIBERATE = {
    # Protocol-relative addresses of hosts that are not public domains: no document
    # cites an intranet name as a web resource.
    "//localhost",
    "//test.123",
    # Bare IPv4 addresses without a scheme: in reports these are paragraph numbers
    # (`1.2.3.4`), and a cited server address comes with `http://`.
    "4.4.4.4",
    "192.168.1.1/abc",
    # Quoted local parts (RFC 5322 `"foo"`) in a scheme-less e-mail: not seen in documents.
    'test."foo".bar@gmail.co.uk!',
    # Scheme-less hosts starting with a symbol: a dingbat before `.ws` is decoration.
    "➡.ws/䨹",
    # A bare `name.tld` under a new gTLD, with no scheme, www. or path, is an identifier
    # in real documents (`Outline.next`, `552.email`: issue 14, pattern 5).
    "google.xxx // known tld",
}


# Spans found, then judged by the repair engine (audit.urls), whose rules win:
ENGINE = {
    "http://✪df.ws/123",  # a symbol in a host is refused (IDNA2008 DISALLOWED)
    "mailto:foo@bar      % explicit protocol make it valid",  # a mail domain needs a suffix
}


def _strip_comment(line: str) -> str:
    return "" if line.startswith("%") else line


def _link_cases() -> list[tuple[str, str]]:
    lines = shared("corpora", "linkify-it", "links.txt").read_text(encoding="utf-8").splitlines()
    cases: list[tuple[str, str]] = []
    i = 0
    while i < len(lines):
        line = _strip_comment(lines[i])
        following = _strip_comment(lines[i + 1]) if i + 1 < len(lines) else ""
        if not line.strip():
            i += 1
        elif following.strip():
            cases.append((line, following))
            i += 2
        else:
            cases.append((line, line))
            i += 1
    return cases


def test_links_found_with_expected_boundaries() -> None:
    cases = _link_cases()
    failed: list[str] = []
    for text, expected in cases:
        found = extract_text(text, "links.txt")
        if not found or found[0].raw != expected:
            failed.append(text)
    passed = len(cases) - len(failed)
    print(f"linkify-it links.txt: {passed}/{len(cases)} passed ({passed / len(cases):.1%})")
    assert len(cases) > 100
    assert passed / len(cases) >= 0.90
    assert set(failed) - DELIBERATE - ENGINE == set(), sorted(set(failed) - DELIBERATE)


def test_not_links_are_never_web_addresses() -> None:
    lines = shared("corpora", "linkify-it", "not_links.txt").read_text(encoding="utf-8")
    cases = [s for s in map(_strip_comment, lines.splitlines()) if s.strip()]
    taken = {
        text: [c.raw for c in extract_text(text, "not_links.txt") if c.normalized
               and c.normalized.kind is UrlKind.WEB]
        for text in cases
    }  # fmt: skip
    wrong = {text: raws for text, raws in taken.items() if raws}
    print(f"linkify-it not_links.txt: {len(cases) - len(wrong)}/{len(cases)} passed")
    assert len(cases) > 30
    assert wrong == {}
