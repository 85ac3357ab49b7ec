"""The one place that turns transport exceptions into `ErrorKind` plus a detail string.

httpcore, httpx, asyncio, the OS and OpenSSL each raise their own types, often
chained (`httpcore.ConnectError` from `ssl.SSLCertVerificationError`). Every
failure of a link ends here as data; nothing else in the checker inspects
exception types.
"""

from __future__ import annotations

import errno
import socket
import ssl
import zlib

import httpcore
import httpx

from audit.models import ErrorKind


class LinkFailure(Exception):
    """Raised inside the checker for a failure that is already classified."""

    def __init__(self, kind: ErrorKind, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


# OpenSSL X509_V_ERR_* codes worth naming (the rest keep OpenSSL's own message).
_TLS_REASONS = {
    9: "certificate not yet valid",
    10: "certificate expired",
    18: "self-signed certificate (untrusted issuer)",
    19: "self-signed certificate in chain (untrusted issuer)",
    20: "untrusted issuer (unable to get local issuer certificate)",
    21: "untrusted issuer (unable to verify the first certificate)",
    23: "certificate revoked",
    62: "name mismatch (certificate is not valid for this host)",
}

_GAI_NXDOMAIN = {socket.EAI_NONAME} | (
    {socket.EAI_NODATA} if hasattr(socket, "EAI_NODATA") else set()
)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen and len(seen) < 8:
        seen.append(cur)
        # httpcore re-raises with `from None`; client.py keeps the OS/ssl error on `.original`.
        cur = getattr(cur, "original", None) or cur.__cause__ or cur.__context__
    return seen


def _msg(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def tls_reason(exc: ssl.SSLError) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        reason = _TLS_REASONS.get(exc.verify_code)
        if reason:
            return reason
        return f"certificate verify failed: {exc.verify_message}"
    return f"TLS handshake failed: {exc.reason or _msg(exc)}"


def gai_kind(exc: socket.gaierror) -> tuple[ErrorKind, str]:
    """EAI_NONAME (and NODATA) mean the name has no address; the rest are resolver failures."""
    if exc.errno in _GAI_NXDOMAIN:
        return ErrorKind.DNS_NXDOMAIN, f"name does not resolve ({_msg(exc)})"
    return ErrorKind.DNS_ERROR, f"resolver failure ({_msg(exc)})"


def describe(exc: BaseException) -> tuple[ErrorKind, str]:
    """Map any exception raised while checking one URL to (kind, one-line detail)."""
    chain = _chain(exc)
    for cause in chain:
        if isinstance(cause, LinkFailure):
            return cause.kind, cause.detail
    for cause in chain:
        if isinstance(cause, ssl.SSLError):
            return ErrorKind.TLS, tls_reason(cause)
        if isinstance(cause, socket.gaierror):
            return gai_kind(cause)
    head = chain[0]
    if isinstance(head, TimeoutError | httpcore.TimeoutException | httpx.TimeoutException):
        return ErrorKind.TIMEOUT, f"no complete answer in time ({type(head).__name__})"
    if isinstance(head, httpcore.ProxyError | httpx.ProxyError):
        return ErrorKind.PROXY, f"proxy failed: {_msg(head)}"
    if isinstance(head, httpcore.UnsupportedProtocol | httpx.UnsupportedProtocol):
        return ErrorKind.UNSUPPORTED, _msg(head)
    if isinstance(head, httpcore.RemoteProtocolError | httpx.RemoteProtocolError):
        text = _msg(head)
        if "disconnected" in text.lower() or "without sending" in text.lower():
            return ErrorKind.RESET, f"server closed the connection: {text}"
        return ErrorKind.PROTOCOL, f"malformed response: {text}"
    if isinstance(head, httpcore.LocalProtocolError | httpx.LocalProtocolError):
        return ErrorKind.PROTOCOL, f"request could not be sent: {_msg(head)}"
    if isinstance(head, zlib.error | httpx.DecodingError):
        return ErrorKind.DECODING, f"broken content-encoding: {_msg(head)}"
    for cause in chain:
        if isinstance(cause, ConnectionRefusedError) or (
            isinstance(cause, OSError) and cause.errno == errno.ECONNREFUSED
        ):
            return ErrorKind.CONNECT, "connection refused"
        if isinstance(cause, ConnectionResetError | ConnectionAbortedError | BrokenPipeError) or (
            isinstance(cause, OSError) and cause.errno in (errno.ECONNRESET, errno.EPIPE)
        ):
            return ErrorKind.RESET, f"connection reset ({_msg(cause)})"
        if isinstance(cause, OSError) and cause.errno in (
            errno.ENETUNREACH,
            errno.EHOSTUNREACH,
            errno.EADDRNOTAVAIL,
            errno.ENETDOWN,
        ):
            return ErrorKind.CONNECT, f"unreachable ({_msg(cause)})"
    if isinstance(head, httpcore.ConnectError | httpx.ConnectError):
        return ErrorKind.CONNECT, f"connect failed: {_msg(head)}"
    if isinstance(head, httpcore.ReadError | httpcore.WriteError | httpx.ReadError):
        return ErrorKind.RESET, f"connection broken: {_msg(head)}"
    if isinstance(head, OSError):
        return ErrorKind.CONNECT, f"network error: {_msg(head)}"
    return ErrorKind.OTHER, f"{type(head).__name__}: {_msg(head)}"
