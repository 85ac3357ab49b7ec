"""httpx clients (archives, webhooks) resolve names through the checker's resolver."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from audit import notify
from audit.check.transport import resolving_transport
from tests.servers.dns import dns_server
from tests.servers.web import Reply, Request, WebServer


def test_httpx_names_go_to_our_dns_server(web: WebServer) -> None:
    web.route("/cdx", Reply(200, "[]", content_type="application/json"))
    with dns_server({"archive.site.test": "127.0.0.1"}) as dns:

        async def go() -> tuple[int, str]:
            transport = resolving_transport(dns_server=dns.dns_server, timeout=1.0)
            async with httpx.AsyncClient(transport=transport, timeout=3) as client:
                ok = await client.get(f"http://archive.site.test:{web.port}/cdx")
                with pytest.raises(httpx.ConnectError) as caught:
                    await client.get(f"http://missing.site.test:{web.port}/cdx")
                return ok.status_code, str(caught.value)

        status, error = asyncio.run(go())
        asked = dns.queries()
    assert status == 200
    assert "missing.site.test: name does not exist (NXDOMAIN" in error
    assert "archive.site.test" in asked and "missing.site.test" in asked


def test_webhooks_resolve_through_dns_server(web: WebServer) -> None:
    got: list[Request] = []

    def hook(request: Request) -> Reply:
        got.append(request)
        return Reply(204)

    web.route("/hook", hook)
    seen: list[tuple[str, bool, str]] = []
    with dns_server({"hooks.site.test": "127.0.0.1"}) as dns:
        asyncio.run(
            notify.send_all(
                [f"http://hooks.site.test:{web.port}/hook"],
                {"event": "test"},
                user_agent="t",
                record=lambda t, ok, d: seen.append((t, ok, d)),
                dns_server=dns.dns_server,
                allow_private=True,  # the receiver is on loopback
            )
        )
        assert "hooks.site.test" in dns.queries()
    assert len(got) == 1 and seen[0][1] is True
