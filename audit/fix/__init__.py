"""fix step: corrected copies of documents, a correction sheet, and suggestions.

    k = knowledge(statuses, suggestions)                  # pure: what the registry knows
    fixed = fix_document(path, k, Style.REPLACE)          # corrected bytes + sheet rows
    write_all([fixed], out_dir, in_place=False)           # atomic; only when all are ready
    found = await suggest(failing(statuses), hosts, check_settings, archive_settings)

Dead -> the verified archive copy (replaced, or noted beside the original);
moved -> the new address; malformed -> repaired; blocked, suspect and unknown
are left alone and listed.  Suggestions are shown, never applied unless accepted.
"""

from audit.fix.document import Fixed, fix_document
from audit.fix.model import Action, Decision, Level, Row, Style, Suggestion, SuggestionKind
from audit.fix.output import write_all
from audit.fix.plan import Knowledge, decide, knowledge
from audit.fix.suggest import Failing, failing, suggest

__all__ = [
    "Action",
    "Decision",
    "Failing",
    "Fixed",
    "Knowledge",
    "Level",
    "Row",
    "Style",
    "Suggestion",
    "SuggestionKind",
    "decide",
    "failing",
    "fix_document",
    "knowledge",
    "suggest",
    "write_all",
]
