"""Writing corrected copies and sheets: atomically, and only once every document is ready."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from audit.errors import InputError, OutputError
from audit.fix import sheet
from audit.fix.document import Fixed

BACKUP_SUFFIX = ".bak"


def planned(fixed: Sequence[Fixed], out: Path, in_place: bool) -> dict[Path, Path | None]:
    """Where each document's copy goes (None: no copy); InputError if two would collide."""
    where: dict[Path, Path | None] = {}
    taken: dict[Path, Path] = {}
    for f in fixed:
        target = None
        if f.content is not None:
            target = f.path if in_place else out / f.path.name
        names = [out / f"{f.path.name}.corrections.csv"]
        if target is not None:
            names.append(target)
        for name in names:
            key = name.resolve()
            if key in taken and taken[key] != f.path:
                raise InputError(
                    f"{f.path} and {taken[key]} would both write {name}: fix them separately",
                    path=str(f.path),
                )
            taken[key] = f.path
        if not in_place and target is not None and target.resolve() == f.path.resolve():
            raise InputError("--out is the document's own folder: use --in-place", path=str(f.path))
        where[f.path] = target
    return where


def write_all(fixed: Sequence[Fixed], out: Path, in_place: bool) -> list[Path]:
    where = planned(fixed, out, in_place)
    written: list[Path] = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for f in fixed:
            target = where[f.path]
            if in_place and not f.edited:
                target = None  # nothing changed: no rewrite, no backup
            if target is not None and f.content is not None:
                if in_place:
                    backup = f.path.with_name(f.path.name + BACKUP_SUFFIX)
                    write_atomic(backup, f.path.read_bytes())
                    shutil.copystat(f.path, backup)
                    written.append(backup)
                write_atomic(target, f.content)
                written.append(target)
            base = out / f"{f.path.name}.corrections"
            name = str(f.path)
            for suffix, text in (
                (".csv", sheet.render_csv(f.rows)),
                (".md", sheet.render_markdown(name, f.rows)),
                (".html", sheet.render_html(name, f.rows)),
            ):
                path = base.with_name(base.name + suffix)
                write_atomic(path, text.encode("utf-8"))
                written.append(path)
    except OSError as e:
        raise OutputError(f"{e.filename or out}: cannot write: {e.strerror or e}") from e
    return written


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: readers never see half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(FileNotFoundError):
            shutil.copymode(path, tmp)  # an in-place copy keeps the original's permissions
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
