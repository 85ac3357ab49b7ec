"""A real DNS server on loopback for tests: Debian's dnsmasq, with zones the test writes.

    with dns_server({"www.site.test": "127.0.0.1", "alias.test": "CNAME www.site.test"}) as s:
        settings = CheckSettings(dns_server=s.dns_server)   # ("127.0.0.1", PORT)
        run(["audit", "check", "--dns-server", s.address, ...])  # "127.0.0.1:PORT"

`records` maps a name to one value or a list of them:
- an IP address: an A or AAAA record;
- "CNAME target": an alias (a target without records ends the chain nowhere);
- "NODATA": the name exists (a TXT record) but has no address;
- "SERVFAIL" / "REFUSED": queries for the name (and below it) are forwarded to a
  small upstream that answers with that code, as a broken authoritative server does;
- "TIMEOUT": forwarded to an upstream that never answers.
Any other name under `domains` (default: "test", "invalid") is NXDOMAIN; a name
outside them is REFUSED (the server has no upstream), unless `nxdomain_all`,
which answers NXDOMAIN for every name not listed. `server.queries()` lists the
names asked so far. scripts/ensure-dnsmasq installs dnsmasq (`make test` runs it).
"""

from __future__ import annotations

import contextlib
import getpass
import ipaddress
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import dns.flags
import dns.message
import dns.query
import dns.rcode

Records = Mapping[str, str | Sequence[str]]
_UPSTREAM_CODES = {"SERVFAIL": dns.rcode.SERVFAIL, "REFUSED": dns.rcode.REFUSED}


@dataclass(frozen=True, slots=True)
class DnsServer:
    host: str
    port: int
    log: Path

    @property
    def address(self) -> str:
        """For `--dns-server`."""
        return f"{self.host}:{self.port}"

    @property
    def dns_server(self) -> tuple[str, int]:
        """For `CheckSettings(dns_server=...)`."""
        return (self.host, self.port)

    def queries(self) -> list[str]:
        """The names asked so far, in order (from dnsmasq's query log)."""
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return re.findall(r"query\[\w+\] (\S+) from", text)


class _Upstream(threading.Thread):
    """A UDP server answering every query with one rcode (or never, rcode None)."""

    def __init__(self, rcode: dns.rcode.Rcode | None) -> None:
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.rcode = rcode
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                data, peer = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            if self.rcode is None:
                continue
            with contextlib.suppress(Exception):
                reply = dns.message.make_response(dns.message.from_wire(data))
                reply.set_rcode(self.rcode)
                reply.flags |= dns.flags.RA
                self.sock.sendto(reply.to_wire(), peer)

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=2)
        self.sock.close()


def _free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1 (dnsmasq listens on both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            port = int(u.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                try:
                    t.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port
    raise RuntimeError("no free port for the DNS server")


def _options(records: Records, upstream: dict[str, int]) -> list[str]:
    opts: list[str] = []
    for name, values in records.items():
        for value in [values] if isinstance(values, str) else list(values):
            word = value.split()[0].upper() if value.strip() else ""
            if word == "CNAME":
                opts.append(f"--cname={name},{value.split()[1]}")
            elif word == "NODATA":
                opts.append(f"--txt-record={name},no address here")
            elif word in ("SERVFAIL", "REFUSED", "TIMEOUT"):
                opts.append(f"--server=/{name}/127.0.0.1#{upstream[word]}")
            else:
                ipaddress.ip_address(value)  # a typo in a test's zone fails loudly
                opts.append(f"--host-record={name},{value}")
    return opts


def _ready(port: int, proc: subprocess.Popen[bytes], deadline: float) -> None:
    probe = dns.message.make_query("ready.probe.", "A")
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dnsmasq exited with {proc.returncode}")
        try:
            dns.query.udp(probe, "127.0.0.1", port=port, timeout=0.2)
            return
        except (dns.exception.Timeout, OSError):
            time.sleep(0.05)
    raise RuntimeError("dnsmasq did not answer in time")


@contextlib.contextmanager
def dns_server(
    records: Records | None = None,
    *,
    domains: Sequence[str] = ("test", "invalid"),
    nxdomain_all: bool = False,
) -> Iterator[DnsServer]:
    """Start dnsmasq on a free loopback port serving `records`; stopped on exit."""
    binary = shutil.which("dnsmasq") or next(
        (p for p in ("/usr/sbin/dnsmasq", "/sbin/dnsmasq") if Path(p).exists()), None
    )
    if binary is None:
        raise RuntimeError("dnsmasq is missing: run scripts/ensure-dnsmasq (make test does)")
    records = dict(records or {})
    kinds = {
        str(v).split()[0].upper()
        for vs in records.values()
        for v in ([vs] if isinstance(vs, str) else vs)
    }
    upstreams = {
        word: _Upstream(_UPSTREAM_CODES.get(word))
        for word in ("SERVFAIL", "REFUSED", "TIMEOUT")
        if word in kinds
    }
    for up in upstreams.values():
        up.start()
    with tempfile.TemporaryDirectory(prefix="audit-dns-") as tmp:
        log = Path(tmp) / "queries.log"
        proc: subprocess.Popen[bytes] | None = None
        try:
            for _attempt in range(3):  # another process may take the port in between
                port = _free_port()
                args = [
                    binary,
                    "--keep-in-foreground",
                    f"--port={port}",
                    "--listen-address=127.0.0.1",
                    "--bind-interfaces",
                    "--no-resolv",
                    "--no-hosts",
                    "--no-poll",
                    "--cache-size=0",
                    "--conf-file=/dev/null",
                    "--pid-file=",
                    f"--user={getpass.getuser()}",
                    "--log-queries",
                    f"--log-facility={log}",
                    *(f"--local=/{d}/" for d in domains),
                    *(["--address=/#/"] if nxdomain_all else []),
                    *_options(records, {w: u.port for w, u in upstreams.items()}),
                ]
                proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                try:
                    _ready(port, proc, time.monotonic() + 5)
                    break
                except RuntimeError:
                    _stop(proc)
                    proc = None
            if proc is None:
                raise RuntimeError("dnsmasq would not start")
            yield DnsServer("127.0.0.1", port, log)
        finally:
            if proc is not None:
                _stop(proc)
            for up in upstreams.values():
                up.stop()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
    if proc.stderr is not None:
        proc.stderr.close()
