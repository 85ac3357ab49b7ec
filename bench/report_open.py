"""How long the HTML report takes to open in headless Chromium (a benchmark, not a test).

    .venv/bin/python -m bench.report_open [RESOURCES ...]     # default: 1000 10000 100000

For each size: the render time and file size of the HTML report (the synthetic
workload of bench/report_render.py: 90-check histories, archive lookups, one in
ten named without an address), then the best of three openings of the file in
Debian's Chromium through Playwright: from navigation until the page's script
has built the page (`<html data-ready>`), with the first contentful paint and
the page's JS heap; and the renderer's main-thread work (CDP TaskDuration), the
figure that grows least with the machine's load. Past 1,000 resources the page
shows the problems in full and pages the rest (audit/report/_html.py PAGE_LIMIT).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from audit.report import render_html
from bench.report_render import workload

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def main(sizes: list[int]) -> None:
    print(
        f"{'resources':>9} {'render (s)':>10} {'HTML (MB)':>9} {'open (s)':>8} "
        f"{'page work (s)':>13} {'FCP (s)':>7} {'JS heap (MB)':>12}"
    )
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for n in sizes:
                data = workload(n)
                t0 = time.perf_counter()
                html = render_html(data)
                rendered = time.perf_counter() - t0
                path = Path(tmp) / f"status-{n}.html"
                path.write_text(html, encoding="utf-8")
                size = path.stat().st_size / 1e6
                del html, data
                best = (float("inf"), 0.0, 0.0, 0.0)
                for _ in range(3):
                    page = browser.new_page(viewport={"width": 1400, "height": 900})
                    cdp = page.context.new_cdp_session(page)
                    cdp.send("Performance.enable")
                    t0 = time.perf_counter()
                    page.goto(path.as_uri(), timeout=120_000)
                    page.wait_for_selector("html[data-ready]", state="attached", timeout=120_000)
                    opened = time.perf_counter() - t0
                    # The renderer's main-thread work (parse, script, style, layout, paint):
                    # what the page costs, whatever else the machine is doing.
                    metrics = cdp.send("Performance.getMetrics")["metrics"]
                    cpu = next(m["value"] for m in metrics if m["name"] == "TaskDuration")
                    fcp = page.evaluate(
                        "(performance.getEntriesByName('first-contentful-paint')[0] || {})"
                        ".startTime || 0"
                    )
                    heap = page.evaluate(
                        "performance.memory ? performance.memory.usedJSHeapSize : 0"
                    )
                    page.close()
                    best = min(best, (opened, cpu, fcp / 1000, heap / 1e6))
                print(
                    f"{n:>9} {rendered:>10.2f} {size:>9.1f} {best[0]:>8.2f} {best[1]:>13.2f} "
                    f"{best[2]:>7.2f} {best[3]:>12.1f}",
                    flush=True,
                )
        finally:
            browser.close()


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 10000, 100000])
