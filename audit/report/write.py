"""Writing the rendered reports to disk: the I/O edge of the report step.

Each file is written to a temporary name in the same directory and renamed
over the old one, so a reader (a web server, a sync job) never sees half a
report.
"""

from __future__ import annotations

import functools
import io
import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from audit.errors import OutputError
from audit.models import ReportData
from audit.report._csv import write_csv
from audit.report._formats import FORMATS
from audit.report._json import write_json

log = logging.getLogger(__name__)

# Excel opens a UTF-8 CSV as the local code page unless it starts with a BOM,
# which would garble every Cyrillic name; other formats need none.
_ENCODING = {"csv": "utf-8-sig"}


def write_reports(
    data: ReportData,
    directory: str | os.PathLike[str],
    formats: Iterable[str] = tuple(FORMATS),
    stem: str = "status",
) -> dict[str, Path]:
    """Render `formats` and write them as `<directory>/<stem>.<ext>`; returns the paths."""
    out_dir = Path(directory)
    written: dict[str, Path] = {}
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot create the report directory: {exc.strerror}") from exc
    for fmt in formats:
        if fmt not in FORMATS:
            raise OutputError(
                f"unknown report format {fmt!r}; expected one of: {', '.join(FORMATS)}"
            )
        render, ext = FORMATS[fmt]
        path = out_dir / f"{stem}.{ext}"
        if fmt in _STREAMED:
            _atomic_stream(path, functools.partial(_STREAMED[fmt], data))
        else:
            _atomic_write(path, render(data), _ENCODING.get(fmt, "utf-8"))
        log.info("wrote %s", path)
        written[fmt] = path
    return written


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it: restore it at once
    os.umask(mask)
    return mask


def _csv(data: ReportData, fh: BinaryIO) -> None:
    # newline="" keeps the CSV's CRLF line ends as written.
    text = io.TextIOWrapper(fh, encoding=_ENCODING["csv"], newline="", write_through=False)
    write_csv(data, text)
    text.flush()
    text.detach()


# Written as a stream (one row at a time), not rendered whole first.
_STREAMED: dict[str, Callable[[ReportData, BinaryIO], None]] = {"csv": _csv, "json": write_json}


def _atomic_stream(path: Path, write: Callable[[BinaryIO], None]) -> None:
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        # mkstemp creates 0600; a report is published (a web server, a share), so it
        # gets the mode any new file of the user would: 0666 less the umask.
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb", buffering=1 << 16) as fh:
            write(fh)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise OutputError(f"{path}: cannot write the report: {exc.strerror or exc}") from exc
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _atomic_write(path: Path, text: str, encoding: str) -> None:
    def write(fh: BinaryIO) -> None:
        fh.write(text.encode(encoding))

    _atomic_stream(path, write)
