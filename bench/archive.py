"""Archive-step figures: parser throughput and end-to-end lookups on the loopback fake.

    .venv/bin/python -m bench.archive [--resources 300] [--captures 40]

Prints figures; asserts nothing.  The fake archive runs on 127.0.0.1/127.0.0.2
with rate limits lifted, so the lookup figure is our own overhead per
resource, not what the real archives allow (about 24 CDX requests a minute).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime

from audit.archive import Archiver, ArchiveRequest, ArchiveSettings
from audit.archive.memento import parse_link_format, read_timemap
from audit.archive.wayback import CDX_FIELDS, parse_cdx_json
from tests.servers.archive import Capture, FakeArchive


def _cdx_body(rows: int) -> str:
    data = [list(CDX_FIELDS)]
    for i in range(rows):
        ts = f"{2000 + i % 25:04d}{1 + i % 12:02d}{1 + i % 28:02d}{i % 24:02d}{i % 60:02d}00"
        data.append(
            [
                "ru,example)/doc",
                ts,
                "http://www.example.ru:80/doc",
                "text/html",
                "200",
                "Q4YULN754FHV2U6Q5JUT6Q2P57WEWNNY",
                str(1000 + i),
            ]
        )
    return json.dumps(data)


def _timemap_body(entries: int) -> str:
    lines = ['<http://example.ru/doc>; rel="original"']
    for i in range(entries):
        ts = f"{2000 + i % 25:04d}0101000000"
        lines.append(
            f'<https://arch.test/web/{ts}/http://example.ru/doc>; rel="memento"; '
            'datetime="Sat, 01 Jan 2000 00:00:00 GMT"'
        )
    return ",\n".join(lines)


def _timed(label: str, unit: str, n: int, fn: Callable[[], object]) -> None:
    # Time and memory in separate passes: tracemalloc slows the code it watches.
    started = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{label:<34} {n:>7} {unit} in {elapsed * 1000:8.1f} ms  "
        f"({n / elapsed:>9.0f} {unit}/s, peak {peak / 2**20:5.1f} MiB)"
    )


def _lookups(resources: int, captures: int, concurrency: int) -> None:
    with FakeArchive() as fake:
        urls = [f"http://region{i}.example.ru/page/{i}" for i in range(resources)]
        for i, url in enumerate(urls):
            if i % 5:  # one in five was never archived
                fake.add(
                    url,
                    *(
                        Capture(f"{2005 + c % 20:04d}{1 + c % 12:02d}01000000")
                        for c in range(captures)
                    ),
                )
        fake.add_other("other", urls[1], "20100101000000", "20200101000000")
        unlimited = 1e9
        settings = replace(
            ArchiveSettings(),
            wayback_url=fake.wayback_url,
            availability_url=fake.availability_url,
            memento_timemaps=(("other", fake.timemap_base("other")),),
            memento_timegates=(),
            cdx_per_minute=unlimited,
            availability_per_minute=unlimited,
            replay_per_minute=unlimited,
            memento_per_minute=unlimited,
            concurrency=concurrency,
        )
        requests = [ArchiveRequest(u, date(2015, 6, 1)) for u in urls]
        now = datetime(2026, 11, 28, tzinfo=UTC)

        async def go() -> int:
            async with Archiver(settings) as archiver:
                return sum([1 async for _ in archiver.lookup_all(requests, now)])

        started = time.perf_counter()
        done = asyncio.run(go())
        elapsed = time.perf_counter() - started
        sent = len(fake.web.requests) + len(fake.avail.requests)
        print(
            f"{'lookups (CDX+TimeMap+verify)':<34} {done:>7} resources in "
            f"{elapsed * 1000:8.1f} ms  ({done / elapsed:>9.1f} /s, "
            f"{sent / done:.1f} requests each, concurrency {concurrency})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--resources", type=int, default=300)
    parser.add_argument("--captures", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    body = _cdx_body(args.rows)
    _timed("parse CDX JSON", "rows", args.rows, lambda: parse_cdx_json(body))
    tm = _timemap_body(args.entries)
    _timed(
        "parse link-format TimeMap",
        "links",
        args.entries,
        lambda: read_timemap(parse_link_format(tm), "https://arch.test/tm"),
    )
    _lookups(args.resources, args.captures, args.concurrency)


if __name__ == "__main__":
    main()
