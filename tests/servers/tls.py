"""Throwaway certificate authorities (trustme) for TLS tests: valid, expired, wrong name,
untrusted issuer. Nothing here touches the system trust store."""

from __future__ import annotations

import datetime as dt
import ssl
from pathlib import Path

import trustme


class Certs:
    """A trusted CA (write its PEM with `ca_file`) and server contexts for each failure."""

    def __init__(self, name: str = "www.gov.test") -> None:
        self.name = name
        self.ca = trustme.CA()
        self.rogue = trustme.CA()  # not trusted by the checker

    def ca_file(self, directory: Path) -> str:
        path = directory / "test-ca.pem"
        path.write_bytes(self.ca.cert_pem.bytes())
        return str(path)

    def _context(self, cert: trustme.LeafCert) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(ctx)
        return ctx

    def valid(self) -> ssl.SSLContext:
        return self._context(self.ca.issue_cert(self.name))

    def expired(self) -> ssl.SSLContext:
        now = dt.datetime.now(dt.UTC)
        return self._context(
            self.ca.issue_cert(
                self.name,
                not_before=now - dt.timedelta(days=400),
                not_after=now - dt.timedelta(days=30),
            )
        )

    def wrong_name(self) -> ssl.SSLContext:
        return self._context(self.ca.issue_cert("other.example.test"))

    def untrusted(self) -> ssl.SSLContext:
        return self._context(self.rogue.issue_cert(self.name))
