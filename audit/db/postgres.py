"""PostgreSQL through psycopg 3, behind the small part of sqlite3's interface the store uses.

The store's SQL is written once, with `?` placeholders; this adapter translates
it (`?` -> `%s`, `IS NOT ?` -> `IS DISTINCT FROM`) and runs it in autocommit, as
the SQLite connection does, so each observation is committed as it arrives.

A lost connection (a database restart, a network cut) is retried: the adapter
reconnects for up to `reconnect_for` seconds ($AUDIT_DB_RECONNECT, default 30)
and runs the statement again; a
statement inside an explicit transaction is not replayed (the caller redoes the
whole transaction, see `transaction`). When the database stays away, the error
is one line naming the store.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any, TypeVar

import psycopg
from psycopg import pq

from audit.errors import StoreError

T = TypeVar("T")
_IS_NOT = re.compile(r"\bIS NOT \?")
_ENDS = frozenset({"COMMIT", "ROLLBACK"})


@lru_cache(maxsize=512)
def translate(sql: str) -> str:
    """SQLite-flavoured SQL of the store -> PostgreSQL's placeholders."""
    return _IS_NOT.sub("IS DISTINCT FROM ?", sql).replace("%", "%%").replace("?", "%s")


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class PgConnection:
    """One autocommit connection with reconnect-and-retry."""

    def __init__(self, url: str, name: str, *, reconnect_for: float | None = None) -> None:
        self.url = url
        self.name = name  # for errors: the URL without its password
        if reconnect_for is None:
            reconnect_for = float(os.environ.get("AUDIT_DB_RECONNECT") or 30)
        self.reconnect_for = reconnect_for
        self._conn = self._connect(deadline=None)

    def _connect(self, deadline: float | None) -> psycopg.Connection[Any]:
        while True:
            try:
                return psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            except psycopg.OperationalError as exc:
                if deadline is None:
                    raise StoreError(f"{self.name}: cannot connect: {one_line(exc)}") from None
                if time.monotonic() > deadline:
                    raise StoreError(
                        f"{self.name}: lost the database and could not reconnect in"
                        f" {self.reconnect_for:g} s: {one_line(exc)}"
                    ) from None
                time.sleep(0.25)

    def _reconnect(self) -> None:
        with contextlib.suppress(psycopg.Error):
            self._conn.close()
        self._conn = self._connect(deadline=time.monotonic() + self.reconnect_for)

    @property
    def in_transaction(self) -> bool:
        return self._conn.info.transaction_status is not pq.TransactionStatus.IDLE

    def execute(self, sql: str, args: Sequence[Any] = ()) -> psycopg.Cursor[Any]:
        # the store's own BEGIN / COMMIT / ROLLBACK (Store.atomic): inside, nothing is replayed
        if sql in _ENDS:
            try:
                return self._execute(sql, args)
            finally:
                self._explicit = False
        cur = self._execute(sql, args)
        if sql == "BEGIN":
            self._explicit = True
        return cur

    def _execute(self, sql: str, args: Sequence[Any]) -> psycopg.Cursor[Any]:
        query = translate(sql)
        try:
            return self._conn.execute(query, args)
        except psycopg.OperationalError as exc:
            if not self._conn.broken:
                raise StoreError(f"{self.name}: {one_line(exc)}") from None
            self._reconnect()
            self._lost_in_transaction = self._explicit
            if self._explicit:  # what the transaction did is gone: the caller redoes it
                raise StoreError(
                    f"{self.name}: the connection was lost in a transaction: {one_line(exc)}"
                ) from None
            return self._conn.execute(query, args)
        except psycopg.Error as exc:
            raise StoreError(f"{self.name}: {one_line(exc)}") from None

    _explicit = False  # inside BEGIN ... COMMIT the caller opened
    _lost_in_transaction = False

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Inside a transaction the caller opened (`audit store copy`): not replayed."""
        try:
            with self._conn.cursor() as cur:
                cur.executemany(translate(sql), list(rows))
        except psycopg.Error as exc:
            raise StoreError(f"{self.name}: {one_line(exc)}") from None

    def executescript(self, script: str) -> None:
        try:
            self._conn.execute(script.encode())  # several statements, no parameters
        except psycopg.Error as exc:
            raise StoreError(f"{self.name}: migration failed: {one_line(exc)}") from None

    def transaction(self, body: Callable[[], T], attempts: int = 5) -> T:
        """`body` inside BEGIN ... COMMIT, run again whole if the connection is lost."""
        for attempt in range(attempts):
            self._lost_in_transaction = False
            try:
                self.execute("BEGIN")
                self._explicit = True
                try:
                    value = body()
                except BaseException:
                    if not self._conn.broken:
                        self._conn.execute("ROLLBACK")
                    raise
                self.execute("COMMIT")
                return value
            except StoreError:
                if attempt == attempts - 1 or not self._lost_in_transaction:
                    raise
            finally:
                self._explicit = False
        raise AssertionError("unreachable")

    def __enter__(self) -> PgConnection:
        self.execute("BEGIN")
        self._explicit = True
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        self._explicit = False
        self.execute("ROLLBACK" if kind else "COMMIT")

    def close(self) -> None:
        self._conn.close()
