"""Save Page Now 2 (opt-in): request a capture and poll the job to its end.

SPN2 reports refusals as HTTP 200 JSON (`status: error`, no `job_id`), so
every body is read, whatever the status code (docs/archive-protocols.md §3).
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta
from typing import Any

from audit.archive._http import Answer, Endpoint, Unavailable
from audit.models import SaveResult
from audit.retryafter import parse_retry_after

log = logging.getLogger(__name__)

SUCCESS = "success"
ERROR = "error"
PENDING = "pending"
REFUSED = "refused"  # refused at submission (quota, session limit, auth)
SKIPPED = "skipped"
UNKNOWN = "unknown"  # SPN could not be asked


def format_within(delta: timedelta) -> str:
    """`if_not_archived_within` in SPN2's syntax (`3d 5h 20m`, or seconds)."""
    total = int(delta.total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if seconds:
        return str(total)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
    return " ".join(parts) or "0"


def _json(answer: Answer) -> dict[str, Any] | None:
    try:
        data = json.loads(answer.text)
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def _why(data: dict[str, Any]) -> str:
    ext = str(data.get("status_ext") or "")
    message = str(data.get("message") or data.get("exception") or "")
    return f"{ext}: {message}".strip(": ") if ext else message


class SaveClient:
    """Submit one URL to SPN2 and follow its job (keys are required)."""

    def __init__(
        self,
        submit: Endpoint,
        status: Endpoint,
        save_endpoint: str,
        *,
        access_key: str,
        secret_key: str,
        within: timedelta,
        poll_interval: float,
        poll_limit: int,
        max_wait: float,
    ) -> None:
        self._submit = submit
        self._status = status
        self._endpoint = save_endpoint
        self._headers = {
            "Accept": "application/json",
            "Authorization": f"LOW {access_key}:{secret_key}",
        }
        self._within = within
        self._interval = poll_interval
        self._limit = poll_limit
        self._max_wait = max_wait

    async def slots(self) -> int | None:
        """Captures the account may start now (`status/user`), None if unknown.

        A cheap probe that spends no quota; IA's own client will not submit
        when it says none are available.
        """
        try:
            answer = await self._status.request(
                "GET", f"{self._endpoint}/status/user", headers=self._headers
            )
        except Unavailable:
            return None
        data = _json(answer) if answer.status == 200 else None
        available = data.get("available") if data else None
        return available if isinstance(available, int) else None

    async def save(self, url: str) -> SaveResult:
        if await self.slots() == 0:
            return SaveResult(None, SKIPPED, "no Save Page Now capture slots available now")
        # Omit false flags: SPN2 reads anything but "1"/"on" as off, and some
        # "0"s have triggered bugs (sandcrawler's note).
        form = {
            "url": url,
            "if_not_archived_within": format_within(self._within),
            "skip_first_archive": "1",
            "js_behavior_timeout": "0",
        }
        try:
            answer = await self._submit.request(
                "POST", self._endpoint, data=form, headers=self._headers
            )
        except Unavailable as exc:
            return SaveResult(None, UNKNOWN, exc.reason)
        data = _json(answer)
        if answer.status != 200 or data is None:
            detail = answer.text.strip().splitlines()[0][:200] if answer.text.strip() else ""
            why = f"HTTP {answer.status}: {detail}".rstrip(": ")
            # 5xx/523 at submission: the capture may well happen anyway (seen in 2025).
            return SaveResult(None, UNKNOWN if answer.status >= 500 else REFUSED, why)
        job_id = data.get("job_id")
        if not isinstance(job_id, str) or not job_id:
            return SaveResult(None, REFUSED, _why(data) or "no job_id in answer")
        if data.get("message"):
            log.info("SPN2 %s: %s", job_id, data["message"])
        return await self._poll(job_id)

    async def _poll(self, job_id: str) -> SaveResult:
        url = f"{self._endpoint}/status/{job_id}"
        last = "pending"
        for _ in range(self._limit):
            try:
                answer = await self._status.request("GET", url, headers=self._headers)
            except Unavailable as exc:
                return SaveResult(job_id, PENDING, f"status unavailable: {exc.reason}")
            data = _json(answer)
            if data is None:
                return SaveResult(job_id, PENDING, f"status: HTTP {answer.status}, not JSON")
            state = str(data.get("status", ""))
            if state == SUCCESS:
                original = str(data.get("original_url") or "")
                if data.get("original_job_id"):
                    log.info("SPN2 %s satisfied by %s", job_id, data["original_job_id"])
                return SaveResult(
                    job_id,
                    SUCCESS,
                    f"captured {original}".strip(),
                    timestamp=str(data.get("timestamp") or "") or None,
                    original_url=original or None,
                )
            if state != PENDING:
                # Unknown states are errors (IA's own client does the same).
                return SaveResult(job_id, ERROR, _why(data) or f"status {state!r}")
            last = str(data.get("message") or last)
            # The status answer may pace us with Retry-After (IA's extension honours it).
            wait = parse_retry_after(answer.headers.get("retry-after"))
            await asyncio.sleep(min(self._max_wait, max(self._interval, wait or 0.0)))
        return SaveResult(job_id, PENDING, f"still {last} after {self._limit} polls")
