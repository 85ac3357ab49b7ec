"""`replaced_by:` in the registry: fix uses it, the next run checks the new address,
and the old entry keeps its history."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from audit import pipeline
from audit.check import CheckSettings
from audit.cli import main
from audit.errors import RegistryError
from audit.models import Verdict
from audit.pipeline import Clock, RunOptions
from audit.registry import load_registry
from audit.store import open_store
from tests.fix.conftest import World
from tests.fix.test_fix_documents import fill


def replaced_registry(w: World, tmp_path: Path) -> Path:
    text = w.registry.read_text(encoding="utf-8").replace(
        "    cited_on: 2020-01-01\n",
        "    cited_on: 2020-01-01\n"
        f"    replaced_by: {{url: '{w.url('www.new-portal.ru')}', date: 2026-05-07,"
        " source: 'editor, letter of 7 May'}\n",
    )
    path = tmp_path / "resources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def copy_store(w: World, tmp_path: Path) -> Path:
    db = tmp_path / "audit.sqlite"
    src, dst = sqlite3.connect(w.db), sqlite3.connect(db)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return db


def test_fix_uses_an_accepted_replacement(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reg = replaced_registry(world, tmp_path)
    doc = tmp_path / "a.txt"
    doc.write_text(fill(world, "Committee: {sledcom}\n"), encoding="utf-8")
    out = tmp_path / "fixed"
    args = [str(doc), "--out", str(out), "--registry", str(reg), "--db", str(world.db)]
    assert main(["fix", *args, "--no-suggest"]) == 0, capsys.readouterr().err
    assert (out / "a.txt").read_text() == f"Committee: {world.url('www.new-portal.ru')}\n"
    sheet = (out / "a.txt.corrections.csv").read_text(encoding="utf-8")
    assert "replaced" in sheet and "accepted on 2026-05-07 (editor, letter of 7 May)" in sheet


def test_next_run_checks_the_new_address_and_keeps_the_old_history(
    world: World, tmp_path: Path
) -> None:
    registry = load_registry(replaced_registry(world, tmp_path))
    ids = [r.id for r in registry.resources]
    assert ids.index("sledcom.new") == ids.index("sledcom") + 1
    db = copy_store(world, tmp_path)
    opts = RunOptions(check=world.check, archive=None, all_resources=True, reports_dir=None)
    with open_store(db, lock=True) as store:
        before = len(store.observations("sledcom"))
        start = datetime(2026, 5, 8, 6, tzinfo=UTC)
        asyncio.run(pipeline.run_audit(registry, store, opts, Clock(start)))
        new = store.observations("sledcom.new")
        old = store.observations("sledcom")
        data = pipeline.build_report(
            registry, store, RunOptions(check=CheckSettings(), archive=None), start
        )
    assert [(o.observation.url, o.classification.outcome.value) for o in new] == [
        (world.url("www.new-portal.ru"), "ok")
    ]
    assert len(old) == before + 1 and old[-1].classification.outcome.value == "skipped"
    verdicts = {r.resource.id: r.verdict for r in data.resources}
    assert verdicts["sledcom"] is Verdict.DEAD  # judged from its own history, kept
    assert verdicts["sledcom.new"] is Verdict.ALIVE


@pytest.mark.parametrize(
    ("value", "message", "line"),
    [
        ("{url: 'http://a.example/', date: 7 May}", "replaced_by date must be YYYY-MM-DD", 5),
        ("'mailto:x@example.org'", "replaced_by is not a web address", 5),
        ("{url: 'http://a.example/', by: me}", "replaced_by must be a URL or", 5),
    ],
)
def test_bad_replaced_by_names_the_line(
    tmp_path: Path, value: str, message: str, line: int
) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(
        f"resources:\n  - id: a\n    name: A\n    url: http://old.example/\n"
        f"    replaced_by: {value}\n",
        encoding="utf-8",
    )
    with pytest.raises(RegistryError) as e:
        load_registry(path)
    assert message in str(e.value) and f"r.yaml:{line}:" in str(e.value)


def test_successor_id_must_be_free(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(
        "resources:\n  - id: a.new\n    name: B\n    url: http://b.example/\n"
        "  - id: a\n    name: A\n    url: http://old.example/\n"
        "    replaced_by: http://new.example/\n",
        encoding="utf-8",
    )
    with pytest.raises(RegistryError, match=r"'a\.new' is taken"):
        load_registry(path)


def test_extract_into_a_registry_with_a_replacement(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reg = tmp_path / "r.yaml"
    reg.write_text(
        "resources:\n  - id: a\n    name: A\n    url: http://old.example/\n"
        "    replaced_by: http://new.example/\n",
        encoding="utf-8",
    )
    doc = tmp_path / "d.txt"
    doc.write_text("See http://new.example/ and http://old.example/ and http://b.example/\n")
    assert main(["extract", str(doc), "--into", str(reg)]) == 0, capsys.readouterr().err
    ids = [r.id for r in load_registry(reg).resources]
    assert ids[:2] == ["a", "a.new"] and len(ids) == 3  # only b.example is new
