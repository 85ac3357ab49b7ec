"""Pure parts: vantage specs, the OONI-style comparison, the judge's vantage rule, schema 4."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from audit import db as engines
from audit.check import CheckSettings
from audit.check.vantage import Vantage, parse_vantage, settings_for, vantages_for
from audit.compare import Seen, Stage, compare
from audit.errors import InputError, RegistryError
from audit.judge import Check, judge
from audit.models import (
    Classification,
    ErrorKind,
    Fingerprint,
    Observation,
    Outcome,
    Verdict,
)
from audit.registry import load_registry
from audit.store import SCHEMA_VERSION, open_store
from tests.servers.postgres import PostgresServer

T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


class TestSpecs:
    def test_names_and_ways_out(self) -> None:
        assert parse_vantage("ru=direct") == Vantage("ru")
        assert parse_vantage("eu=socks5h://10.0.0.1:1080") == Vantage(
            "eu", "socks5h://10.0.0.1:1080"
        )
        assert parse_vantage("us=http://proxy.example:3128").proxy == "http://proxy.example:3128"
        assert parse_vantage("x=dns://127.0.0.1:5353").dns_server == ("127.0.0.1", 5353)

    @pytest.mark.parametrize(
        "spec",
        [
            "eu",
            "=direct",
            "eu=",
            "e u=direct",
            "eu=ftp://h:1",
            "eu=socks5h://:1080",
            "eu=http://h:99999",
        ],
    )
    def test_bad_specs_are_input_errors(self, spec: str) -> None:
        with pytest.raises(InputError, match="--vantage"):
            parse_vantage(spec)

    def test_proxy_alone_is_one_vantage_and_names_must_differ(self) -> None:
        s = CheckSettings(proxy="socks5h://127.0.0.2:1080")
        assert vantages_for(s, ()) == (Vantage("proxy", "socks5h://127.0.0.2:1080"),)
        assert vantages_for(CheckSettings(), ()) == (Vantage("direct"),)
        with pytest.raises(InputError, match="named twice"):
            vantages_for(s, (Vantage("a"), Vantage("a", "http://h:1")))
        one = settings_for(CheckSettings(), Vantage("eu", "http://h:1"))
        assert (one.proxy, one.vantage) == ("http://h:1", "eu")

    def test_registry_vantages_and_their_errors_name_the_line(self, tmp_path: Path) -> None:
        reg = tmp_path / "r.yaml"
        reg.write_text(
            "vantages:\n  - ru=direct\n  - {name: eu, url: 'socks5h://127.0.0.2:1080'}\n"
            "resources: []\n",
            encoding="utf-8",
        )
        assert load_registry(reg).vantage_specs == (
            ("ru", "direct"),
            ("eu", "socks5h://127.0.0.2:1080"),
        )
        reg.write_text(
            "vantages:\n  - ru=direct\n  - eu=gopher://x\nresources: []\n", encoding="utf-8"
        )
        with pytest.raises(RegistryError) as err:
            load_registry(reg)
        assert "gopher" in str(err.value) and ":3" in str(err.value)


def fp(title: str, length: int = 1000, text: str = "a", simhash: int = 0) -> Fingerprint:
    return Fingerprint("http://x/", title, text, simhash, length)


class TestCompare:
    OK = Seen("eu", Outcome.OK, status=200, address="93.184.216.34", fingerprint=fp("Portal"))

    def test_nxdomain_where_another_resolves_is_dns(self) -> None:
        ru = Seen("ru", Outcome.DNS_NXDOMAIN, ErrorKind.DNS_NXDOMAIN)
        assert compare(ru, self.OK).stage is Stage.DNS

    def test_a_private_answer_where_another_got_a_public_one_is_dns(self) -> None:
        ru = Seen("ru", Outcome.OK, status=200, address="10.10.34.35", fingerprint=fp("Blocked"))
        d = compare(ru, self.OK)
        assert d.stage is Stage.DNS and "10.10.34.35" in d.detail

    def test_refused_is_tcp_and_a_handshake_failure_is_tls(self) -> None:
        refused = Seen(
            "ru", Outcome.CONNECTION_ERROR, ErrorKind.CONNECT, detail="connection refused"
        )
        assert compare(refused, self.OK).stage is Stage.TCP
        assert "connection refused" in compare(refused, self.OK).detail
        tls = Seen("ru", Outcome.TLS_ERROR, ErrorKind.TLS)
        assert compare(tls, self.OK).stage is Stage.TLS

    def test_status_then_body(self) -> None:
        forbidden = Seen("ru", Outcome.BLOCKED, status=451)
        assert compare(forbidden, self.OK).stage is Stage.HTTP_STATUS
        block = Seen("ru", Outcome.BLOCKED, status=200, fingerprint=fp("Доступ ограничен", 90, "b"))
        assert compare(block, self.OK).detail == "block page"
        short = Seen("ru", Outcome.OK, status=200, fingerprint=fp("Portal", 300, "c"))
        assert compare(short, self.OK).stage is Stage.BODY  # under OONI's 0.7 proportion
        same = Seen("ru", Outcome.OK, status=200, fingerprint=fp("Portal"))
        assert compare(same, self.OK).stage is Stage.NONE


def check(days: float, outcome: Outcome, vantage: str, error: ErrorKind | None = None) -> Check:
    obs = Observation(
        "http://portal.example/",
        T0 + timedelta(days=days),
        status=None if error else (200 if outcome is Outcome.OK else 404),
        error=error,
        vantage=vantage,
    )
    return Check.of(obs, Classification(outcome))


REFUSED = (Outcome.CONNECTION_ERROR, ErrorKind.CONNECT)


class TestJudge:
    def test_alive_elsewhere_is_blocked_never_dead(self) -> None:
        history = []
        for day in (0, 7, 14, 21, 28):
            history.append(check(day, REFUSED[0], "ru", REFUSED[1]))
            history.append(check(day + 0.001, Outcome.OK, "eu"))
            j = judge(history)
            assert j.verdict is Verdict.BLOCKED
            assert "reachable from `eu`, not from `ru`" in j.reason and "TCP connect" in j.reason

    def test_one_vantage_refusals_become_dead_and_say_so(self) -> None:
        history = [check(d, REFUSED[0], "ru", REFUSED[1]) for d in (0, 3, 10)]
        j = judge(history)
        assert j.verdict is Verdict.DEAD and j.reason.endswith("seen from one vantage only")
        not_found = [check(d, Outcome.NOT_FOUND, "ru") for d in (0, 3, 10)]
        assert "one vantage" not in judge(not_found).reason  # a 404 is not the way there

    def test_dead_needs_every_vantage_asked_to_agree(self) -> None:
        history = []
        for d in (0, 3, 10):
            history.append(check(d, Outcome.NOT_FOUND, "ru"))
            history.append(check(d + 0.001, Outcome.NOT_FOUND, "eu"))
        j = judge(history)
        assert j.verdict is Verdict.DEAD and "every vantage" in j.reason
        # eu joined late: dead from ru, not yet confirmed from eu
        late = [check(d, Outcome.NOT_FOUND, "ru") for d in (0, 3, 10)]
        late.append(check(10.001, Outcome.NOT_FOUND, "eu"))
        j = judge(late)
        assert j.verdict is Verdict.SUSPECT and "not yet confirmed from `eu`" in j.reason

    def test_alive_elsewhere_while_that_vantage_is_offline_now_stays_blocked(self) -> None:
        history = [check(0, REFUSED[0], "ru", REFUSED[1]), check(0.001, Outcome.OK, "eu")]
        history += [check(d, REFUSED[0], "ru", REFUSED[1]) for d in (3, 10, 17)]
        assert judge(history).verdict is Verdict.BLOCKED

    def test_a_recovered_primary_is_alive_whatever_another_said_before(self) -> None:
        history = [
            check(0, Outcome.NOT_FOUND, "ru"),
            check(0.001, Outcome.NOT_FOUND, "eu"),
            check(7, Outcome.OK, "ru"),
        ]
        assert judge(history).verdict is Verdict.ALIVE


def test_schema_6_upgrades_a_v5_store_with_the_vantage_column_filled(tmp_path: Path) -> None:
    db = tmp_path / "audit.sqlite"
    conn = sqlite3.connect(db)
    # a store as main's migrations 0001-0005 left it (audit/db/migrations/sqlite/)
    for number, script in enumerate(engines.migrations(engines.Engine.SQLITE)[:5], start=1):
        conn.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
    conn.execute("INSERT INTO runs(started) VALUES ('2026-01-01T00:00:00.000+00:00')")
    data = '{"url": "http://a/", "checked_at": "2026-01-01T00:00:00+00:00", "vantage": "eu"}'
    conn.execute(
        "INSERT INTO observations(run_id, resource_id, url, checked_at, outcome, data)"
        " VALUES (1, 'a', 'http://a/', '2026-01-01T00:00:00.000+00:00', 'ok', ?)",
        (data,),
    )
    conn.commit()
    conn.close()
    with open_store(db) as store:
        assert store.observations("a")[0].observation.vantage == "eu"
        store.add_observation(
            1,
            "a",
            Observation("http://a/", T0, status=200, vantage="ru"),
            Classification(Outcome.OK),
        )
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT vantage FROM observations ORDER BY id").fetchall() == [
        ("eu",),
        ("ru",),
    ]
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 6
    conn.close()


def test_schema_6_upgrades_a_postgresql_v5_store_with_the_vantage_column_filled(
    postgres: PostgresServer,
) -> None:
    url = postgres.new_database()
    dbname = url.rsplit("/", 1)[1]
    open_store(url).close()
    # back to main's v5 (migrations 0001-0005), with a row recorded by a build that
    # kept the vantage in the observation's JSON only
    postgres.psql(
        "ALTER TABLE observations DROP COLUMN vantage; DELETE FROM audit_schema WHERE version = 6;"
        " INSERT INTO runs(started) VALUES ('2026-01-01T00:00:00.000+00:00');"
        " INSERT INTO observations(run_id, resource_id, url, checked_at, outcome, data)"
        " SELECT id, 'a', 'http://a/', '2026-01-01T00:00:00.000+00:00', 'ok',"
        ' \'{"url": "http://a/", "checked_at": "2026-01-01T00:00:00+00:00", "vantage": "eu"}\''
        " FROM runs",
        dbname,
    )
    with open_store(url) as store:
        assert store.observations("a")[0].observation.vantage == "eu"
        run = store.start_run(T0)
        store.add_observation(
            run,
            "a",
            Observation("http://a/", T0, status=200, vantage="ru"),
            Classification(Outcome.OK),
        )
    assert (
        postgres.psql("SELECT string_agg(vantage, ',' ORDER BY id) FROM observations", dbname)
        == "eu,ru"
    )
    assert postgres.psql("SELECT max(version) FROM audit_schema", dbname) == str(SCHEMA_VERSION)
