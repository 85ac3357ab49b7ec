"""The archive step against hostile archives: every lookup ends in time, in bounded memory.

Each case runs `audit archive` in a subprocess (tests/hostile/helpers.py: a
time budget, an address-space cap, the child's peak RSS measured) against a
loopback server that drips, hangs, bombs or floods every endpoint.
"""

from __future__ import annotations

import json

import pytest

from tests.hostile.helpers import audit
from tests.servers import hostile
from tests.servers.hostile import HostileServer

TIMEOUT = 1.5  # --timeout: each request's total deadline
MEMORY_MB = 400  # peak RSS; reading a bomb whole would take gigabytes


def _archive(srv: HostileServer, *urls: str, budget: float, extra: tuple[str, ...] = ()) -> object:
    args = ["archive", "--no-store", "--format", "json", "--timeout", str(TIMEOUT)]
    args += ["--wayback-url", srv.url(""), "--availability-url", srv.url("")]
    args += ["--memento", "none=-", *extra]
    for url in urls:
        args += ["--url", url]
    return audit(*args, budget=budget)


@pytest.mark.parametrize(
    "handler",
    [
        pytest.param(hostile.drip_body, id="drip-body"),
        pytest.param(hostile.drip_head, id="drip-head"),
        pytest.param(hostile.hang, id="hang"),
        pytest.param(hostile.cached_bomb("gzip"), id="gzip-bomb"),
        pytest.param(hostile.cached_bomb("br"), id="brotli-bomb"),
        pytest.param(hostile.huge_body(), id="5GB-body"),
        pytest.param(hostile.endless_body, id="endless-body"),
    ],
)
def test_a_hostile_archive_ends_in_time_and_bounded_memory(handler: hostile.Raw) -> None:
    with HostileServer(handler) as srv:
        ran = _archive(srv, "http://portal.example.ru/", budget=60)
    assert ran.code == 0, ran.err
    (result,) = json.loads(ran.out)["results"]
    assert result["status"] == "unknown"  # never "not archived" from an archive that failed
    assert ran.max_rss_mb < MEMORY_MB, f"peak RSS {ran.max_rss_mb:.0f} MB"
    # CDX then availability, each at most retries+1 deadlines, less when the breaker opens
    assert ran.seconds < 2 * 3 * TIMEOUT + 15, ran.seconds


def test_an_unreachable_archive_is_detected_once_not_per_resource() -> None:
    urls = [f"http://site{i}.example.ru/" for i in range(12)]
    with HostileServer(hostile.hang) as srv:
        ran = _archive(srv, *urls, budget=90)
        asked = len(srv.requests)
    assert ran.code == 0, ran.err
    data = json.loads(ran.out)
    assert [r["status"] for r in data["results"]] == ["unknown"] * 12
    (note,) = data["notes"]
    assert note.startswith("archives unreachable: ")
    assert "wayback-cdx" in note and "availability" in note
    # Without the breaker: 12 resources x (CDX + availability), each paced at the real
    # rates (24/min, 12/min): 24 requests and about 90 s. With it: the first few of each.
    assert asked <= 16, asked
    assert ran.seconds < 45, ran.seconds


def test_text_output_says_archives_unreachable() -> None:
    with HostileServer(hostile.hang) as srv:
        args = ["archive", "--no-store", "--timeout", "1", "--memento", "none=-"]
        args += ["--wayback-url", srv.url(""), "--availability-url", srv.url("")]
        urls = [a for i in range(3) for a in ("--url", f"http://a{i}.example.ru/")]
        ran = audit(*args, *urls, budget=60)
    assert ran.code == 0, ran.err
    assert ran.out.splitlines()[-1].startswith("archives unreachable: ")
