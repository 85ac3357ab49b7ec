"""`audit fix` on documents the tests write, against a store of real runs (see conftest.py)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from audit.cli import main
from tests.fix.conftest import World

HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Reply of the Government</title>
<style>a {{ color: #036 }}</style></head>
<body>
<h2>Question 1</h2>
<p>The institute (<a  class="ext"
 href="http: www.viro.edu.ru:{port}">http: www.viro.edu.ru:{port}</a>)
publishes   materials; see also <A HREF='{sledcom}' title="committee"
>the committee&#39;s page</A>.</p>
<ul>
  <li>Family portal: {oldportal}</li>
  <li>Club: <a href="{closed}">{closed}</a></li>
  <li>Centre: <a href="{penza}">Penza PPMS centre</a></li>
  <li>Unknown: <a href="http://not-in-registry.example.org/x">elsewhere</a></li>
</ul>
<pre>curl {sledcom}</pre>
<script>var u = "{sledcom}";</script>
</body></html>
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def fill(w: World, template: str, **over: str) -> str:
    values = {
        "port": str(w.port),
        "viro": w.url("www.viro.edu.ru"),
        "sledcom": w.url("voronezh.sledcom.ru", "/gone"),
        "oldportal": w.url("www.old-portal.ru"),
        "newportal": w.url("www.new-portal.ru"),
        "closed": w.url("www.closed.ru"),
        "penza": w.url("www.ppms.edu-penzaa.ru"),
        "archived": w.archive.wayback_url
        + f"/web/20190507120000/{w.url('voronezh.sledcom.ru', '/gone')}",
    }
    values.update(over)
    return template.format(**values)


def sheet_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_html_replace_changes_only_the_links(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "reply.html"
    original = fill(world, HTML)
    doc.write_text(original, encoding="utf-8")
    out = tmp_path / "fixed"
    code, text, err = run(capsys, "fix", str(doc), "--out", str(out), *world.args())
    assert code == 0, err
    assert doc.read_text(encoding="utf-8") == original  # never the original
    # Everything but the changed attribute values and texts is byte for byte the same:
    expected = original.replace(
        f'href="http: www.viro.edu.ru:{world.port}">http: www.viro.edu.ru:{world.port}</a>',
        f'href="{world.url("www.viro.edu.ru")}">{world.url("www.viro.edu.ru")}</a>',
    )
    expected = expected.replace(f"HREF='{fill(world, '{sledcom}')}'", "HREF='{}'".format(
        fill(world, "{archived}")))  # fmt: skip
    expected = expected.replace(
        f"Family portal: {fill(world, '{oldportal}')}",
        f"Family portal: {fill(world, '{newportal}')}",
    )
    assert (out / "reply.html").read_bytes() == expected.encode("utf-8")
    assert f'var u = "{fill(world, "{sledcom}")}"' in expected  # scripts are not text
    assert f"<pre>curl {fill(world, '{sledcom}')}</pre>" in expected  # nor code
    rows = {r["cited"]: r for r in sheet_rows(out / "reply.html.corrections.csv")}
    assert rows[fill(world, "{closed}")]["action"] == "none"
    assert rows[fill(world, "{closed}")]["verdict"] == "blocked"
    assert "left alone" in rows[fill(world, "{closed}")]["why"]
    unknown = rows["http://not-in-registry.example.org/x"]
    assert (unknown["action"], unknown["resource"]) == ("none", "")
    assert "not in the registry" in unknown["why"]
    listed = sheet_rows(out / "reply.html.corrections.csv")
    dead = [r for r in listed if r["cited"] == fill(world, "{sledcom}")]
    assert [(r["action"], r["applied"], r["archived_on"]) for r in dead] == [
        ("archive", "yes", "2019-05-07"),  # the link
        ("archive", "no", "2019-05-07"),  # the example in <pre>: listed, not edited
    ]
    assert rows[fill(world, "{oldportal}")]["action"] == "moved"
    assert "reply.html: 9 citations" in text or "reply.html:" in text
    for suffix in ("md", "html"):
        assert (
            "not-in-registry.example.org" in (out / f"reply.html.corrections.{suffix}").read_text()
        )


def test_html_append_keeps_the_original_and_adds_the_archive(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "reply.html"
    original = fill(world, HTML)
    doc.write_text(original, encoding="utf-8")
    out = tmp_path / "fixed"
    code, _, err = run(
        capsys, "fix", str(doc), "--out", str(out), "--style", "append", *world.args()
    )
    assert code == 0, err
    fixed = (out / "reply.html").read_text(encoding="utf-8")
    note = (
        f"the committee&#39;s page</A>"
        f' (<a href="{fill(world, "{archived}")}">archived</a> from the original on 2019-05-07)'
    )
    assert note in fixed
    assert f"HREF='{fill(world, '{sledcom}')}'" in fixed  # the original link stays


MARKDOWN = """# Reply

* The institute: [http: www.viro.edu.ru:{port}](http://www.viro.edu.ru:{port}/) and
  the committee's [page]({sledcom} "Committee").
* Portal:   {oldportal}
* Club: <{closed}>

```
{sledcom}
```

Use `{oldportal}` as written.

[ref]: {sledcom}
"""


def test_markdown_keeps_layout_code_and_inline_code(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "notes.md"
    original = fill(world, MARKDOWN)
    doc.write_text(original, encoding="utf-8")
    out = tmp_path / "fixed"
    code, _, err = run(capsys, "fix", str(doc), "--out", str(out), *world.args())
    assert code == 0, err
    fixed = (out / "notes.md").read_text(encoding="utf-8")
    archived, sledcom = fill(world, "{archived}"), fill(world, "{sledcom}")
    expected = original.replace(f'[page]({sledcom} "Committee")', f'[page]({archived} "Committee")')
    expected = expected.replace(f"[ref]: {sledcom}", f"[ref]: {archived}")
    expected = expected.replace(
        f"Portal:   {fill(world, '{oldportal}')}", f"Portal:   {fill(world, '{newportal}')}"
    )
    assert fixed == expected  # the fenced block and the inline code are untouched


def test_text_repairs_a_malformed_citation(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "reply.txt"
    original = fill(world, "Institute:\thttp: www.viro.edu.ru:{port}\r\nClub {closed}.\r\n")
    doc.write_bytes(original.encode("cp1251"))
    out = tmp_path / "fixed"
    code, _, err = run(capsys, "fix", str(doc), "--out", str(out), *world.args())
    assert code == 0, err
    expected = original.replace(f"http: www.viro.edu.ru:{world.port}", world.url("www.viro.edu.ru"))
    assert (out / "reply.txt").read_bytes() == expected.encode("cp1251")
    rows = sheet_rows(out / "reply.txt.corrections.csv")
    assert [(r["line"], r["action"], r["applied"]) for r in rows] == [
        ("1", "repair", "yes"),
        ("2", "none", "no"),
    ]
    assert "space-after-scheme" in rows[0]["why"]


def test_in_place_keeps_a_backup(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "reply.html"
    original = fill(world, HTML).encode("utf-8")
    doc.write_bytes(original)
    out = tmp_path / "sheets"
    code, _, err = run(capsys, "fix", str(doc), "--in-place", "--out", str(out), *world.args())
    assert code == 0, err
    assert (tmp_path / "reply.html.bak").read_bytes() == original
    assert doc.read_bytes() != original
    assert fill(world, "{archived}").encode() in doc.read_bytes()
    assert not (out / "reply.html").exists()
    assert (out / "reply.html.corrections.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reply.html", "reply.html.bak", "sheets"]


def test_dry_run_writes_nothing_and_json_lists_every_citation(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "reply.html"
    doc.write_text(fill(world, HTML), encoding="utf-8")
    out = tmp_path / "fixed"
    code, text, err = run(
        capsys, "fix", str(doc), "--out", str(out), "--dry-run", "--format", "json", *world.args()
    )
    assert code == 0, err
    assert not out.exists()
    data = json.loads(text)
    (sheet,) = data["documents"]
    assert sheet["document"] == str(doc) and sheet["output"] is None
    actions = {r["cited"]: r["action"] for r in sheet["rows"]}
    assert actions[fill(world, "{sledcom}")] == "archive"
    assert actions[fill(world, "{penza}")] == "none"  # dead, never archived: listed
    applied = [(r["cited"], r["applied"]) for r in sheet["rows"]]  # as the copy would be
    assert (fill(world, "{sledcom}"), True) in applied
    assert (fill(world, "{penza}"), False) in applied
    assert (fill(world, "{penza}"), True) not in applied
    assert {"page", "line", "section", "why", "confidence", "suggestions"} <= set(sheet["rows"][0])


class TestBadInput:
    def test_an_unreadable_document_stops_before_anything_is_written(
        self, world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        good = tmp_path / "reply.html"
        good.write_text(fill(world, HTML), encoding="utf-8")
        bad = tmp_path / "scan.bin"
        bad.write_bytes(b"\x00\x01\x02binary" * 100)
        out = tmp_path / "fixed"
        code, _, err = run(capsys, "fix", str(good), str(bad), "--out", str(out), *world.args())
        assert code == 3
        assert err.count("\n") == 1 and str(bad) in err
        assert not out.exists()

    def test_legacy_word_is_unsupported(
        self, world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        doc = tmp_path / "old.doc"
        doc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
        code, _, err = run(capsys, "fix", str(doc), "--out", str(tmp_path / "o"), *world.args())
        assert code == 3 and str(doc) in err and ".docx" in err
        assert not (tmp_path / "o").exists()

    def test_a_missing_document(
        self, world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        code, _, err = run(capsys, "fix", str(tmp_path / "nope.md"), *world.args())
        assert code == 3 and "nope.md" in err


def test_in_place_leaves_an_unchanged_document_alone(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "club.md"
    doc.write_text(fill(world, "Club: {closed}\n"), encoding="utf-8")
    stat = doc.stat()
    code, _, err = run(
        capsys, "fix", str(doc), "--in-place", "--out", str(tmp_path / "s"), *world.args()
    )
    assert code == 0, err
    assert not (tmp_path / "club.md.bak").exists()
    assert doc.stat().st_mtime_ns == stat.st_mtime_ns and doc.stat().st_ino == stat.st_ino
    assert (tmp_path / "s" / "club.md.corrections.csv").exists()


def test_markdown_and_text_append(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    md, txt = tmp_path / "a.md", tmp_path / "a.txt"
    md.write_text(fill(world, "See [page]({sledcom}) or {sledcom}.\n"), encoding="utf-8")
    txt.write_text(fill(world, "See {sledcom}.\n"), encoding="utf-8")
    out = tmp_path / "fixed"
    code, _, err = run(
        capsys, "fix", str(md), str(txt), "--out", str(out), "--style", "append", *world.args()
    )
    assert code == 0, err
    archived, day = fill(world, "{archived}"), "2019-05-07"
    assert (out / "a.md").read_text(encoding="utf-8") == fill(
        world,
        f"See [page]({{sledcom}}) ([archived]({archived}) from the original on {day}) or "
        f"{{sledcom}} ([archived]({archived}) from the original on {day}).\n",
    )
    assert (out / "a.txt").read_text(encoding="utf-8") == fill(
        world, f"See {{sledcom}} (archived at {archived} from the original on {day}).\n"
    )
