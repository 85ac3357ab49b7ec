"""Tool failures. Failures of a *link* are data (Observation), never exceptions.

AuditError
├── InputError        bad input: a registry, document or option (exit code 3)
│   ├── RegistryError   data/resources.yaml is invalid (names file and line)
│   └── DocumentError   a document cannot be read
├── StoreError        the store (SQLite or PostgreSQL) cannot be opened or reached,
│                     is locked or too new
└── OutputError       a report cannot be written
"""

from __future__ import annotations


class AuditError(Exception):
    """Base of every error the tool raises on purpose."""


class InputError(AuditError):
    """Bad input or configuration; the CLI prints one line and exits with 3."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = path if path is not None else ""
        if path is not None and line is not None:
            where = f"{path}:{line}"
        super().__init__(f"{where}: {message}" if where else message)


class RegistryError(InputError):
    """The registry file is not valid YAML or breaks the schema."""


class DocumentError(InputError):
    """A document is binary, encrypted or unreadable."""


class StoreError(AuditError):
    """The store cannot be opened, is busy with another run, or is from a newer version."""


class OutputError(AuditError):
    """A report or other output cannot be written."""
