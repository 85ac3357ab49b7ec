"""Benchmark `audit.urls.normalize` on 100,000 mixed citations (not a test).

Run: `.venv/bin/python -m bench.normalize [N]` (or `python bench/normalize.py`).
Prints citations per second on one core (target ≥ 20,000/s) and peak memory.
The workload is generated deterministically: ASCII, Cyrillic/IDN and broken
citations in realistic proportions, hosts repeating as in real documents
(per-label IDNA/PSL lookups are cached), paths mostly unique.
"""

from __future__ import annotations

import gc
import random
import resource
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `audit` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audit.urls import normalize

HOSTS = [
    "36edu.ru",
    "www.stoppav.ru",
    "voronezh.sledcom.ru",
    "www.viro.edu.ru",
    "www.podrostok.edu.yar.ru",
    "www.ppms.edu-penzaa.ru",
    "sisters-help.ru",
    "detionline.com",
    "www.pedofilov.net",
    "shelter-tranzit.ru",
    "minobr.gov-murman.ru",
    "www.coe.int",
    "edu.gov.ru",
    "rkn.gov.ru",
    "www.un.org",
    "en.wikipedia.org",
]
IDN_HOSTS = [
    "президент.рф",
    "www.персональныеданные.дети",
    "минобрнауки.рф",
    "мвд.рф",
    "гоcуслуги.рф",
    "культура.москва",
    "детскийсад.рф",
    "школа.рф",
]
WORDS = [
    "about",
    "news",
    "docs",
    "files",
    "index.php",
    "report",
    "projects",
    "upload",
    "документы",
    "новости",
    "2023",
    "page",
    "view",
    "id",
]
NOT_URLS = ["report.pdf", "Art. 242", "No. 2471-r", "3.5", "п. 1.3", "Table 2.", "ibid."]


def _path(rng: random.Random) -> str:
    parts = rng.sample(WORDS, rng.randint(0, 3))
    path = "/" + "/".join(parts) if parts else "/"
    if rng.random() < 0.6:
        path += f"{'' if path.endswith('/') else '/'}{rng.randint(1, 10**6)}"
    if rng.random() < 0.2:
        path += f"?id={rng.randint(1, 10**5)}&lang=ru"
    return path


def _damage(rng: random.Random, url: str, host: str) -> str:
    damages: list[Callable[[str], str]] = [
        lambda u: u.replace("://", ": ", 1),
        lambda u: u.replace("://", "//", 1),
        lambda u: u.replace("://", ";//", 1),
        lambda u: u.replace("http", "htttp", 1),
        lambda u: u.replace("://", ":://", 1),
        lambda u: "http://" + u,
        lambda u: u.upper(),
        lambda u: u.split("://", 1)[1],
        lambda u: f"«{u}».",
        lambda u: f"({u}),",
        lambda u: u.replace("/", "/\u00ad", 2),
        lambda u: u.replace(host, host.replace(".", "\u00a0.", 1), 1),
        lambda u: u[: len(u) // 2] + "\n" + u[len(u) // 2 :],
        lambda u: u.replace("//", "// ", 1),
        lambda u: f"see {u} for details",
    ]
    return rng.choice(damages)(url)


def workload(n: int, seed: int = 20261128) -> list[str]:
    rng = random.Random(seed)
    out: list[str] = []
    for _ in range(n):
        r = rng.random()
        if r < 0.05:
            out.append(rng.choice(NOT_URLS))
            continue
        if r < 0.10:
            out.append(
                f"info{rng.randint(1, 999)}@{rng.choice(HOSTS + IDN_HOSTS).removeprefix('www.')}"
            )
            continue
        host = rng.choice(IDN_HOSTS) if r < 0.35 else rng.choice(HOSTS)
        url = f"{rng.choice(['http', 'https'])}://{host}{_path(rng)}"
        out.append(_damage(rng, url, host) if r > 0.60 else url)
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    citations = workload(n)
    gc.collect()
    start, cpu_start = time.perf_counter(), time.process_time()
    results = [normalize(c) for c in citations]
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    kinds = Counter(str(r.kind) for r in results)
    repaired = sum(1 for r in results if r.repairs)
    internal = sum(1 for r in results if r.error and r.error.startswith("internal error"))
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"citations:        {n:,} ({len(set(citations)):,} distinct)")
    print(f"time:             {elapsed:.2f} s")
    print(f"throughput:       {n / elapsed:,.0f} citations/s on one core (target 20,000/s)")
    # CPU time is the fairer figure on a shared machine (other processes
    # stretch wall time, not the CPU seconds this process needs).
    print(f"per CPU second:   {n / cpu:,.0f} citations (CPU time {cpu:.2f} s)")
    print(
        f"kinds:            {dict(kinds)}; with repairs: {repaired:,}; internal errors: {internal}"
    )
    print(f"peak RSS:         {rss_mib:.0f} MiB (whole process, results kept)")
    # Second pass under tracemalloc, caches cleared: the Python-level peak of
    # normalising everything with the results kept (caches + results).
    del results
    _clear_caches()
    gc.collect()
    tracemalloc.start()
    kept = [normalize(c) for c in citations]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"tracemalloc peak: {peak / 2**20:.1f} MiB for {len(kept):,} results + caches")


def _clear_caches() -> None:
    from audit.urls import host, idn

    for cached in (
        host.convert_host,
        host.is_domain_like,
        host.registrable_domain,
        host.public_suffix,
        idn.label_to_ascii,
        idn.label_to_unicode,
    ):
        cached.cache_clear()


if __name__ == "__main__":
    main()
