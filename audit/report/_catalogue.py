"""The report's message catalogue: what the code asks to translate (extracted by
Babel from the report modules and templates), and the checks of a translation.

Used by `scripts/update-catalogues` (which writes locale/audit.pot and merges it
into each language's .po) and by tests/report/test_catalogue.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from audit.report._i18n import DOMAIN, LANGS, Lang

PACKAGE = Path(__file__).parent
LOCALE = PACKAGE / "locale"
KEYWORDS = {"_": None, "N_": None, "NP_": (1, 2), "ngettext": (1, 2), "n_": (1, 2)}
METHODS = [
    ("_*.py", "python"),
    ("templates/**.j2", "jinja2.ext:babel_extract"),
]


def extract() -> Catalog:
    """Every message of the report's code, with where it is used."""
    catalog = Catalog(project="audit", domain=DOMAIN, fuzzy=False)
    found = extract_from_dir(
        str(PACKAGE),
        METHODS,
        keywords=KEYWORDS,
        options_map={"templates/**.j2": {"trimmed": "false"}},
        comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
    )
    for filename, lineno, message, comments, context in found:
        catalog.add(
            message,
            None,
            [(f"audit/report/{filename}", lineno)],
            auto_comments=comments,
            context=context,
        )
    return catalog


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(lang: str) -> Catalog:
    with po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang, domain=DOMAIN)


def translated_langs() -> tuple[str, ...]:
    return tuple(lang for lang in LANGS if lang != Lang.EN)


def problems(template: Catalog, lang: str) -> Iterator[str]:
    """What is wrong with `lang`'s catalogue against `template`: missing, empty,
    fuzzy or obsolete messages, and placeholders that do not match."""
    catalog = read(lang)
    for msg in template:
        if not msg.id:
            continue
        have: Message | None = catalog.get(msg.id, msg.context)
        name = msg.id if isinstance(msg.id, str) else msg.id[0]
        if have is None:
            yield f"{lang}: missing {name!r}"
            continue
        strings = have.string if isinstance(have.string, tuple | list) else (have.string,)
        if not all(strings):
            yield f"{lang}: untranslated {name!r}"
        if have.fuzzy:
            yield f"{lang}: fuzzy {name!r}"
        for error in have.check(catalog):
            yield f"{lang}: {name!r}: {error}"
    for msg in catalog:
        if msg.id and template.get(msg.id, msg.context) is None:
            yield f"{lang}: obsolete {msg.id!r} (no longer in the code)"
