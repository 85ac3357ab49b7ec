"""The store's two engines: SQLite (embedded, the default) and PostgreSQL (shared).

A store is named by `--db` (or $AUDIT_DB): a file path is SQLite, a
`postgresql://` (or `postgres://`) URL is PostgreSQL. Both engines share one
schema, kept as versioned SQL files per engine in `migrations/<engine>/NNNN.sql`
(append a file to change it; never edit a shipped one). psycopg is imported only
when a PostgreSQL store is opened, so SQLite users never load it.
"""

from __future__ import annotations

import os
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path

DEFAULT_DB = "data/audit.sqlite"


class Engine(StrEnum):
    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"


Location = Path | str  # a SQLite file, or a PostgreSQL URL (str)


def parse_location(text: str) -> Location:
    """`--db`'s value: a PostgreSQL URL stays a string, anything else is a path."""
    return text if engine_of(text) is Engine.POSTGRESQL else Path(text)


def default_location() -> Location:
    return parse_location(os.environ.get("AUDIT_DB") or DEFAULT_DB)


def engine_of(location: Location) -> Engine:
    if isinstance(location, str) and location.startswith(("postgresql://", "postgres://")):
        return Engine.POSTGRESQL
    return Engine.SQLITE


def exists(location: Location) -> bool:
    """Whether the store may hold something already (a server-side store always may)."""
    if engine_of(location) is Engine.POSTGRESQL:
        return True
    return Path(location).exists()


def display(location: Location) -> str:
    """The location as an error names it (a URL without its password)."""
    text = str(location)
    if engine_of(location) is Engine.POSTGRESQL and "@" in text:
        scheme, _, rest = text.partition("://")
        userinfo, _, host = rest.partition("@")
        return f"{scheme}://{userinfo.split(':', 1)[0]}@{host}"
    return text


@cache
def migrations(engine: Engine) -> tuple[str, ...]:
    """The engine's migration scripts, oldest first (script N brings the schema to vN)."""
    folder = resources.files("audit.db") / "migrations" / engine.value
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".sql"))
    for number, name in enumerate(names, start=1):
        if name != f"{number:04d}.sql":
            raise RuntimeError(f"migrations/{engine.value}: expected {number:04d}.sql, got {name}")
    return tuple((folder / name).read_text(encoding="utf-8") for name in names)


def schema_version() -> int:
    versions = {len(migrations(e)) for e in Engine}
    if len(versions) != 1:
        raise RuntimeError("the engines' migrations disagree on the schema version")
    return versions.pop()
