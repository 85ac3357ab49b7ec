"""What the checker is told: settings, `--resolve` rules, targets and results."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

import idna

from audit import __version__
from audit.errors import InputError
from audit.models import Classification, Observation

CONTACT_URL = "https://github.com/audit-tool/audit"
DEFAULT_USER_AGENT = f"audit/{__version__} (link checker for cited documents; +{CONTACT_URL})"

# Names that exist as long as the Internet does; resolving them tells whether
# *our* resolver works (a failure then says nothing about the checked sites).
DEFAULT_CANARIES = ("example.com", "www.iana.org", "one.one.one.one")


@dataclass(frozen=True, slots=True)
class ResolveRule:
    """`HOST:PORT:ADDR[,ADDR...]` as curl's `--resolve`; host "*" matches any host."""

    host: str  # ASCII (punycode), lower case, or "*"
    port: int
    addresses: tuple[str, ...]

    def matches(self, host: str, port: int) -> bool:
        return self.port == port and self.host in ("*", host)


def parse_resolve(text: str) -> ResolveRule:
    """Parse one `--resolve HOST:PORT:ADDR[,ADDR]...` value; raise InputError if malformed."""
    spec = text.strip().removeprefix("+")  # curl's "+" (timeout-on-use) prefix means nothing here
    host, sep1, rest = spec.partition(":")
    port_text, sep2, addr_text = rest.partition(":")
    if not (sep1 and sep2 and host and addr_text):
        raise InputError(f"--resolve {text!r}: expected HOST:PORT:ADDRESS")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise InputError(f"--resolve {text!r}: bad port {port_text!r}")
    addresses: list[str] = []
    for raw in addr_text.split(","):
        candidate = raw.strip().removeprefix("[").removesuffix("]")
        try:
            addresses.append(str(ipaddress.ip_address(candidate)))
        except ValueError:
            raise InputError(f"--resolve {text!r}: {raw!r} is not an IP address") from None
    return ResolveRule(_ascii_host(host, text), int(port_text), tuple(addresses))


def parse_dns_server(text: str) -> tuple[str, int]:
    """`ADDR[:PORT]` (IPv6 as `[ADDR]:PORT` or bare): the DNS server to ask, port 53 by default."""
    spec = text.strip()
    address, port_text = spec, ""
    if spec.startswith("["):
        address, _, rest = spec[1:].partition("]")
        port_text = rest.removeprefix(":")
    elif spec.count(":") == 1:
        address, _, port_text = spec.partition(":")
    try:
        address = str(ipaddress.ip_address(address))
    except ValueError:
        raise InputError(f"--dns-server {text!r}: expected an IP address[:PORT]") from None
    if port_text and not (port_text.isdigit() and 0 < int(port_text) < 65536):
        raise InputError(f"--dns-server {text!r}: bad port {port_text!r}")
    return address, int(port_text or 53)


def _ascii_host(host: str, text: str) -> str:
    host = host.strip().rstrip(".").lower()
    if host == "*" or host.isascii():
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise InputError(f"--resolve {text!r}: bad host name ({exc})") from None


@dataclass(frozen=True, slots=True)
class CheckSettings:
    """How to check. Defaults are polite to servers and fast on many hosts."""

    concurrency: int = 512  # requests in flight overall (per-host limits keep it polite)
    per_host: int = 4  # requests in flight per host (and pooled connections per host)
    min_interval: float = 0.05  # seconds between request starts to one host
    timeout: float = 20.0  # total deadline per attempt: connect + headers + body + redirects
    retries: int = 2  # extra attempts for transient failures (resets, 5xx, 408, 429; 500: one)
    retry_timeouts: bool = False  # a hang already cost a full timeout; the judge re-checks later
    backoff: float = 0.5  # first retry wait, doubled per retry, with jitter (x0.5-1.5)
    max_retry_after: float = 30.0  # longer Retry-After waits are left to a later run
    resolve: tuple[ResolveRule, ...] = ()
    allow_private: bool = False
    proxy: str | None = None  # http(s):// CONNECT or socks5(h):// (the proxy resolves names)
    vantage: str = ""  # this checker's vantage name, recorded with every observation
    user_agent: str = DEFAULT_USER_AGENT
    accept_language: str = "ru,en;q=0.8,*;q=0.5"
    body_cap: int = 256 * 1024  # decoded bytes read for classification
    max_redirects: int = 10
    ca_file: str | None = None  # extra CA bundle (tests: a throwaway CA)
    http2: bool = True
    sibling_probe: bool = True  # one random-sibling GET per host, for soft-404 similarity
    https_probe: bool = True  # for http:// targets, whether https:// answers (once per host)
    https_port: int = 443  # where the https:// version is asked
    probe_timeout: float = 4.0  # sibling and https probes: shared per host, a host's pages wait
    tls_insecure_probe: bool = True  # on a certificate error, ask again unverified (evidence only)
    canaries: tuple[str, ...] = DEFAULT_CANARIES
    silent_hosts: int = 3  # this many outside hosts failing and none answering: we are offline
    dns_timeout: float = 5.0
    dns_server: tuple[str, int] | None = None  # None: the system's (/etc/resolv.conf)
    hosts_file: str | None = "/etc/hosts"  # answers before the DNS, as the system does
    max_hosts: int = 2048  # per-host state (pools, pins) kept; least recently used dropped
    lookahead: int = 16384  # targets read ahead of the running ones, to interleave hosts
    workers: int = 0  # processes, each checking its share of the hosts; 0: by CPUs and targets
    robots: bool = False  # honour robots.txt (a link check is a reader's click: off by default)
    # (host, headers) the user set for a host (`[hosts."name"]` in audit.toml): a token for
    # an intranet or a paywall. Sent to that host only; never stored or reported.
    host_headers: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = field(
        default=(), repr=False
    )

    def headers_for(self, host: str) -> list[tuple[str, str]]:
        """The user's headers for `host` (an entry `example.org` covers its subdomains)."""
        return [
            h
            for name, headers in self.host_headers
            if host == name or host.endswith("." + name)
            for h in headers
        ]

    def __post_init__(self) -> None:
        """Refuse values that would stall or misbehave (the CLI passes user input here)."""
        for name in ("concurrency", "per_host", "body_cap", "max_hosts", "lookahead"):
            if getattr(self, name) < 1:
                raise InputError(f"{name.replace('_', '-')} must be at least 1")
        for name in ("timeout", "dns_timeout", "probe_timeout"):
            if not getattr(self, name) > 0:
                raise InputError(f"{name.replace('_', '-')} must be positive")
        for name in (
            "min_interval",
            "backoff",
            "max_retry_after",
            "retries",
            "max_redirects",
            "workers",
            "silent_hosts",
        ):
            if getattr(self, name) < 0:
                raise InputError(f"{name.replace('_', '-')} must not be negative")
        for host, _ in self.host_headers:
            if not host or host != host.lower():
                raise InputError(f"hosts: {host!r} must be a lower-case host name")
        if self.proxy is not None and not self.proxy.startswith(
            ("http://", "https://", "socks5://", "socks5h://")
        ):
            raise InputError(
                f"--proxy {self.proxy!r}: an http://, https://, socks5:// or socks5h:// "
                "proxy URL is needed"
            )


@dataclass(frozen=True, slots=True)
class CheckTarget:
    """One URL to check, with what the caller knows about it."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    accept: frozenset[int] = frozenset()
    timeout: float | None = None
    key: object = field(default=None, compare=False)  # opaque caller id (e.g. resource id)


@dataclass(frozen=True, slots=True)
class CheckResult:
    target: CheckTarget
    observation: Observation
    classification: Classification
