"""Build hook: compile the report's message catalogues (.po -> .mo) into the package.

Runs on every build, editable installs (`make venv`) included, so a fresh
machine gets working catalogues; the .mo files are build output (gitignored,
shipped in wheels as artifacts).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CatalogueBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        from babel.messages.mofile import write_mo  # noqa: PLC0415 - a build dependency only
        from babel.messages.pofile import read_po  # noqa: PLC0415

        for po in sorted(Path(self.root, "audit", "report", "locale").glob("*/LC_MESSAGES/*.po")):
            with po.open("rb") as fh:
                catalog = read_po(fh, locale=po.parent.parent.name)
            with po.with_suffix(".mo").open("wb") as fh:
                write_mo(fh, catalog)
        build_data.setdefault("artifacts", []).append("audit/report/locale/*/LC_MESSAGES/*.mo")
