from __future__ import annotations

import urllib.request

from tests.servers.web import Reply, WebServer


def test_web_server_serves_a_route(web: WebServer) -> None:
    web.route("/hello", Reply(200, "<title>Hello</title>"))
    with urllib.request.urlopen(web.url("/hello"), timeout=5) as answer:
        assert answer.status == 200
        assert b"Hello" in answer.read()
    assert web.hits("/hello") == 1
