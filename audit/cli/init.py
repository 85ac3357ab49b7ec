"""`audit init`: a registry, a settings file and folders to start on one's own documents."""

from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path
from typing import TextIO

from audit.cli._options import EXIT_OK
from audit.errors import InputError

# (where, template): written only where nothing is, so init never overwrites work
FILES = (("data/resources.yaml", "resources.yaml"), ("data/audit.toml", "audit.toml"))
FOLDERS = ("documents", "reports")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("init", help="start a project: a registry, settings and folders")
    p.add_argument("folder", nargs="?", type=Path, default=Path("."), help="where to start")
    p.set_defaults(func=cmd_init)


def cmd_init(args: argparse.Namespace, out: TextIO) -> int:
    root: Path = args.folder
    taken = [where for where, _ in FILES if (root / where).exists()]
    if taken:
        raise InputError("already a project: refusing to overwrite it", path=str(root / taken[0]))
    templates = resources.files("audit.cli") / "templates"
    for where, name in FILES:
        path = root / where
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text((templates / name).read_text(encoding="utf-8"), encoding="utf-8")
        out.write(f"wrote {path}\n")
    for folder in FOLDERS:
        (root / folder).mkdir(parents=True, exist_ok=True)
    out.write(
        f"next: put your documents in {root / 'documents'}, then\n"
        f"  audit extract {root / 'documents'} --into {root / 'data/resources.yaml'} --dry-run\n"
    )
    return EXIT_OK
