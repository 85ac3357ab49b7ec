"""Starting a project (`audit init`), the GitHub Action's step, the Python API."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from audit import api
from audit.check import CheckSettings
from audit.cli import main
from audit.registry import load_registry
from tests.servers.web import Reply, WebServer

ROOT = Path(__file__).resolve().parents[2]
PAGE = "<title>Ok</title><p>" + "Real content here. " * 40 + "</p>"


def test_init_makes_a_project_that_runs_and_never_overwrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path / "p")]) == 0
    registry = load_registry(tmp_path / "p" / "data" / "resources.yaml")
    assert registry.resources == () and registry.defaults.confirm_checks == 3
    assert (tmp_path / "p" / "documents").is_dir()
    capsys.readouterr()
    before = (tmp_path / "p" / "data" / "resources.yaml").read_bytes()
    assert main(["init", str(tmp_path / "p")]) == 3
    assert "refusing to overwrite" in capsys.readouterr().err
    assert (tmp_path / "p" / "data" / "resources.yaml").read_bytes() == before


def _action_env(tmp_path: Path, command: str, registry: Path, **more: str) -> dict[str, str]:
    # the step installs audit into RUNNER_TEMP/audit-venv; this checkout's venv stands in
    runner = tmp_path / "runner"
    runner.mkdir(exist_ok=True)
    venv = runner / "audit-venv"
    if not venv.exists():
        venv.symlink_to(Path(sys.prefix))
    return {
        **os.environ,
        "RUNNER_TEMP": str(runner),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "AUDIT_SOURCE": str(ROOT),
        "AUDIT_COMMAND": command,
        "AUDIT_REGISTRY": str(registry),
        "AUDIT_STORE": str(tmp_path / "audit.sqlite"),
        "AUDIT_REPORTS": str(tmp_path / "reports"),
        "AUDIT_ARGS": "--allow-private --canary localhost"
        + (" --no-archive" if command == "run" else ""),
        **more,
    }


def test_the_action_step_runs_and_maps_the_exit_code(tmp_path: Path, web: WebServer) -> None:
    web.route("/ok", Reply(200, PAGE))
    web.route("/gone", Reply(404, "<title>Not found</title>"))
    registry = tmp_path / "resources.yaml"
    registry.write_text(
        "resources:\n"
        f"  - {{id: ok, name: Ok, url: '{web.url('/ok')}'}}\n"
        f"  - {{id: gone, name: Gone, url: '{web.url('/gone')}'}}\n",
        encoding="utf-8",
    )
    script = ROOT / "scripts" / "action-run"
    done = subprocess.run(
        [script],
        env=_action_env(tmp_path, "run", registry),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "reports" / "status.html").is_file()
    assert "exit-code=0" in (tmp_path / "output").read_text()
    # check finds the 404: exit 2, a finding; the job fails only when asked to
    env = _action_env(tmp_path, "check", registry)
    done = subprocess.run([script], env=env, capture_output=True, timeout=120, check=False)
    assert done.returncode == 0 and "exit-code=2" in (tmp_path / "output").read_text()
    env["AUDIT_FAIL_ON_DEAD"] = "true"
    done = subprocess.run([script], env=env, capture_output=True, timeout=120, check=False)
    assert done.returncode == 2


def test_action_yml_uses_only_inputs_it_declares() -> None:
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    action = YAML(typ="safe").load(text)
    used = set(re.findall(r"inputs\.([a-z-]+)", text))
    assert used <= set(action["inputs"]), used - set(action["inputs"])
    assert action["runs"]["using"] == "composite"
    assert any("scripts/action-run" in str(s.get("run", "")) for s in action["runs"]["steps"])


def test_the_python_api(tmp_path: Path, web: WebServer) -> None:
    assert api.normalize("http: www.viro.edu.ru").url == "http://www.viro.edu.ru/"
    doc = tmp_path / "doc.txt"
    doc.write_text("See www.example.org/page for details.\n", encoding="utf-8")
    (found,) = api.extract(str(doc))  # a str path works as well as a Path
    assert found.normalized is not None and found.normalized.url == "http://www.example.org/page"
    web.route("/ok", Reply(200, PAGE))
    web.route("/gone", Reply(404, "<title>Not found</title>"))
    results = api.check(
        [web.url("/gone"), web.url("/ok")],
        CheckSettings(allow_private=True, retries=0, canaries=("localhost",)),
    )
    assert [r.classification.outcome.value for r in results] == ["not_found", "ok"]
    verdict = api.judge([api.Check.of(r.observation, r.classification) for r in results[:1]])
    assert verdict.verdict.value == "suspect"  # one failure is never dead


def test_merged_documents_are_named_relative_to_the_registry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "docs").mkdir()
    doc = tmp_path / "docs" / "reply.txt"
    doc.write_text("See www.example.org/page for details.\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path / "docs")  # the working directory is not the registry's
    reg = tmp_path / "data" / "resources.yaml"
    assert main(["init", str(tmp_path)]) == 0
    assert main(["extract", "reply.txt", "--into", str(reg)]) == 0
    capsys.readouterr()
    (resource,) = load_registry(reg).resources
    assert [s.document for s in resource.sources] == ["../docs/reply.txt"]
