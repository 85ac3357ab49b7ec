"""Benchmark workloads: N URLs over H loopback hosts, each URL with a known behaviour.

Hosts are the addresses 127.0.1.1, 127.0.1.2, ... (all of 127.0.0.0/8 is
loopback on Linux, so no setup is needed) and every host listens on the same
port. A URL's behaviour is *not* visible in its path: the paths look like an
ordinary site's (`/docs/2019/annual-report-00042.html`), so no tool, ours
included, can pass by reading the URL.

The ground truth says, for each URL, whether it is broken and whether it is a
soft-404. Deciding what "broken" means is a policy, written down here once:
a 429 with Retry-After, a server that refuses HEAD, a slow page and a large
page are *not* broken; hanging, 404/410/5xx, loops and soft-404s are.
"""

from __future__ import annotations

import heapq
import json
import random
from collections import Counter, deque
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class Behaviour(StrEnum):
    """What the server does for one URL (the value is the wire/label format)."""

    OK = "ok"
    NOT_FOUND = "not_found"  # 404
    GONE = "gone"  # 410
    SERVER_ERROR = "server_error"  # 500, every time
    REDIRECT = "redirect"  # 1-3 hops (301/302/307/308), ends on an ok page
    REDIRECT_LOOP = "redirect_loop"  # A -> A?loop=1 -> A -> ...
    RATE_LIMITED = "rate_limited"  # 429 + Retry-After: 1 on the first request, then 200
    HEAD_HOSTILE = "head_hostile"  # 405 on HEAD, 200 on GET
    SOFT_404_TEXT = "soft_404_text"  # 200 with a "page not found" title/heading
    SOFT_404_ROOT = "soft_404_root"  # deep link 302 -> site root (200 home page)
    SLOW = "slow"  # 200 after an extra delay below the timeout
    HANG = "hang"  # reads the request, never answers
    LARGE = "large"  # 200 with a multi-MiB body
    ETAG = "etag"  # 200 with an ETag; 304 to a matching If-None-Match


BROKEN = frozenset(
    {
        Behaviour.NOT_FOUND,
        Behaviour.GONE,
        Behaviour.SERVER_ERROR,
        Behaviour.REDIRECT_LOOP,
        Behaviour.SOFT_404_TEXT,
        Behaviour.SOFT_404_ROOT,
        Behaviour.HANG,
    }
)
SOFT_404 = frozenset({Behaviour.SOFT_404_TEXT, Behaviour.SOFT_404_ROOT})

# `audit check` outcomes that mean "broken" for scoring (decided in issue 9):
# rate_limited and blocked say the resource exists but refused us, so they are
# NOT broken, and a 429 URL called broken counts as wrongly broken.
AUDIT_BROKEN_OUTCOMES = frozenset(
    {
        "not_found",
        "client_error",
        "server_error",
        "dns_nxdomain",
        "connection_error",
        "redirect_loop",
        "timeout",
        "soft_404",
        "parked",
    }
)

# Share of each behaviour among the non-hanging URLs; roughly what a decade-old
# citation list looks like (most alive, many redirected, a tail of failures).
MIX: dict[Behaviour, float] = {
    Behaviour.OK: 0.46,
    Behaviour.ETAG: 0.12,
    Behaviour.REDIRECT: 0.12,
    Behaviour.NOT_FOUND: 0.07,
    Behaviour.GONE: 0.02,
    Behaviour.SERVER_ERROR: 0.03,
    Behaviour.REDIRECT_LOOP: 0.01,
    Behaviour.RATE_LIMITED: 0.02,
    Behaviour.HEAD_HOSTILE: 0.04,
    Behaviour.SOFT_404_TEXT: 0.03,
    Behaviour.SOFT_404_ROOT: 0.03,
    Behaviour.SLOW: 0.02,
    Behaviour.LARGE: 0.005,
}

LANGS = ("en", "ru", "fr", "de", "es")
SECTIONS = ("docs", "news", "reports", "projects", "about", "programs", "library")
WORDS = [
    "annual",
    "regional",
    "education",
    "policy",
    "report",
    "youth",
    "science",
    "portal",
    "open",
    "data",
    "ministry",
    "strategy",
    "budget",
    "review",
    "archive",
    "summary",
    "programme",
    "network",
    "school",
    "health",
    "culture",
    "digital",
    "heritage",
    "library",
    "council",
    "statistics",
    "survey",
    "plan",
]


@dataclass(frozen=True)
class WorkloadSpec:
    """The knobs of one workload; `name` names its output folder."""

    name: str
    urls: int
    hosts: int
    latency_s: float = 0.05
    timeout_s: float = 5.0
    hanging: int = 3
    slow_s: float = 1.0
    large_bytes: int = 2 * 1024 * 1024
    retry_after_s: int = 1
    seed: int = 9


@dataclass(frozen=True)
class Page:
    """One URL of the workload and its ground truth."""

    index: int
    host: str  # a loopback IPv4 address
    path: str
    behaviour: Behaviour
    hops: int = 0  # redirect hops, for REDIRECT

    @property
    def broken(self) -> bool:
        return self.behaviour in BROKEN

    @property
    def soft_404(self) -> bool:
        return self.behaviour in SOFT_404

    def url(self, port: int) -> str:
        return f"http://{self.host}:{port}{self.path}"

    def requests_needed(self) -> int:
        """Requests an ideal checker makes (GET only, no retries)."""
        if self.behaviour is Behaviour.REDIRECT:
            return 1 + self.hops
        if self.behaviour in (Behaviour.REDIRECT_LOOP, Behaviour.SOFT_404_ROOT):
            return 2
        return 1


@dataclass(frozen=True)
class Workload:
    spec: WorkloadSpec
    host_addrs: tuple[str, ...]
    pages: tuple[Page, ...]
    by_key: dict[tuple[str, str], Page] = field(compare=False, repr=False)

    def counts(self) -> Counter[Behaviour]:
        return Counter(p.behaviour for p in self.pages)


def host_addr(i: int) -> str:
    """The i-th (0-based) benchmark host: 127.0.1.1, ..., 127.0.1.254, 127.0.2.1, ..."""
    return f"127.0.{1 + i // 254}.{1 + i % 254}"


def host_lang(addr: str) -> str:
    return LANGS[sum(int(x) for x in addr.split(".")) % len(LANGS)]


def host_is_soft(addr: str) -> bool:
    """A third of hosts answer 200 "not found" for unknown paths, as many CMSs do."""
    return int(addr.rsplit(".", 1)[1]) % 3 == 0


def generate(spec: WorkloadSpec) -> Workload:
    """Deterministic for a given spec: the same seed gives the same URLs."""
    if spec.hosts < 1 or spec.urls < spec.hosts:
        raise ValueError(f"need 1 <= hosts <= urls, got {spec.hosts} hosts, {spec.urls} urls")
    if spec.hanging > spec.hosts:
        raise ValueError("at most one hanging URL per host")
    rng = random.Random(spec.seed)
    kinds = list(MIX)
    weights = [MIX[k] for k in kinds]
    n_plain = spec.urls - spec.hanging
    # Every behaviour at least once (small workloads must still cover them all),
    # the rest drawn from the mix.
    behaviours = kinds[:n_plain] + rng.choices(kinds, weights, k=max(0, n_plain - len(kinds)))
    rng.shuffle(behaviours)
    # Hanging URLs sit at random places in the list (their own random stream,
    # so the rest of the mix is the same with or without them), on distinct
    # hosts: a checker cannot know them, and one that reads the list in order
    # meets them wherever they are, as in a real citation list.
    pick = random.Random(spec.seed + 1)
    while True:
        spots = set(pick.sample(range(spec.urls), spec.hanging))
        if len({i % spec.hosts for i in spots}) == spec.hanging:
            break
    plain = iter(behaviours)
    addrs = tuple(host_addr(i) for i in range(spec.hosts))
    pages: list[Page] = []
    for i in range(spec.urls):
        b = Behaviour.HANG if i in spots else next(plain)
        hops = rng.randint(1, 3) if b is Behaviour.REDIRECT else 0
        pages.append(Page(i, addrs[i % spec.hosts], _path(rng, i), b, hops))
    by_key = {(p.host, p.path): p for p in pages}
    return Workload(spec, addrs, tuple(pages), by_key)


def _path(rng: random.Random, i: int) -> str:
    words = "-".join(rng.sample(WORDS, 2))
    return f"/{rng.choice(SECTIONS)}/{rng.randint(2009, 2024)}/{words}-{i:05d}.html"


@dataclass(frozen=True)
class Bound:
    """The theoretical lower bound on wall time, and what sets it."""

    seconds: float
    reason: str


def lower_bound(w: Workload, per_host: int | None) -> Bound:
    """Fastest possible wall time for a checker that makes only the necessary
    requests (GET, no retries, no probes) with at most `per_host` requests in
    flight per host (None: unlimited) and no pause between them. Transfer and
    CPU time are taken as zero. (`policy_bound` adds audit's pacing.)

    A hanging URL costs one full timeout whatever the scheduling; every other
    URL costs its latency times its requests (plus the slow delay); a host can
    overlap at most `per_host` of them.
    """
    lat = w.spec.latency_s
    per_url = 0.0
    busy: dict[str, float] = {}  # seconds of waiting per host
    for p in w.pages:
        if p.behaviour is Behaviour.HANG:
            t = w.spec.timeout_s
        else:
            t = lat * p.requests_needed() + (w.spec.slow_s if p.behaviour is Behaviour.SLOW else 0)
        per_url = max(per_url, t)
        busy[p.host] = busy.get(p.host, 0.0) + t
    best, reason = per_url, "one timeout" if w.spec.hanging else "slowest single URL"
    if per_host is not None and max(busy.values()) / per_host > best:
        best = max(busy.values()) / per_host
        reason = f"busiest host at {per_host} requests in flight"
    return Bound(round(best, 2), reason)


def policy_bound(
    w: Workload,
    per_host: int,
    min_interval_s: float,
    host_pause_s: float = 0.25,
    retry_wait_s: float = 0.25,
) -> Bound:
    """The floor for a checker with audit's politeness that cannot know which URL hangs.

    Each host's URLs start in list order, at least `min_interval_s` apart and at
    most `per_host` at once (redirect hops run inside their URL's turn). A 429
    pauses its host `host_pause_s` and its URL is asked again after the
    Retry-After; a 500 is asked again after `retry_wait_s` (audit's shortest
    back-off). Every request costs the latency and nothing else: no CPU, no
    transfer, no probes. (`lower_bound` lets every URL start at once.)
    """
    by_host: dict[str, list[Page]] = {}
    for p in w.pages:
        by_host.setdefault(p.host, []).append(p)
    best = Bound(0.0, "no URLs")
    for pages in by_host.values():
        end, last = _host_schedule(
            pages,
            w.spec,
            per_host,
            interval=min_interval_s,
            pause=host_pause_s,
            retry_wait=retry_wait_s,
        )
        if end > best.seconds:
            best = Bound(
                round(end, 2),
                f"audit's politeness in list order; its last URL: {last.behaviour} "
                f"at place {last.index} of the list",
            )
    return best


def _host_schedule(
    pages: list[Page],
    spec: WorkloadSpec,
    per_host: int,
    *,
    interval: float,
    pause: float,
    retry_wait: float,
) -> tuple[float, Page]:
    """(when the host's last answer comes, the URL it belongs to), simulated."""
    lat = spec.latency_s
    queue: deque[tuple[Page, int]] = deque((p, 0) for p in pages)
    delayed: list[tuple[float, int, Page]] = []  # (ready at, place, page): second attempts
    running: list[float] = []  # end times of the requests in flight
    now = next_start = 0.0
    end, last = 0.0, pages[0]
    while queue or delayed:
        while delayed and delayed[0][0] <= now:
            _, _, p = heapq.heappop(delayed)
            queue.appendleft((p, 1))
        while running and running[0] <= now:
            heapq.heappop(running)
        if queue and len(running) < per_host and next_start <= now:
            p, attempt = queue.popleft()
            b = p.behaviour
            first_try = attempt == 0 and b in (Behaviour.RATE_LIMITED, Behaviour.SERVER_ERROR)
            if b is Behaviour.HANG:
                took = spec.timeout_s
            elif first_try:
                took = lat
            else:
                took = lat * p.requests_needed() + (spec.slow_s if b is Behaviour.SLOW else 0.0)
            heapq.heappush(running, now + took)
            next_start = now + interval
            if first_try:
                wait = spec.retry_after_s if b is Behaviour.RATE_LIMITED else retry_wait
                heapq.heappush(delayed, (now + took + wait, p.index, p))
                if b is Behaviour.RATE_LIMITED:
                    next_start = max(next_start, now + took + pause)
            elif now + took > end:
                end, last = now + took, p
            continue
        wake = [delayed[0][0]] if delayed else []
        if queue:
            wake.append(running[0] if len(running) >= per_host else next_start)
        now = max(now, min(wake))
    return end, last


def write_files(w: Workload, port: int, out: Path) -> dict[str, Path]:
    """Write the URL list, the ground truth and a registry for `audit run`."""
    out.mkdir(parents=True, exist_ok=True)
    urls = out / "urls.txt"
    urls.write_text("".join(p.url(port) + "\n" for p in w.pages), encoding="utf-8")
    truth = out / "truth.json"
    truth.write_text(
        json.dumps(
            {
                "spec": w.spec.__dict__,
                "port": port,
                "pages": [
                    {
                        "url": p.url(port),
                        "behaviour": p.behaviour.value,
                        "hops": p.hops,
                        "broken": p.broken,
                        "soft_404": p.soft_404,
                    }
                    for p in w.pages
                ],
            },
            indent=0,
        ),
        encoding="utf-8",
    )
    registry = out / "resources.yaml"
    # Plain YAML written by hand: ids and names are ASCII, URLs need no quoting.
    lines = ["resources:"]
    for p in w.pages:
        lines += [
            f"  - id: bench-{p.index:05d}",
            f"    name: Bench page {p.index}",
            f"    url: {p.url(port)}",
            f"    cited_as: {p.url(port)}",
        ]
    registry.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"urls": urls, "truth": truth, "registry": registry}
