"""A real proxy (pproxy: HTTP CONNECT + SOCKS5) on its own loopback address, in a subprocess.

pproxy connects out from the address it listens on (when that is not
127.0.0.1), so a fixture web server can tell vantages apart by peer address.

    with ProxyServer("127.0.0.2") as proxy:
        proxy.url("socks5h")   # socks5h://127.0.0.2:PORT
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time

# pproxy installs uvloop when it can, then asks for a current loop uvloop no longer makes:
# a plain asyncio loop, set first, keeps it working.
_LAUNCH = (
    "import asyncio, sys; sys.modules['uvloop'] = None; "
    "asyncio.set_event_loop(asyncio.new_event_loop()); "
    "sys.argv[0] = 'pproxy'; from pproxy.server import main; main()"
)


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class ProxyServer:
    def __init__(self, host: str, port: int = 0) -> None:
        self.host = host
        self.port = port
        self._proc: subprocess.Popen[bytes] | None = None

    def url(self, scheme: str = "http") -> str:
        return f"{scheme}://{self.host}:{self.port}"

    def start(self) -> ProxyServer:
        self.port = self.port or free_port(self.host)
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _LAUNCH,
                "-l",
                f"http+socks5://{self.host}:{self.port}/@{self.host}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection((self.host, self.port), timeout=0.2).close()
                return self
            except OSError:
                if self._proc.poll() is not None:
                    break
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"pproxy did not start on {self.host}:{self.port}")

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)
        self._proc = None

    def __enter__(self) -> ProxyServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
