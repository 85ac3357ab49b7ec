"""`audit check --format junit|markdown`: pure renderings of the contract's result items.

The items are `result_to_json` dicts plus `verdict`; `failing` says which outcomes
make a result a failure (the same set that decides the exit code).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import quoteattr

from audit.models import Outcome

# What `audit check` fails on by default: the URL did not give a working page. Not
# blocked (it exists and refused us), rate-limited, offline, skipped or unsupported:
# none of them says the citation is broken.
BROKEN = frozenset(
    o
    for o in Outcome
    if o.value
    in {
        "soft_404",
        "parked",
        "stub",
        "not_found",
        "client_error",
        "server_error",
        "dns_nxdomain",
        "dns_error",
        "connection_error",
        "tls_error",
        "timeout",
        "redirect_loop",
        "invalid_url",
        "invalid_redirect",
    }
)


# XML 1.0 forbids these even as character references; a server's bytes may carry them.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def parse_outcomes(text: str) -> frozenset[Outcome]:
    """`not_found,timeout` -> outcomes; ValueError naming the unknown ones."""
    names = [t.strip() for t in text.split(",") if t.strip()]
    known = {o.value: o for o in Outcome}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(
            f"unknown outcome(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    return frozenset(known[n] for n in names)


def _why(item: dict[str, Any]) -> str:
    status = item.get("http_status")
    parts = [item["outcome"] + (f" (HTTP {status})" if status else "")]
    parts += item.get("evidence") or []
    return _CONTROL.sub("?", "; ".join(parts))


def render_junit(
    items: Sequence[dict[str, Any]], failing: frozenset[Outcome], run: dict[str, Any]
) -> str:
    """One <testsuite>, one <testcase> per URL; a broken outcome is a <failure>."""
    failures = sum(1 for i in items if i["outcome"] in failing)
    skipped = sum(1 for i in items if i["outcome"] in ("skipped", "unsupported", "offline"))
    total_ms = sum(int(i.get("elapsed_ms") or 0) for i in items)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name="audit" tests="{len(items)}" failures="{failures}" errors="0">',
        f'  <testsuite name="audit check" tests="{len(items)}" failures="{failures}" '
        f'errors="0" skipped="{skipped}" time="{total_ms / 1000:.3f}" '
        f"timestamp={quoteattr(str(run.get('started', '')))}>",
    ]
    for i in items:
        url = _CONTROL.sub("?", i["url"])
        head = (
            f"    <testcase classname={quoteattr(_host(url))} name={quoteattr(url)} "
            f'time="{int(i.get("elapsed_ms") or 0) / 1000:.3f}"'
        )
        if i["outcome"] in failing:
            lines.append(head + ">")
            lines.append(
                f"      <failure type={quoteattr(i['outcome'])} message={quoteattr(_why(i))}/>"
            )
            lines.append("    </testcase>")
        elif i["outcome"] in ("skipped", "unsupported", "offline"):
            lines.append(head + f"><skipped>{_text(_why(i))}</skipped></testcase>")
        else:
            lines.append(head + "/>")
    lines += ["  </testsuite>", "</testsuites>", ""]
    return "\n".join(lines)


def render_markdown(items: Sequence[dict[str, Any]], failing: frozenset[Outcome]) -> str:
    """A summary line and a table of the failures, then the rest: fits a PR comment."""
    bad = [i for i in items if i["outcome"] in failing]
    lines = [f"**audit check**: {len(items)} URLs, {len(bad)} broken", ""]
    for title, rows in (("Broken", bad), ("Other", [i for i in items if i not in bad])):
        if not rows:
            continue
        lines += [f"### {title}", "", "| outcome | status | URL | evidence |", "|---|---|---|---|"]
        for i in rows:
            evidence = "; ".join(i.get("evidence") or [])
            lines.append(
                f"| {i['outcome']} | {i.get('http_status') or '–'} | `{_cell(i['url'])}` "
                f"| {_cell(evidence)} |"
            )
        lines.append("")
    return "\n".join(lines)


def _host(url: str) -> str:
    rest = url.partition("://")[2]
    return rest.split("/", 1)[0] or url


def _text(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cell(s: str) -> str:
    # a pipe ends a table cell and a backtick ends the code span: neither may pass
    return s.replace("|", "\\|").replace("`", "'").replace("\n", " ")
