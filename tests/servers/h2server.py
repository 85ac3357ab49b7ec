"""A minimal HTTP/2-over-TLS server (h2 library) on loopback, for the checker's h2 path."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading

import h2.config
import h2.connection
import h2.events


class H2Server:
    """Answers every request with `body` over HTTP/2 (ALPN "h2" only); records paths."""

    def __init__(self, tls: ssl.SSLContext, body: bytes, host: str = "127.0.0.1") -> None:
        tls.set_alpn_protocols(["h2"])
        self.tls = tls
        self.body = body
        self.host = host
        self.port = 0
        self.paths: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
        conn.initiate_connection()
        writer.write(conn.data_to_send())
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            while data := await reader.read(65535):
                for event in conn.receive_data(data):
                    if isinstance(event, h2.events.RequestReceived):
                        for name, value in event.headers or []:
                            if bytes(name) == b":path":
                                self.paths.append(bytes(value).decode())
                        conn.send_headers(
                            event.stream_id,
                            [
                                (":status", "200"),
                                ("content-type", "text/html; charset=utf-8"),
                                ("content-length", str(len(self.body))),
                            ],
                        )
                        conn.send_data(event.stream_id, self.body, end_stream=True)
                writer.write(conn.data_to_send())
                await writer.drain()
        writer.close()

    def __enter__(self) -> H2Server:
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, self.host, 0, ssl=self.tls), self._loop
        )
        self._server = fut.result(5)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc: object) -> None:
        async def close() -> None:
            assert self._server is not None
            self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()
