"""Writing the registry: ruamel's round-trip dump, replaced atomically under a lock.

An interrupted write leaves the old file intact, and its temporary file is
removed by the next write.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import io
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from audit.registry._read import _yaml

log = logging.getLogger(__name__)


def _dump(doc: Any) -> str:
    buf = io.StringIO()
    y = _yaml()
    # `url: null` is how the registry spells "no address": a merge writes it back so,
    # not as an empty `url:` (which ruamel would emit for every untouched entry).
    y.representer.add_representer(type(None), _represent_null)
    y.dump(doc, buf)
    return buf.getvalue()


def _represent_null(representer: Any, _data: None) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder and rename over the target.

    The temporary file is locked while it is written: one left by a killed
    writer (its lock died with it) is removed by the next write.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
            if path.exists():
                os.chmod(tmp, path.stat().st_mode & 0o777)
            os.replace(tmp, path)  # still locked: a concurrent cleaner never takes it
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _remove_stale_temporaries(path: Path) -> None:
    """Delete `.<name>.*.tmp` files beside `path` whose writer is gone (lock free)."""
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        try:
            fd = os.open(stale, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # a live writer holds it
        else:
            with contextlib.suppress(OSError):
                os.unlink(stale)
                log.info("removed %s, left by an interrupted write", stale)
        finally:
            os.close(fd)
