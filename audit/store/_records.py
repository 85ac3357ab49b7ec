"""The parse cache, verdict changes, archive snapshots, notifications."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from audit import codec
from audit.models import ArchiveLookup, Verdict, VerdictChange
from audit.store._rows import Base, dt, ts


class Records(Base):
    # -- parse cache ------------------------------------------------------------------
    def cached(self, kind: str, digest: str) -> str | None:
        row = self._conn.execute(
            "SELECT data FROM parse_cache WHERE kind = ? AND digest = ?", (kind, digest)
        ).fetchone()
        return None if row is None else str(row[0])

    def put_cached(self, kind: str, digest: str, data: str) -> None:
        self._conn.execute(
            "INSERT INTO parse_cache(kind, digest, data) VALUES (?, ?, ?)"
            " ON CONFLICT(kind) DO UPDATE SET digest = excluded.digest, data = excluded.data",
            (kind, digest, data),
        )

    # -- verdicts ---------------------------------------------------------------------
    def latest_verdicts(self) -> dict[str, Verdict]:
        rows = self._conn.execute(
            "SELECT resource_id, after FROM verdicts WHERE id IN"
            " (SELECT MAX(id) FROM verdicts GROUP BY resource_id)"
        )
        return {rid: Verdict(after) for rid, after in rows}

    def add_verdict_changes(self, run_id: int | None, changes: Iterable[VerdictChange]) -> None:
        with self._conn:
            self._conn.executemany(
                "INSERT INTO verdicts(resource_id, url, run_id, at, before, after, reason)"
                " VALUES (?,?,?,?,?,?,?)",
                [
                    (
                        c.resource_id,
                        c.url,
                        run_id,
                        ts(c.at),
                        c.before.value if c.before else None,
                        c.after.value,
                        c.reason,
                    )
                    for c in changes
                ],
            )

    def verdict_changes(
        self, resource_id: str | None = None, run_id: int | None = None
    ) -> list[VerdictChange]:
        sql = "SELECT resource_id, url, before, after, at, reason FROM verdicts"
        where: list[str] = []
        args: list[object] = []
        if resource_id is not None:
            where.append("resource_id = ?")
            args.append(resource_id)
        if run_id is not None:
            where.append("run_id = ?")
            args.append(run_id)
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [
            VerdictChange(rid, url, Verdict(b) if b else None, Verdict(a), dt(at), reason)
            for rid, url, b, a, at, reason in self._conn.execute(sql + " ORDER BY id", args)
        ]

    def verdict_changes_by_run(self) -> list[tuple[int, VerdictChange]]:
        return [
            (run_id, VerdictChange(rid, url, Verdict(b) if b else None, Verdict(a), dt(at), why))
            for run_id, rid, url, b, a, at, why in self._conn.execute(
                "SELECT run_id, resource_id, url, before, after, at, reason FROM verdicts"
                " WHERE run_id IS NOT NULL ORDER BY id"
            )
        ]

    # -- snapshots (the archive step's cache) ---------------------------------------------
    def get_snapshot(self, url: str) -> tuple[datetime, ArchiveLookup] | None:
        row = self._conn.execute(
            "SELECT looked_up_at, data FROM snapshots WHERE url = ?", (url,)
        ).fetchone()
        if row is None:
            return None
        return dt(row[0]), codec.decode(ArchiveLookup, row[1])

    def put_snapshot(self, lookup: ArchiveLookup, at: datetime) -> None:
        self._conn.execute(
            "INSERT INTO snapshots(url, looked_up_at, status, data) VALUES (?,?,?,?)"
            " ON CONFLICT(url) DO UPDATE SET looked_up_at = excluded.looked_up_at,"
            " status = excluded.status, data = excluded.data",
            (
                lookup.url,
                ts(at),
                lookup.status.value,
                codec.encode(lookup),
            ),
        )

    def snapshots(self) -> dict[str, ArchiveLookup]:
        return {
            url: codec.decode(ArchiveLookup, data)
            for url, data in self._conn.execute("SELECT url, data FROM snapshots")
        }

    # -- notifications --------------------------------------------------------------------
    def add_notification(
        self, run_id: int | None, target: str, at: datetime, ok: bool, detail: str
    ) -> None:
        self._conn.execute(
            "INSERT INTO notifications(run_id, target, at, ok, detail) VALUES (?,?,?,?,?)",
            (run_id, target, ts(at), int(ok), detail),
        )
