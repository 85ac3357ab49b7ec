from __future__ import annotations

import pytest

from audit.check import CheckSettings, ResolveRule, parse_resolve
from audit.errors import InputError


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("www.gov.test:80:127.0.0.2", ResolveRule("www.gov.test", 80, ("127.0.0.2",))),
        ("WWW.Gov.Test.:443:[::1]", ResolveRule("www.gov.test", 443, ("::1",))),
        (
            "+a.test:8080:127.0.0.1,127.0.0.3",
            ResolveRule("a.test", 8080, ("127.0.0.1", "127.0.0.3")),
        ),
        ("*:80:127.0.0.1", ResolveRule("*", 80, ("127.0.0.1",))),
        (
            "персональныеданные.дети:443:127.0.0.1",
            ResolveRule("xn--80aalcbc2bocdadlpp9nfk.xn--d1acj3b", 443, ("127.0.0.1",)),
        ),
    ],
)
def test_parse_resolve_accepts_curl_syntax(text: str, rule: ResolveRule) -> None:
    assert parse_resolve(text) == rule


@pytest.mark.parametrize(
    "text",
    [
        "",
        "host",
        "host:80",
        "host:80:",
        "host:http:127.0.0.1",
        "host:0:127.0.0.1",
        "host:70000:127.0.0.1",
        "host:80:not-an-ip",
        ":80:127.0.0.1",
    ],
)
def test_parse_resolve_rejects_bad_syntax(text: str) -> None:
    with pytest.raises(InputError, match="--resolve"):
        parse_resolve(text)


def test_rule_matching_is_per_port() -> None:
    rule = parse_resolve("a.test:80:127.0.0.1")
    assert rule.matches("a.test", 80)
    assert not rule.matches("a.test", 443)
    assert not rule.matches("b.test", 80)
    assert parse_resolve("*:80:127.0.0.1").matches("b.test", 80)


@pytest.mark.parametrize(
    "changes",
    [
        {"concurrency": 0},
        {"per_host": 0},
        {"timeout": 0},
        {"retries": -1},
        {"min_interval": -1.0},
        {"proxy": "socks4://127.0.0.1:1080"},  # SOCKS5 is supported (vantages), SOCKS4 not
    ],
)
def test_settings_refuse_values_that_would_stall(changes: dict[str, object]) -> None:
    with pytest.raises(InputError):
        CheckSettings(**changes)  # type: ignore[arg-type]
