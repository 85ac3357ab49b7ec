"""Hostile DOCX files: a zip bomb and an entity bomb end in one line naming the
file, exit 3, in bounded memory (the real CLI in a child process, its peak RSS measured)."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import docx

# The child runs the CLI and reports its own peak RSS (KiB on Linux).
_PROBE = """
import resource, subprocess, sys, json
r = subprocess.run([sys.executable, "-m", "audit", "extract", sys.argv[1]],
                   capture_output=True, text=True, timeout=120)
print(json.dumps({"rc": r.returncode, "err": r.stderr,
                  "rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def _probe(path: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path)],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    result: dict[str, object] = json.loads(out.stdout)
    return result


def _plain_docx(path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("See https://example.org/a for details.")
    document.save(str(path))


def _replace_part(path: Path, out: Path, name: str, write: object) -> None:
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == name:
                with dst.open(name, "w", force_zip64=True) as f:
                    write(f)  # type: ignore[operator]
            else:
                dst.writestr(info, src.read(info))


def _rss_mib(result: dict[str, object]) -> float:
    return int(str(result["rss"])) / 1024


def _assert_refused(result: dict[str, object], path: Path, why: str, plain: Path) -> None:
    err = str(result["err"])
    assert result["rc"] == 3, err
    assert err.count("\n") == 1 and str(path) in err and why in err, err
    assert "Traceback" not in err
    # "extra" memory: beyond what reading an ordinary small .docx costs
    baseline = _rss_mib(_probe(plain))
    assert _rss_mib(result) <= baseline + 200, f"peak {_rss_mib(result):.0f} MiB, {baseline:.0f}"


def test_zip_bomb_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    plain = tmp_path / "plain.docx"
    _plain_docx(plain)
    bomb = tmp_path / "bomb.docx"
    head = b'<?xml version="1.0"?><w:document xmlns:w="x"><w:body>'
    chunk = b" " * (1 << 20)

    def write(f: object) -> None:
        f.write(head)  # type: ignore[attr-defined]
        for _ in range(600):  # 600 MiB of XML from a ~600 KiB file
            f.write(chunk)  # type: ignore[attr-defined]
        f.write(b"</w:body></w:document>")  # type: ignore[attr-defined]

    _replace_part(plain, bomb, "word/document.xml", write)
    assert bomb.stat().st_size < 4 * 2**20
    _assert_refused(_probe(bomb), bomb, "zip bomb", plain)


def test_entity_bomb_is_refused(tmp_path: Path) -> None:
    plain = tmp_path / "plain.docx"
    _plain_docx(plain)
    bomb = tmp_path / "laughs.docx"
    lol = [b'<!ENTITY lol0 "lol">'] + [
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10)
    ]
    body = zipfile.ZipFile(plain).read("word/document.xml")
    root = body.index(b"<w:document")
    xml = body[:root] + b"<!DOCTYPE w:document [" + b"".join(lol) + b"]>" + body[root:]
    xml = xml.replace(b"See https", b"&lol9; See https")
    _replace_part(plain, bomb, "word/document.xml", lambda f: f.write(xml))
    _assert_refused(_probe(bomb), bomb, "entity", plain)


def test_ordinary_docx_still_reads(tmp_path: Path) -> None:
    plain = tmp_path / "plain.docx"
    _plain_docx(plain)
    result = _probe(plain)
    assert result["rc"] == 0, result["err"]
