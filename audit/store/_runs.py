"""The store's runs: started, finished, interrupted, listed."""

from __future__ import annotations

from datetime import datetime

from audit.models import Network, RunInfo
from audit.store._rows import Base, run_info, ts


class Runs(Base):
    def start_run(
        self,
        started: datetime,
        *,
        vantage: str = "",
        tool_version: str = "",
        registry: str = "",
        command: str = "run",
    ) -> int:
        cur = self._conn.execute(
            "INSERT INTO runs(started, vantage, tool_version, registry, command)"
            " VALUES (?, ?, ?, ?, ?) RETURNING id",
            (ts(started), vantage, tool_version, registry, command),
        )
        return int(cur.fetchone()[0])

    def finish_run(
        self,
        run_id: int,
        finished: datetime,
        network: Network,
        status: str = "finished",
        *,
        vantage: str | None = None,  # the vantages and how each did, when known at the end
    ) -> None:
        self._conn.execute(
            "UPDATE runs SET finished = ?, network = ?, status = ?,"
            " vantage = coalesce(?, vantage) WHERE id = ?",
            (ts(finished), network.value, status, vantage, run_id),
        )

    def mark_interrupted(self, but: int | None = None) -> int:
        """Runs left `running` by a process that died (kill -9, power loss): `interrupted`.

        Only `audit run` holds the store's lock, so under it no other run is alive.
        """
        cur = self._conn.execute(
            "UPDATE runs SET status = 'interrupted' WHERE status = 'running'"
            " AND command = 'run' AND id IS NOT ?",
            (but,),
        )
        return int(cur.rowcount)

    def run_status(self, run_id: int) -> str | None:
        row = self._conn.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone()
        return None if row is None else str(row[0])

    def runs(self, limit: int | None = None) -> list[RunInfo]:
        """`audit run` runs, oldest first (the last `limit` of them)."""
        sql = (
            "SELECT id, started, finished, network, vantage, tool_version FROM runs"
            " WHERE command = 'run' ORDER BY id DESC"
        )
        rows = self._conn.execute(
            sql + (" LIMIT ?" if limit else ""), (limit,) if limit else ()
        ).fetchall()
        return [run_info(r) for r in reversed(rows)]

    def run(self, run_id: int) -> RunInfo | None:
        row = self._conn.execute(
            "SELECT id, started, finished, network, vantage, tool_version FROM runs WHERE id = ?",
            (run_id,),
        ).fetchone()
        return run_info(row) if row else None
