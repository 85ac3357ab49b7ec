"""The vocabulary of `audit fix`: what to do with each citation, and why (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from audit.models import Level, Location, Suggestion, SuggestionKind, Verdict, level

__all__ = [  # the suggestion vocabulary lives in audit.models (ReportData carries it)
    "Action",
    "Decision",
    "Level",
    "Row",
    "Style",
    "Suggestion",
    "SuggestionKind",
    "level",
]


class Style(StrEnum):
    """How a dead link gets its archive copy."""

    REPLACE = "replace"  # the link points at the archive copy
    APPEND = "append"  # the original stays; "(archived from the original on DATE)" follows


class Action(StrEnum):
    """What the corrected copy does with a citation."""

    REPAIR = "repair"  # malformed as written: the repaired address
    ARCHIVE = "archive"  # dead: the verified archive copy
    MOVED = "moved"  # moved: the new address
    REPLACED = "replaced"  # the registry records a replacement a person accepted
    SUGGESTED = "suggested"  # a suggestion applied by --accept-suggestions
    NONE = "none"  # left alone (listed in the sheet)


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with every citation of one resource (or of an unknown address)."""

    action: Action
    url: str | None  # the address the copy should use (None: leave it)
    why: str  # verdict and evidence, one sentence
    confidence: Level = Level.HIGH
    resource_id: str | None = None
    verdict: Verdict | None = None
    archived_on: str | None = None  # YYYY-MM-DD of the archive copy (ARCHIVE)
    original: str | None = None  # the address as the registry knows it
    suggestions: tuple[Suggestion, ...] = ()

    @property
    def changes(self) -> bool:
        return self.action is not Action.NONE and self.url is not None


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the correction sheet: one citation in one document."""

    document: str
    location: Location
    section: str | None
    cited: str  # as written
    decision: Decision
    applied: bool  # the corrected copy carries the change (False for PDFs, dry runs, misses)
