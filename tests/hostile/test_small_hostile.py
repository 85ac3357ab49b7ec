"""Small hostile inputs: stray temporaries, bare URLs in Markdown, invalid and look-alike hosts."""

from __future__ import annotations

import multiprocessing
import os
import signal
import tempfile
from pathlib import Path

import pytest

from audit import urls
from audit.registry import write_atomic
from audit.report._markdown import md_link, md_text


def _killed_mid_write(path: str) -> None:
    """A writer that dies (SIGKILL) after creating and locking its temporary file."""
    import fcntl

    fd, _ = tempfile.mkstemp(prefix=f".{Path(path).name}.", suffix=".tmp", dir=Path(path).parent)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, b"half a regis")
    os.kill(os.getpid(), signal.SIGKILL)


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob(".resources.yaml.*.tmp"))


def test_a_killed_writers_temporary_is_removed_by_the_next_write(tmp_path: Path) -> None:
    path = tmp_path / "resources.yaml"
    path.write_text("resources: []\n", encoding="utf-8")
    ctx = multiprocessing.get_context("fork")
    child = ctx.Process(target=_killed_mid_write, args=(str(path),))
    child.start()
    child.join(10)
    assert child.exitcode == -signal.SIGKILL
    assert len(_temporaries(tmp_path)) == 1  # what a kill used to leave for good
    write_atomic(path, "resources: []\n# rewritten\n")
    assert _temporaries(tmp_path) == []
    assert path.read_text(encoding="utf-8").endswith("# rewritten\n")


def test_a_live_writers_temporary_is_left_alone(tmp_path: Path) -> None:
    import fcntl

    path = tmp_path / "resources.yaml"
    fd, name = tempfile.mkstemp(prefix=".resources.yaml.", suffix=".tmp", dir=tmp_path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as write_atomic holds it while writing
        write_atomic(path, "resources: []\n")
        assert Path(name).exists()
    finally:
        os.close(fd)


@pytest.mark.parametrize(
    "text",
    [
        "moved to http://evil.example/phish",
        "see HTTPS://Evil.Example/x",
        "www.evil-example.ru is the new site",
        "mail admin@evil.example",
        "ftp://files.example/x",
    ],
)
def test_bare_urls_in_markdown_text_are_not_autolinked(text: str) -> None:
    out = md_text(text)
    # GitHub's extended autolinks need `scheme://`, `www.` or `x@y` unbroken.
    for pattern in ("http://", "https://", "HTTPS://", "www.", "@evil", "ftp://"):
        assert pattern not in out, out
    assert out.replace("\u200b", "") == text  # only invisible marks added


def test_a_markdown_link_keeps_its_url_as_text() -> None:
    assert md_link(None, "http://h/a") == "[http://h/a](http://h/a)"


@pytest.mark.parametrize(
    ("url", "warning"),
    [
        ("http://---.ru/", "starts or ends with a hyphen"),
        ("http://-start.example.ru/", "starts or ends with a hyphen"),
        ("http://end-.example.ru/", "starts or ends with a hyphen"),
        ("http://" + ".".join(["a" * 60] * 5) + ".ru/", "characters long (at most 253)"),
        ("http://" + "-" * 16000 + ".ru/", "16000 characters long (at most 63)"),
        ("http://" + "b" * 64 + ".ru/", "64 characters long (at most 63)"),
    ],
)
def test_invalid_host_names_are_flagged_not_exact(url: str, warning: str) -> None:
    n = urls.normalize(url)
    assert n.confidence == "guess"
    assert any(w.startswith("invalid host name:") and warning in w for w in n.warnings), n.warnings


@pytest.mark.parametrize(
    "url", ["http://www.viro.edu.ru/", "http://a_b.example.ru/", "http://xn--d1acj3b.xn--p1ai/"]
)
def test_valid_hosts_stay_exact(url: str) -> None:
    n = urls.normalize(url)
    assert n.confidence == "exact" and not n.warnings, n


@pytest.mark.parametrize(
    ("url", "looks_like"),
    [
        ("http://ѕсоре.com/", "scope"),
        ("http://аррӏе.com/", "apple"),
        ("http://сосо.org/", "coco"),
    ],
)
def test_whole_script_cyrillic_look_alikes_are_warned(url: str, looks_like: str) -> None:
    n = urls.normalize(url)
    assert any("whole-script confusable" in w and repr(looks_like) in w for w in n.warnings), (
        n.warnings
    )


@pytest.mark.parametrize("url", ["http://сайт.рф/", "http://президент.рф/", "http://пример.com/"])
def test_cyrillic_names_that_do_not_look_latin_are_not_warned(url: str) -> None:
    n = urls.normalize(url)
    assert not any("whole-script" in w for w in n.warnings), n.warnings
