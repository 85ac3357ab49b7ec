"""Does a host cited over http:// answer over https:// too? Asked once per (host, port).

The answer (a status, or why not) is a fact reported beside the outcome; the
check itself stays on the cited http:// URL.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from audit.check.errors import LinkFailure, describe
from audit.check.exchange import Fetched, ProbeFetch
from audit.check.hosttasks import HostTasks, within
from audit.models import ErrorKind

HttpsAnswer = tuple[int | None, str]  # (status, "") or (None, why not)


class HttpsProbes:
    def __init__(self, fetch: ProbeFetch, https_port: int, max_hosts: int) -> None:
        self._fetch = fetch
        self._port = https_port
        self.tasks: HostTasks[tuple[str, int], HttpsAnswer] = HostTasks(max_hosts)

    def start(self, url: str, host: str, port: int) -> asyncio.Task[HttpsAnswer]:
        """The probe of `host`, started now if none is running or done for it."""
        return self.tasks.get((host, port), lambda: self._fetch_https(self._https_url(url, host)))

    async def answer(self, task: asyncio.Task[HttpsAnswer], deadline: float) -> HttpsAnswer | None:
        """The host's https:// answer (status or error), None if it did not come in time."""
        try:
            return await within(task, deadline, 0.05)
        except TimeoutError:
            return None

    def _https_url(self, url: str, host: str) -> str:
        netloc = f"[{host}]" if ":" in host else host
        if self._port != 443:
            netloc += f":{self._port}"
        return urlsplit(url)._replace(scheme="https", netloc=netloc).geturl()

    async def _fetch_https(self, url: str) -> HttpsAnswer:
        fetched = Fetched(url)
        try:
            await self._fetch(fetched, max_redirects=0, cap=1)
        except LinkFailure as exc:
            if exc.kind is ErrorKind.TOO_MANY_REDIRECTS and fetched.hops:
                return fetched.hops[0].status, ""
            return None, f"{exc.kind.value}: {exc.detail}"
        except TimeoutError:
            return None, "timeout"
        except Exception as exc:
            kind, detail = describe(exc)
            return None, f"{kind.value}: {detail}"
        return fetched.status, ""
