"""Properties: normalising never raises (errors are data) and is idempotent."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from audit.models import UrlKind
from audit.urls import host_to_ascii, is_domain_like, normalize, registrable_domain

# Pieces that exercise the repair rules far more often than random text does.
_PIECES = st.sampled_from(
    [
        "http",
        "https",
        "hxxp",
        "htttp",
        "HTTP",
        ":",
        "://",
        "//",
        ":/",
        ";//",
        "\\\\",
        " ",
        "\n",
        "\u00ad",
        "\u200b",
        "\u00a0",
        "\u202e",
        "www.",
        "x",
        "ru",
        ".",
        "..",
        "рф",
        "дети",
        "президент",
        "персональные",
        "данные",
        "faß",
        "xn--",
        "xn--p1ai",
        "-",
        "_",
        "@",
        "info",
        "mailto:",
        "ftp://",
        "javascript:",
        "/",
        "?",
        "#",
        "#!",
        "=",
        "&",
        "&amp;",
        "%",
        "%2F",
        "%7e",
        "%zz",
        "(",
        ")",
        "[",
        "]",
        "«",
        "»",
        "“",
        "”",
        '"',
        "'",
        "<",
        ">",
        ".",
        ",",
        "…",
        ":80",
        ":443",
        ":8080",
        "[::1]",
        "127.0.0.1",
        "0x7f.1",
        "3.5",
        "report.pdf",
        "ｈｔｔｐ",
        "ﬁ",
        "‐",
        "a",
        "Путь",
        "é",
        "☃",
        "\t",
        "URL:",
        "doi:10.1/x",
    ]
)
_TEXT = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(_PIECES, st.text(max_size=3)), max_size=14).map("".join),
)
_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(_TEXT)
def test_never_raises_and_errors_are_data(text: str) -> None:
    n = normalize(text)
    assert n.input == text
    assert n.error is None or not n.error.startswith("internal error"), n.error
    if n.url is None:
        assert n.error is not None
    else:
        assert n.url.isascii() and " " not in n.url
        assert n.key is not None and n.display is not None
    if n.kind == UrlKind.NOT_A_URL:
        assert n.url is None
    assert n.url not in n.alternatives
    assert all(alt.isascii() for alt in n.alternatives)


@_SETTINGS
@given(_TEXT)
@example("//HTP//")  # found by hypothesis: a host named like a scheme typo
@example("//HTTP//0")
@example("http://htp//")
@example("ftp:// \U0008cb61\x881H")  # white space before an ftp host
@example("XN--.XN--P1AI")  # an invalid A-label: the display stays ASCII
def test_idempotent(text: str) -> None:
    n = normalize(text)
    if n.url is not None:
        again = normalize(n.url)
        assert again.url == n.url, (again.repairs, again.error)
        assert again.key == n.key
        assert again.kind == n.kind
        # The Unicode form shown to people leads back to the same request URL.
        assert n.display is not None
        assert normalize(n.display).url == n.url


@_SETTINGS
@given(st.text(max_size=40))
def test_host_helpers_total(host: str) -> None:
    ascii_host = host_to_ascii(host)
    assert ascii_host is None or (ascii_host.isascii() and " " not in ascii_host)
    domain = registrable_domain(host)
    assert domain is None or is_domain_like(host)
