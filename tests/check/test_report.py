"""`audit check --format json`: one JSON document, one result a line."""

from __future__ import annotations

import io
import json

from audit.check import encode_item, write_results


def test_results_document_is_json_with_one_result_a_line() -> None:
    items = [{"url": "http://пример.рф/", "evidence": ["HTTP 404"]}, {"url": "http://a/"}]
    out = io.StringIO()
    write_results({"network": "online"}, (encode_item(i) for i in items), out)
    text = out.getvalue()
    assert json.loads(text) == {"run": {"network": "online"}, "results": items}
    assert "пример" in text  # not \u-escaped
    assert [json.loads(line.strip().rstrip(",")) for line in text.splitlines()[2:4]] == items


def test_no_results() -> None:
    out = io.StringIO()
    write_results({}, [], out)
    assert json.loads(out.getvalue()) == {"run": {}, "results": []}
