"""`audit check` records under the run lock `audit run` takes: never beside a run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from audit.cli import main
from audit.store import open_store
from tests.servers.web import Reply, WebServer

PAGE = "<title>Ok</title><p>" + "Real content here. " * 40 + "</p>"
# Another process that holds the store's run lock (as `audit run` does) until told to stop.
HOLDER = (
    "import sys\n"
    "from audit.store import open_store\n"
    "with open_store(sys.argv[1], lock=True):\n"
    "    print('held', flush=True)\n"
    "    sys.stdin.readline()\n"
)


def _check(db: str, url: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(
        ["check", "--url", url, "--db", db, "--allow-private", "--canary", "localhost",
         "--format", "json"]
    )  # fmt: skip
    return code, capsys.readouterr().err


def _recorded(db: str, url: str) -> int:
    with open_store(db) as store:
        return len(store.observations(url=url))


def test_check_waits_for_no_run_it_would_race(
    location: Path | str, web: WebServer, capsys: pytest.CaptureFixture[str]
) -> None:
    web.route("/ok", Reply(200, PAGE))
    db = str(location)
    open_store(db).close()  # created and migrated before the holder starts
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, db],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        code, err = _check(db, web.url("/ok"), capsys)
        assert code == 1, err  # as `audit run` exits when another run holds the lock
        assert err.count("\n") == 1 and "another audit run is using this store" in err
        assert (
            web.hits("/ok") == 0 and _recorded(db, web.url("/ok")) == 0
        )  # nothing asked, nothing written
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    assert holder.returncode == 0
    code, err = _check(db, web.url("/ok"), capsys)
    assert code == 0, err
    assert web.hits("/ok") == 1 and _recorded(db, web.url("/ok")) == 1
