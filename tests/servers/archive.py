"""A fake web archive on loopback that answers in the real services' shapes.

It wraps `tests.servers.web.WebServer` (real asyncio HTTP/1.1 servers):

* the "web.archive.org" server (127.0.0.1): CDX (`/cdx/search/cdx`, JSON with
  header row and resume key, or plain text), replays `/web/<ts><mod>/<url>` with
  Memento headers, the TimeGate `/web/<url>`, TimeMaps `/web/timemap/link/<url>`,
  Save Page Now 2 (`/save`, `/save/status/<job>`), and other Memento archives
  under `/m/<name>/` (TimeMap, TimeGate, mementos);
* the "archive.org" server (127.0.0.2): the availability API, with its echoed
  fields, string status and `http://web.archive.org` replay links.

Shapes follow docs/archive-protocols.md §7.  `Faults` switches reproduce the
real misbehaviours; counters decrement as faults are served.

    with FakeArchive() as fake:
        fake.add("http://example.org/a", Capture("20200102030405"))
        fake.faults.cdx_429 = 1
        settings = dataclasses.replace(ArchiveSettings(), **fake.endpoints())
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, unquote_plus

from tests.servers.web import Reply, Request, WebServer

PAGE = "<html><head><title>{title}</title></head><body><h1>{title}</h1><p>{text}</p></body></html>"
HTML_429 = (
    "<!DOCTYPE html><html><head><title>Too Many Requests</title></head><body>"
    "<h1>429 Too Many Requests</h1><p>We are limiting how often you can make requests."
    " Being an automatic bot that does not appear to be human...</p></body></html>"
)
NOT_ARCHIVED_HTML = (
    "<!DOCTYPE html><html><head><title>Wayback Machine</title></head><body>"
    "<p>The Wayback Machine has not archived that URL.</p></body></html>"
)


def _page(title: str, text: str = "Archived content of a real page.") -> str:
    return PAGE.format(title=title, text=text)


@dataclass
class Capture:
    """One capture of a URL, as the archive stored it."""

    timestamp: str  # 14 digits
    status: int = 200
    body: str | bytes = field(default_factory=lambda: _page("Archived page"))  # str: UTF-8
    mimetype: str = "text/html"
    original: str | None = None  # as captured; default: http, ":80", as IA shows
    revisit: bool = False  # CDX shows `warc/revisit` and statuscode "-"
    location: str | None = None  # for a captured 3xx

    @property
    def digest(self) -> str:
        raw = self.body.encode() if isinstance(self.body, str) else self.body
        return base64.b32encode(hashlib.sha1(raw).digest()).decode()


@dataclass
class Faults:
    """Real-world misbehaviour to reproduce; counters are used up as served."""

    availability_empty: int = 0  # spurious `{"archived_snapshots": {}}` answers
    availability_https_miss: bool = False  # `url=https://…` answers empty (Q2)
    availability_429: int = 0
    cdx_5xx: int = 0
    cdx_5xx_status: int = 503
    cdx_429: int = 0
    cdx_duplicates: bool = False  # every row twice (observed 2020-2022)
    cdx_plain: bool = False  # answer plain text even when asked for output=json
    cdx_blocked: bool = False  # 403 "Blocked Site Error", as for excluded sites
    timemap_429: int = 0
    timemap_5xx: int = 0  # 504, as heavy queries get
    replay_429: int = 0
    retry_after: str | None = None  # sent with every 429
    spn_refusal: dict[str, Any] | None = None  # submit answers this at HTTP 200
    spn_require_auth: bool = True  # POST without `Authorization: LOW` gets 401
    spn_keys: tuple[str, str] | None = None  # if set, only these S3 keys are accepted
    spn_pending_polls: int = 2  # status polls answering "pending" first
    spn_error: dict[str, Any] | None = None  # the job ends in this error
    spn_status_retry_after: str | None = None
    spn_available: int = 5  # `status/user` capture slots
    spn_submit_status: int | None = None  # e.g. 523: the submission answers this


@dataclass
class _Job:
    url: str
    form: dict[str, str]
    polls: int = 0


def surt_key(url: str) -> str:
    """A toy SURT-ish key: no scheme, no www, no default port, case-folded host."""
    rest = re.sub(r"^[a-z][a-z0-9+.-]*://", "", url.strip(), flags=re.IGNORECASE)
    host, _, path = rest.partition("/")
    host = re.sub(r":(80|443)$", "", host.lower())
    host = re.sub(r"^www\d*\.", "", host)
    path = path.rstrip("/")
    parts = host.split(".")
    return ",".join(reversed(parts)) + ")/" + path


def _http_date(ts: str) -> str:
    when = datetime.strptime(ts, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    return format_datetime(when, usegmt=True)


def _expand(ts: str, upper: bool) -> str:
    """CDX `from`/`to`: a prefix means the period's first/last instant."""
    return (ts + ("99991231235959" if upper else "00000101000000")[len(ts) :])[:14]


class FakeArchive:
    """Both fake servers, their data and their fault switches."""

    def __init__(self, host: str = "127.0.0.1", availability_host: str = "127.0.0.2") -> None:
        self.web = WebServer(host)
        self.avail = WebServer(availability_host)
        self.captures: dict[str, list[Capture]] = {}
        self.others: dict[str, dict[str, list[Capture]]] = {}  # name -> key -> captures
        self.other_page_size: dict[str, int] = {}  # TimeMap paging per archive
        self.faults = Faults()
        self.jobs: dict[str, _Job] = {}
        self.submissions: list[dict[str, str]] = []

    # -- data -----------------------------------------------------------------
    def add(self, url: str, *captures: Capture) -> None:
        for c in captures:
            if c.original is None:
                c.original = _as_captured(url)
        bucket = self.captures.setdefault(surt_key(url), [])
        bucket.extend(captures)
        bucket.sort(key=lambda c: c.timestamp)

    def add_other(self, name: str, url: str, *timestamps: str, page_size: int = 0) -> None:
        """Mementos of `url` in another Memento archive served under /m/<name>/."""
        bucket = self.others.setdefault(name, {}).setdefault(surt_key(url), [])
        bucket.extend(Capture(ts, original=url) for ts in timestamps)
        bucket.sort(key=lambda c: c.timestamp)
        if page_size:
            self.other_page_size[name] = page_size

    # -- addresses ------------------------------------------------------------
    @property
    def wayback_url(self) -> str:
        return self.web.url("").rstrip("/")

    @property
    def availability_url(self) -> str:
        return self.avail.url("").rstrip("/")

    def timemap_base(self, name: str) -> str:
        return self.web.url(f"/m/{name}/timemap/link/")

    def timegate_base(self, name: str) -> str:
        return self.web.url(f"/m/{name}/timegate/")

    def endpoints(self, *others: str) -> dict[str, Any]:
        """ArchiveSettings fields that put every archive on this fake (none on the internet).

        `others` names the extra Memento archives to list (default: none).
        """
        return {
            "wayback_url": self.wayback_url,
            "availability_url": self.availability_url,
            "memento_timemaps": tuple((n, self.timemap_base(n)) for n in others),
            "memento_timegates": tuple((n, self.timegate_base(n)) for n in others),
        }

    def hits(self, prefix: str, server: WebServer | None = None) -> int:
        srv = server or self.web
        return sum(1 for r in srv.requests if r.target.startswith(prefix))

    def availability_hits(self) -> int:
        return self.hits("/wayback/available", self.avail)

    # -- lifecycle ------------------------------------------------------------
    def __enter__(self) -> FakeArchive:
        self.web.fallback(self._dispatch)
        self.avail.fallback(self._dispatch_availability)
        self.web.start()
        try:
            self.avail.start()
        except BaseException:
            self.web.stop()
            raise
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.avail.stop()
        self.web.stop()

    # -- routing ----------------------------------------------------------------
    def _dispatch(self, req: Request) -> Reply:
        target = req.target
        if target.startswith("/cdx/search/cdx"):
            return self._cdx(req)
        if target.startswith("/web/timemap/link/"):
            return self._timemap(req, target[len("/web/timemap/link/") :])
        if target.startswith("/web/"):
            return self._web(req, target[len("/web/") :])
        if target.rstrip("/") == "/save" and req.method == "POST":
            return self._save(req)
        if target.startswith("/save/status/user"):
            body = {
                "available": self.faults.spn_available,
                "processing": 0,
                "daily_captures": 12,
                "daily_captures_limit": 30000,
            }
            return Reply(200, json.dumps(body), content_type="application/json")
        if target.startswith("/save/status/system"):
            return Reply(200, '{"status": "ok"}', content_type="application/json")
        if target.startswith("/save/status/"):
            return self._save_status(target[len("/save/status/") :])
        if target.startswith("/m/"):
            return self._other(req, target[len("/m/") :])
        return Reply(404, NOT_ARCHIVED_HTML)

    def _too_many(self) -> Reply:
        headers = [("Retry-After", self.faults.retry_after)] if self.faults.retry_after else []
        return Reply(429, HTML_429, headers=headers)

    # -- availability -----------------------------------------------------------
    def _dispatch_availability(self, req: Request) -> Reply:
        if not req.target.startswith("/wayback/available"):
            return Reply(404, "<title>Not Found</title>")
        query = req.target.partition("?")[2]
        if req.method == "POST":
            query = req.body.decode()
        params = dict(parse_qsl(query))
        if self.faults.availability_429 > 0:
            self.faults.availability_429 -= 1
            return self._too_many()
        url = params.get("url", "")
        echo: dict[str, Any] = {"url": url}
        found: dict[str, Any] = {}
        spurious = self.faults.availability_empty > 0
        if spurious:
            self.faults.availability_empty -= 1
        https_miss = self.faults.availability_https_miss and url.lower().startswith("https://")
        captures = [
            c for c in self.captures.get(surt_key(url), []) if 200 <= c.status < 300 or c.revisit
        ]
        if captures and not spurious and not https_miss:
            target = _expand(params["timestamp"], False) if "timestamp" in params else "9" * 14
            best = min(captures, key=lambda c: abs(int(c.timestamp) - int(target)))
            found = {
                "closest": {
                    "status": str(best.status),
                    "available": True,
                    "url": f"http://web.archive.org/web/{best.timestamp}/{best.original}",
                    "timestamp": best.timestamp,
                }
            }
        # Real answers put the echoes around `archived_snapshots`, in varying order.
        data = {"archived_snapshots": found, **echo}
        if "timestamp" in params:
            data["timestamp"] = params["timestamp"]
        body = json.dumps(data)
        if "callback" in params:
            return Reply(
                200, f"{params['callback']}({body})", content_type="application/javascript"
            )
        return Reply(200, body, content_type="application/json")

    # -- CDX ------------------------------------------------------------------
    def _cdx(self, req: Request) -> Reply:
        if self.faults.cdx_429 > 0:
            self.faults.cdx_429 -= 1
            return self._too_many()
        if self.faults.cdx_5xx > 0:
            self.faults.cdx_5xx -= 1
            status = self.faults.cdx_5xx_status
            return Reply(status, f"<html><body><h1>{status}</h1></body></html>")
        if self.faults.cdx_blocked:
            error = (
                "org.archive.util.io.RuntimeIOException: org.archive.wayback.exception."
                "AdministrativeAccessControlException: Blocked Site Error"
            )
            return Reply(
                403,
                error,
                content_type="text/plain;charset=UTF-8",
                headers=[("X-Archive-Wayback-Runtime-Error", error)],
            )
        pairs = parse_qsl(req.target.partition("?")[2], keep_blank_values=True)
        params = dict(pairs)
        fields = params.get("fl", "urlkey,timestamp,original,mimetype,statuscode,digest,length")
        fl = fields.split(",")
        rows = [self._cdx_row(c) for c in self.captures.get(surt_key(params.get("url", "")), [])]
        for name, value in pairs:
            if name == "filter":
                rows = [r for r in rows if _cdx_filter(value, r)]
        if "from" in params:
            rows = [r for r in rows if r["timestamp"] >= _expand(params["from"], False)]
        if "to" in params:
            rows = [r for r in rows if r["timestamp"] <= _expand(params["to"], True)]
        for name, value in pairs:
            if name == "collapse":
                rows = _collapse(value, rows)
        if params.get("sort") == "reverse":
            rows.reverse()
        if "resumeKey" in params:
            after = unquote_plus(params["resumeKey"]).rstrip("!").split(" ")[-1]
            rows = [r for r in rows if r["timestamp"] > after]
        limit = int(params.get("limit", "0") or 0)
        more = False
        if limit < 0:
            rows = rows[limit:]
        elif limit > 0:
            more = len(rows) > limit
            rows = rows[:limit]
        if self.faults.cdx_duplicates:
            rows = [r for r in rows for _ in (0, 1)]
        key = None
        if more and params.get("showResumeKey") == "true" and rows:
            last = rows[-1]
            key = quote(f"{last['urlkey']} {last['timestamp']}!", safe="")
        table = [[r[f] for f in fl] for r in rows]
        if params.get("output") == "json" and not self.faults.cdx_plain:
            if not table:
                return Reply(200, "[]", content_type="application/json")
            out: list[list[str]] = [fl, *table]
            if key:
                out += [[], [key]]
            return Reply(200, json.dumps(out), content_type="application/json")
        text = "".join(" ".join(r) + "\n" for r in table)
        if key:
            text += f"\n{key}\n"
        return Reply(200, text, content_type="text/plain;charset=UTF-8")

    @staticmethod
    def _cdx_row(c: Capture) -> dict[str, str]:
        assert c.original is not None
        return {
            "urlkey": surt_key(c.original),
            "timestamp": c.timestamp,
            "original": c.original,
            "mimetype": "warc/revisit" if c.revisit else c.mimetype,
            "statuscode": "-" if c.revisit else str(c.status),
            "digest": c.digest,
            "length": str(300 + len(c.body) // 3),
        }

    # -- replay, TimeGate, TimeMap ----------------------------------------------
    def _web(self, req: Request, rest: str) -> Reply:
        match = re.match(r"^(\d{1,14})([a-z]{2}_)?/(.+)$", rest)
        if match is None:
            return self._timegate(req, unquote(rest), self.captures, "/web/")
        if self.faults.replay_429 > 0:
            self.faults.replay_429 -= 1
            return self._too_many()
        ts, mode, url = match.group(1), match.group(2) or "", unquote(match.group(3))
        captures = self.captures.get(surt_key(url), [])
        if not captures:
            return Reply(404, NOT_ARCHIVED_HTML)
        exact = [c for c in captures if c.timestamp == ts]
        if not exact:
            # Inexact timestamps redirect to the closest capture, keeping the mode.
            best = min(captures, key=lambda c: abs(int(c.timestamp) - int(_expand(ts, False))))
            return Reply(
                302,
                "",
                content_type="text/plain; charset=utf-8",
                headers=[
                    ("Location", self.web.url(f"/web/{best.timestamp}{mode}/{best.original}")),
                    ("X-Archive-Redirect-Reason", f"found capture at {best.timestamp}"),
                ],
            )
        return self._memento(exact[0], captures, mode, "/web/", "/web/timemap/link/")

    def _memento(
        self, c: Capture, all_: list[Capture], mode: str, replay: str, timemap: str
    ) -> Reply:
        assert c.original is not None
        first, last = all_[0], all_[-1]
        i = all_.index(c)
        links = [
            f'<{c.original}>; rel="original"',
            f'<{self.web.url(timemap + c.original)}>; rel="timemap"; '
            'type="application/link-format"',
            f'<{self.web.url(replay + c.original)}>; rel="timegate"',
        ]

        def link(m: Capture, rel: str) -> str:
            return (
                f'<{self.web.url(f"{replay}{m.timestamp}/{m.original}")}>; rel="{rel}"; '
                f'datetime="{_http_date(m.timestamp)}"'
            )

        links.append(link(first, "first memento"))
        if i > 0:
            links.append(link(all_[i - 1], "prev memento"))
        links.append(link(c, "memento"))
        if i + 1 < len(all_):
            links.append(link(all_[i + 1], "next memento"))
        links.append(link(last, "last memento"))
        headers = [
            ("memento-datetime", _http_date(c.timestamp)),
            ("link", ", ".join(links)),
            ("x-archive-orig-date", _http_date(c.timestamp)),
            ("x-archive-src", "fake-20200101-00000.warc.gz"),
            ("x-ts", str(c.status)),
        ]
        if c.location:
            headers.append(("Location", self.web.url(f"{replay}{c.timestamp}{mode}/{c.location}")))
        body = c.body
        if mode != "id_" and c.mimetype == "text/html" and isinstance(body, str):
            body = body.replace("<body>", "<body><div id='wm-ipp'>Wayback toolbar</div>", 1)
        return Reply(c.status, body, headers=headers, content_type=c.mimetype)

    def _timegate(
        self, req: Request, url: str, store: dict[str, list[Capture]], replay: str
    ) -> Reply:
        captures = store.get(surt_key(url), [])
        if not captures:
            return Reply(404, NOT_ARCHIVED_HTML)
        accept = req.headers.get("accept-datetime")
        headers: list[tuple[str, str]] = []
        best = captures[-1]
        if accept is not None:
            try:
                when = parsedate_to_datetime(accept)
            except (TypeError, ValueError, IndexError):
                when = None
            if when is None or not accept.rstrip().endswith("GMT"):
                return Reply(400, "Bad Accept-Datetime", content_type="text/plain")
            target = int(when.astimezone(UTC).strftime("%Y%m%d%H%M%S"))
            best = min(captures, key=lambda c: abs(int(c.timestamp) - target))
        location = self.web.url(f"{replay}{best.timestamp}/{best.original}")
        if accept is not None:
            headers += [
                ("vary", "accept-datetime"),
                (
                    "link",
                    f'<{best.original}>; rel="original", <{location}>; rel="memento"; '
                    f'datetime="{_http_date(best.timestamp)}"',
                ),
            ]
        headers += [
            ("location", location),
            ("x-archive-redirect-reason", f"found capture at {best.timestamp}"),
        ]
        return Reply(302, "", headers=headers, content_type="text/plain; charset=utf-8")

    def _timemap(self, req: Request, url: str, name: str | None = None, page: int = 0) -> Reply:
        if self.faults.timemap_429 > 0:
            self.faults.timemap_429 -= 1
            return self._too_many()
        if self.faults.timemap_5xx > 0:
            self.faults.timemap_5xx -= 1
            return Reply(504, "<html><body><h1>504 Gateway Time-out</h1></body></html>")
        url = unquote(url)
        store = self.captures if name is None else self.others.get(name, {})
        prefix = "/web/" if name is None else f"/m/{name}/"
        captures = store.get(surt_key(url), [])
        if not captures:
            # UKWA's shape for an unknown URL: 404, link-format, empty body.
            return Reply(404, "", content_type="application/link-format")
        size = self.other_page_size.get(name or "", 0)
        chunk = captures[page * size : (page + 1) * size] if size else captures
        self_url = self.web.url(f"{prefix}timemap/link/{url}")
        lines = [
            f'<{captures[0].original}>; rel="original"',
            f'<{self_url}>; rel="self"; type="application/link-format"; '
            f'from="{_http_date(captures[0].timestamp)}"',
            f'<{self.web.url(prefix + ("timegate/" if name else "") + url)}>; rel="timegate"',
        ]
        for j, c in enumerate(chunk):
            rel = "memento"
            if c is captures[0]:
                rel = "first memento"
            if c is captures[-1]:
                rel = "first last memento" if len(captures) == 1 else "last memento"
            extra = f';collection="{name}"' if name and j % 2 else ""
            # Mix the spellings real TimeMaps use: "; rel=", ";rel=", newlines.
            sep = "\n  ; " if j % 3 == 0 else "; " if j % 3 == 1 else ";"
            lines.append(
                f"<{self.web.url(f'{prefix}{c.timestamp}/{c.original}')}>{sep}"
                f'rel="{rel}"; datetime="{_http_date(c.timestamp)}"{extra}'
            )
        if size and (page + 1) * size < len(captures):
            nxt = self.web.url(f"{prefix}timemap/link/{page + 1}/{url}")
            lines.append(f'<{nxt}>; rel="next"; type="application/link-format"')
        return Reply(200, ",\n".join(lines) + ",\n", content_type="application/link-format")

    def _other(self, req: Request, rest: str) -> Reply:
        name, _, rest = rest.partition("/")
        store = self.others.get(name, {})
        if rest.startswith("timemap/link/"):
            tail = rest[len("timemap/link/") :]
            paged = re.match(r"^(\d+)/(.+)$", tail)
            if paged and not re.match(r"^\d+/", paged.group(2)) and "://" in paged.group(2):
                return self._timemap(req, paged.group(2), name, int(paged.group(1)))
            return self._timemap(req, tail, name)
        if rest.startswith("timegate/"):
            return self._timegate(req, unquote(rest[len("timegate/") :]), store, f"/m/{name}/")
        match = re.match(r"^(\d{14})([a-z]{2}_)?/(.+)$", rest)
        if match is None:
            return Reply(404, NOT_ARCHIVED_HTML)
        captures = store.get(surt_key(unquote(match.group(3))), [])
        exact = [c for c in captures if c.timestamp == match.group(1)]
        if not exact:
            return Reply(404, NOT_ARCHIVED_HTML)
        return self._memento(
            exact[0], captures, match.group(2) or "", f"/m/{name}/", f"/m/{name}/timemap/link/"
        )

    # -- Save Page Now 2 -----------------------------------------------------
    def _save(self, req: Request) -> Reply:
        auth = req.headers.get("authorization", "")
        keys = self.faults.spn_keys
        if (self.faults.spn_require_auth and not re.match(r"^LOW \S+:\S+$", auth)) or (
            keys is not None and auth != f"LOW {keys[0]}:{keys[1]}"
        ):
            return Reply(
                401, "You need to be logged in to use Save Page Now.", content_type="text/plain"
            )
        form = dict(parse_qsl(req.body.decode()))  # decode before comparing (§3.2)
        self.submissions.append(form)
        if self.faults.spn_submit_status is not None:
            status = self.faults.spn_submit_status
            return Reply(status, f"<html><body><h1>{status}</h1></body></html>")
        if self.faults.spn_refusal is not None:
            return Reply(200, json.dumps(self.faults.spn_refusal), content_type="application/json")
        url = form.get("url", "")
        # Job ids are deterministic per URL within the dedupe window (observed 2026).
        job_id = "spn2-" + hashlib.sha1(url.encode()).hexdigest()
        answer = {"url": url, "job_id": job_id}
        if job_id in self.jobs:
            answer["message"] = (
                "The same snapshot had been made 2 minutes ago. "
                "You can make new capture of this URL after 1 hour."
            )
        else:
            self.jobs[job_id] = _Job(url, form)
        return Reply(200, json.dumps(answer), content_type="application/json")

    def _save_status(self, job_id: str) -> Reply:
        job = self.jobs.get(job_id.partition("?")[0])
        headers = []
        if self.faults.spn_status_retry_after:
            headers.append(("Retry-After", self.faults.spn_status_retry_after))
        if job is None:
            body: dict[str, Any] = {
                "status": "error",
                "status_ext": "error:not-found",
                "message": "Job not found or expired.",
            }
            return Reply(200, json.dumps(body), content_type="application/json", headers=headers)
        job.polls += 1
        if job.polls <= self.faults.spn_pending_polls:
            body = {"status": "pending", "job_id": job_id, "resources": [job.url]}
        elif self.faults.spn_error is not None:
            body = {"job_id": job_id, "resources": [], **self.faults.spn_error}
        else:
            body = {
                "status": "success",
                "job_id": job_id,
                "original_url": job.url,
                "timestamp": "20261128120000",
                "duration_sec": 6.2,
                "resources": [job.url],
                "outlinks": [],
                "http_status": 200,
                "counters": {"outlinks": 0, "embeds": 0},
            }
        return Reply(200, json.dumps(body), content_type="application/json", headers=headers)


def _as_captured(url: str) -> str:
    """IA shows originals with `http://` and an explicit `:80`."""
    rest = re.sub(r"^https?://", "", url, flags=re.IGNORECASE)
    host, sep, path = rest.partition("/")
    return f"http://{host}:80/{path}" if sep else f"http://{host}:80/"


def _cdx_filter(spec: str, row: dict[str, str]) -> bool:
    negate = spec.startswith("!")
    name, _, pattern = spec.lstrip("!").partition(":")
    hit = re.fullmatch(pattern, row.get(name, "")) is not None
    return hit != negate


def _collapse(spec: str, rows: list[dict[str, str]]) -> list[dict[str, str]]:
    name, _, width = spec.partition(":")
    n = int(width) if width else None
    out: list[dict[str, str]] = []
    for r in rows:
        if out and out[-1][name][:n] == r[name][:n]:
            continue
        out.append(r)
    return out
