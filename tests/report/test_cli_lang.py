"""`audit run --lang` and `audit report --lang` against a real loopback server, and
the report files' mode (the user's umask, not mkstemp's 0600)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from audit.cli import main
from tests.servers.web import Reply, WebServer

PAGE = "<html><head><title>Portail</title></head><body><p>{}</p></body></html>"


@pytest.fixture(name="umask")
def _umask() -> Iterator[None]:
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


def _registry(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "resources.yaml"
    path.write_text(
        "resources:\n"
        f"  - id: portal\n    name: Portail régional\n    url: http://portal.example.ru:{port}/\n"
        f"  - id: gone\n    name: Page disparue\n    url: http://gone.example.ru:{port}/gone\n"
        "  - id: named\n    name: Conseil des parents\n    url: null\n",
        encoding="utf-8",
    )
    return path


def test_run_and_report_in_french_and_russian(
    tmp_path: Path, web: WebServer, capsys: pytest.CaptureFixture[str], umask: None
) -> None:
    web.route("/", Reply(200, PAGE.format("Matériaux pour les parents. " * 30)))
    web.route("/gone", Reply(404, "<title>Not Found</title>"))
    reg, db, reports = _registry(tmp_path, web.port), tmp_path / "a.sqlite", tmp_path / "out"
    resolve = [
        a
        for host in ("portal.example.ru", "gone.example.ru")
        for a in ("--resolve", f"{host}:{web.port}:127.0.0.1")
    ]
    common = ["--registry", str(reg), "--db", str(db)]
    code = main(
        [
            "run",
            *common,
            "--reports",
            str(reports),
            "--no-archive",
            "--lang",
            "ru",
            *resolve,
            "--canary",
            "localhost",
        ]
    )
    assert code == 0, capsys.readouterr().err
    html = (reports / "status.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.html["lang"] == "ru"
    row = soup.find("tbody", id="r-gone").get_text(" ", strip=True)
    assert "Под подозрением" in row and "Не найдено" in row
    assert "not_found" not in html and "1 failures" not in html
    md = (reports / "status.md").read_text(encoding="utf-8")
    assert "Состояние ресурсов" in md
    # Published files: 0666 less the umask (027), not 0600.
    for path in reports.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o640, path

    capsys.readouterr()
    assert main(["report", *common, "--lang", "fr", "--format", "html"]) == 0
    page = BeautifulSoup(capsys.readouterr().out, "html.parser")
    assert page.html["lang"] == "fr"
    assert "Suspecte" in page.find("tbody", id="r-gone").get_text()
    assert "Citée sans adresse web" in page.get_text()

    assert main(["report", *common, "--lang", "de"]) == 3
    assert "invalid choice: 'de' (choose from 'en', 'fr', 'ru')" in capsys.readouterr().err
