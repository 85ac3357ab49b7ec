"""The link-format parser (RFC 8288 syntax, RFC 7089 relations) on real-shaped TimeMaps."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from audit.archive.memento import Link, parse_link_format, read_timemap

RFC_EXAMPLE = """<http://a.example.org>;rel="original",
<http://arxiv.example.net/timemap/http://a.example.org>
  ; rel="self";type="application/link-format"
  ; from="Tue, 20 Jun 2000 18:02:59 GMT"
  ; until="Wed, 09 Apr 2008 20:30:51 GMT",
<http://arxiv.example.net/timegate/http://a.example.org>
  ; rel="timegate",
<http://arxiv.example.net/web/20000620180259/http://a.example.org>
  ; rel="first memento";datetime="Tue, 20 Jun 2000 18:02:59 GMT"
  ; license="http://creativecommons.org/publicdomain/zero/1.0/",
<http://arxiv.example.net/web/20091027204954/http://a.example.org>
  ; rel="last memento";datetime="Tue, 27 Oct 2009 20:49:54 GMT"
  ; license="http://creativecommons.org/publicdomain/zero/1.0/",
<http://arxiv.example.net/web/20000621011731/http://a.example.org>
  ; rel="memento";datetime="Wed, 21 Jun 2000 01:17:31 GMT"
  ; license="http://creativecommons.org/publicdomain/zero/1.0/"
"""

IA_LINK_HEADER = (
    '<https://www.fws.gov/birds/>; rel="original", '
    '<https://web.archive.org/web/timemap/link/https://www.fws.gov/birds/>; rel="timemap"; '
    'type="application/link-format", '
    '<https://web.archive.org/web/https://www.fws.gov/birds/>; rel="timegate", '
    "<https://web.archive.org/web/20050323155300/http://www.fws.gov:80/birds>; "
    'rel="first memento"; datetime="Wed, 23 Mar 2005 15:53:00 GMT", '
    '<https://web.archive.org/web/20171124151315/https://www.fws.gov/birds/>; rel="memento"; '
    'datetime="Fri, 24 Nov 2017 15:13:15 GMT"'
)


def test_rfc_7089_example() -> None:
    links = parse_link_format(RFC_EXAMPLE)
    assert len(links) == 6
    assert links[0] == Link("http://a.example.org", (("rel", "original"),))
    self_link = links[1]
    assert self_link.rels == {"self"}
    assert self_link.get("type") == "application/link-format"
    assert self_link.get("until") == "Wed, 09 Apr 2008 20:30:51 GMT"
    assert links[3].rels == {"first", "memento"}
    assert links[3].datetime == datetime(2000, 6, 20, 18, 2, 59, tzinfo=UTC)
    assert links[5].get("license") == "http://creativecommons.org/publicdomain/zero/1.0/"


def test_ia_link_header() -> None:
    links = parse_link_format(IA_LINK_HEADER)
    assert [sorted(link.rels) for link in links] == [
        ["original"],
        ["timemap"],
        ["timegate"],
        ["first", "memento"],
        ["memento"],
    ]
    assert (
        links[3].target == "https://web.archive.org/web/20050323155300/http://www.fws.gov:80/birds"
    )


def test_commas_and_semicolons_inside_quotes_and_targets() -> None:
    text = (
        '<http://x.org/a,b;c>; rel="memento"; title="one, two; three"; '
        'datetime="Sun, 17 Jul 2016 05:34:07 GMT", <http://x.org/next>; rel=next'
    )
    links = parse_link_format(text)
    assert [link.target for link in links] == ["http://x.org/a,b;c", "http://x.org/next"]
    assert links[0].get("title") == "one, two; three"
    assert links[0].datetime == datetime(2016, 7, 17, 5, 34, 7, tzinfo=UTC)
    assert links[1].rels == {"next"}


def test_escapes_case_unquoted_tokens_and_first_rel_wins() -> None:
    text = r'<u1>;REL=Memento;Datetime="Sun, 17 Jul 2016 05:34:07 GMT";title="a \"q\" b";rel=x'
    (link,) = parse_link_format(text)
    assert link.rels == {"memento"}
    assert link.get("title") == 'a "q" b'
    assert link.datetime is not None


def test_trailing_commas_blank_lines_junk_and_empty_input() -> None:
    assert parse_link_format("") == []
    assert parse_link_format(" ,\n, ") == []
    links = parse_link_format('junk <a>; rel="original",,\n\n<b>; rel="memento"; flag,\n')
    assert [link.target for link in links] == ["a", "b"]
    assert links[1].get("flag") == ""


def test_read_timemap_resolves_relative_targets_and_finds_more_pages() -> None:
    text = (
        '</orig>; rel="original", </tm/1>; rel="self"; type="application/link-format", '
        '</tm/2>; rel="next"; type="application/link-format", '
        '</tm/index-b>; rel="timemap"; type="application/link-format"; from="x", '
        '</w/20200101000000/x>; rel="next memento"; datetime="Wed, 01 Jan 2020 00:00:00 GMT", '
        '</w/20190101000000/x>; rel="prev memento"; datetime="Tue, 01 Jan 2019 00:00:00 GMT", '
        '</w/nodate/x>; rel="memento"'
    )
    timemap, more = read_timemap(parse_link_format(text), "http://arch.test/tm/1")
    assert more == ["http://arch.test/tm/2", "http://arch.test/tm/index-b"]
    assert [m.uri for m in timemap.mementos] == [
        "http://arch.test/w/20200101000000/x",
        "http://arch.test/w/20190101000000/x",
    ]
    assert timemap.original == "/orig"


_token = st.text("abcdefghijklmnopqrstuvwxyz0123456789-._", min_size=1, max_size=12)
_value = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)
_target = (
    st.text(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="<>"),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)


@given(st.lists(st.tuples(_target, st.lists(st.tuples(_token, _value), max_size=4)), max_size=5))
def test_serialised_links_parse_back(entries: list[tuple[str, list[tuple[str, str]]]]) -> None:
    def quote(v: str) -> str:
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'

    text = ",\n ".join(
        f"<{target}>" + "".join(f" ;\n {k}={quote(v)}" for k, v in params)
        for target, params in entries
    )
    parsed = parse_link_format(text)
    assert [(link.target, list(link.params)) for link in parsed] == [
        (target, params) for target, params in entries
    ]
