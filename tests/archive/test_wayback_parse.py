"""Pure parsers of the Wayback APIs, on bodies shaped like the recorded real ones."""

from __future__ import annotations

import json

import pytest

from audit.archive.wayback import (
    CdxRow,
    Closest,
    UnexpectedFormat,
    closest_snapshot,
    parse_availability,
    parse_cdx_json,
    parse_cdx_text,
    replay_url,
    row_snapshot,
    strip_default_port,
)

HEADER = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
ROW1 = [
    "org,archive)/",
    "19970126045828",
    "http://www.archive.org:80/",
    "text/html",
    "200",
    "Q4YULN754FHV2U6Q5JUT6Q2P57WEWNNY",
    "1415",
]
ROW2 = [
    "org,archive)/",
    "19971011050034",
    "http://www.archive.org:80/",
    "warc/revisit",
    "-",
    "XAHDNHZ5P3GSSSNJ3DMEOJF7BMCCPZR3",
    "-",
]


def test_cdx_json_header_rows_and_resume_key() -> None:
    body = json.dumps([HEADER, ROW1, ROW2, [], ["org%2Carchive%29%2F+19971011050034%21"]])
    page = parse_cdx_json(body)
    assert [r.timestamp for r in page.rows] == ["19970126045828", "19971011050034"]
    assert page.resume_key == "org%2Carchive%29%2F+19971011050034%21"
    assert page.rows[0].statuscode == 200 and page.rows[0].length == 1415
    assert page.rows[1].statuscode is None and page.rows[1].length is None
    assert page.rows[1].is_capture  # revisit rows count as captures


def test_cdx_json_follows_the_header_row_order() -> None:
    header = ["timestamp", "statuscode", "original", "urlkey"]
    page = parse_cdx_json(json.dumps([header, ["20200101000000", "404", "http://x.org/", "k"]]))
    assert page.rows[0].statuscode == 404 and not page.rows[0].is_capture
    assert page.rows[0].original == "http://x.org/"


@pytest.mark.parametrize("body", ["", "  \n", "[]"])
def test_cdx_json_empty_means_no_captures(body: str) -> None:
    page = parse_cdx_json(body)
    assert page.rows == () and page.resume_key is None


def test_cdx_json_drops_adjacent_duplicates_and_malformed_rows() -> None:
    bad = ["k", "notadate", "http://x/", "text/html", "200", "D", "1"]
    page = parse_cdx_json(json.dumps([HEADER, ROW1, ROW1, bad, ROW2]))
    assert len(page.rows) == 2


@pytest.mark.parametrize("body", ["<html>429</html>", '{"a": 1}', "[1, 2]"])
def test_cdx_json_garbage_is_an_unexpected_format(body: str) -> None:
    with pytest.raises(UnexpectedFormat):
        parse_cdx_json(body)


def test_cdx_plain_text_with_resume_key() -> None:
    text = (
        "com,cnn)/ 20010414005939 http://www.cnn.com:80/ text/html 200 "
        "JQZ3XM634OHM66ABV7J7NA7TOXUV34MS 13030\n"
        "\n"
        "com%2Ccnn%29%2F+2001041400593%3A\n"
    )
    page = parse_cdx_text(text)
    assert len(page.rows) == 1 and page.rows[0].length == 13030
    assert page.resume_key == "com%2Ccnn%29%2F+2001041400593%3A"


def test_cdx_plain_text_without_key() -> None:
    line = " ".join(ROW1)
    page = parse_cdx_text(f"{line}\n{line}\n")
    assert len(page.rows) == 1 and page.resume_key is None


def test_default_ports_are_dropped_from_replay_urls() -> None:
    assert strip_default_port("http://www.nasa.gov:80/") == "http://www.nasa.gov/"
    assert strip_default_port("https://x.org:443/a") == "https://x.org/a"
    assert strip_default_port("http://x.org:8080/a") == "http://x.org:8080/a"
    row = CdxRow("k", "20200101000000", "http://x.org:80/p?q=1", "text/html", 200, "D", 1)
    snap = row_snapshot("https://web.archive.org/", row)
    assert snap.url == "https://web.archive.org/web/20200101000000/http://x.org/p?q=1"
    assert replay_url("https://w", "1", "http://a/", "id_") == "https://w/web/1id_/http://a/"


def test_availability_found_with_echoed_fields_and_string_status() -> None:
    body = (
        '{"url": "example.com", "archived_snapshots": {"closest": {"status": "200", '
        '"available": true, "url": "http://web.archive.org/web/20060101213916/'
        'http://example.com:80/", "timestamp": "20060101213916"}}, "timestamp": "20060101"}'
    )
    closest = parse_availability(body)
    assert closest == Closest(
        True,
        "http://web.archive.org/web/20060101213916/http://example.com:80/",
        "20060101213916",
        "200",
    )
    snap = closest_snapshot("https://wb.test", closest)
    assert snap is not None
    # Rebuilt on our configured base, https, no :80.
    assert snap.url == "https://wb.test/web/20060101213916/http://example.com/"
    assert snap.status == 200


def test_availability_empty_and_jsonp() -> None:
    assert parse_availability('{"url": "x", "archived_snapshots": {}, "timestamp": "1994"}') is None
    jsonp = (
        'cb({"archived_snapshots": {"closest": {"available": true, "status": "302", '
        '"url": "http://web.archive.org/web/20200101000000/http://x/", '
        '"timestamp": "20200101000000"}}})'
    )
    closest = parse_availability(jsonp)
    assert closest is not None and closest.status == "302"
    snap = closest_snapshot("https://w", closest)
    assert snap is not None and snap.status == 302


def test_availability_unavailable_snapshot_is_dropped() -> None:
    closest = Closest(
        False, "http://web.archive.org/web/20200101000000/http://x/", "20200101000000", "200"
    )
    assert closest_snapshot("https://w", closest) is None
    assert closest_snapshot("https://w", Closest(True, "ftp://x", "20200101000000", "200")) is None


@pytest.mark.parametrize("body", ["<html><h1>429 Too Many Requests</h1></html>", "[]", "{}"])
def test_availability_garbage_raises(body: str) -> None:
    with pytest.raises(UnexpectedFormat):
        parse_availability(body)
