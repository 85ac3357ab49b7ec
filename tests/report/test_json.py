from __future__ import annotations

import json

from audit.models import Outcome, Verdict
from audit.report import render_json, to_json
from tests.report.sample import HOSTILE_TITLE, IDN_URL, sample

CONTRACT_RESULT = (
    "url",
    "final_url",
    "outcome",
    "http_status",
    "redirects",
    "elapsed_ms",
    "error",
    "evidence",
    "verdict",
)


def _results() -> dict[str, dict[str, object]]:
    doc = json.loads(render_json(sample()))
    return {r["id"]: r for r in doc["results"]}


def test_keeps_the_check_contract_structure() -> None:
    doc = json.loads(render_json(sample()))
    assert {"run", "results"} <= set(doc)
    assert doc["run"]["started"] == "2026-11-28T06:00:00Z"
    assert doc["run"]["finished"] == "2026-11-28T06:04:12Z"
    assert doc["run"]["network"] == "online"
    outcomes = {o.value for o in Outcome}
    verdicts = {v.value for v in Verdict}
    for result in doc["results"]:
        assert list(result)[: len(CONTRACT_RESULT)] == list(CONTRACT_RESULT)
        assert result["verdict"] in verdicts
        assert result["outcome"] is None or result["outcome"] in outcomes
        assert isinstance(result["evidence"], list)
        assert isinstance(result["redirects"], list)


def test_contract_values_of_a_redirect_and_a_transport_failure() -> None:
    results = _results()
    moved = results["stoppav-ru"]
    assert moved["outcome"] == "redirected" and moved["verdict"] == "moved"
    assert moved["final_url"] == "https://cppmsp36.ru/"
    assert moved["redirects"] == [{"url": "http://www.stoppav.ru/", "status": 301}]
    assert moved["http_status"] == 200 and moved["error"] is None
    dead = results["ppms-edu-penzaa-ru"]
    assert dead["outcome"] == "dns_nxdomain" and dead["http_status"] is None
    assert dead["error"] == "Name or service not known"
    assert dead["elapsed_ms"] == 31


def test_adds_history_snapshots_and_registry_fields() -> None:
    results = _results()
    dead = results["sisters-help-ru"]
    assert len(dead["history"]) == 14
    assert dead["history"][-1] == {
        "checked_at": "2026-11-28T06:00:00Z",
        "outcome": "not_found",
        "verdict": "dead",
        "run_id": 14,
        "vantage": "",  # recorded before vantages
    }
    assert dead["archive"]["status"] == "archived"
    assert dead["replacement"]["timestamp"] == "20180312000000"
    assert dead["best_snapshot"]["url"].startswith("https://web.archive.org/web/2018")
    assert dead["failing_since"] == "2026-11-23T06:00:00Z"
    assert dead["sources"][0]["line"] == 169
    idn = results["personal-data-deti"]
    assert idn["url"] == IDN_URL
    assert [r["rule"] for r in idn["repairs"]] == ["add-scheme", "join-broken-host"]


def test_url_less_resources_are_listed_as_such() -> None:
    named = _results()["mvd"]
    assert named["url"] is None and named["state"] == "no-address"
    assert named["outcome"] is None and named["history"] == []


def test_summary_changes_and_timeline() -> None:
    doc = to_json(sample())
    assert doc["summary"]["total"] == 18
    assert doc["summary"]["counts"]["no-address"] == 6
    assert sum(doc["summary"]["counts"].values()) == 18
    assert [c["after"] for c in doc["changes"]] == ["moved", "suspect", "dead"]
    assert len(doc["timeline"]) == 14
    assert sum(doc["timeline"][-1]["verdicts"].values()) == 12


def test_offline_run_is_recorded() -> None:
    doc = to_json(sample(offline=True))
    assert doc["run"]["network"] == "offline"
    assert {r["outcome"] for r in doc["results"] if r["url"]} == {"offline"}


def test_unicode_and_hostile_text_survive_as_data() -> None:
    text = render_json(sample())
    assert "Персональные данные" in text  # not \u-escaped: readable
    assert _results()["detionline-mts"]["title"] == HOSTILE_TITLE
