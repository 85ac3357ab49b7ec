"""Generated ids: readable, unique slugs of a URL's host and path, or of a name."""

from __future__ import annotations

import re

from audit import urls


def _new_id(seed: str, taken: set[str]) -> str:
    """A readable, unique id: the host and path of a URL, or a name, transliterated."""
    n = urls.normalize(seed)
    text = n.display if n.display and " " not in seed else seed
    text = re.sub(r"^[a-z]+://(www\.)?", "", text.lower())
    slug = re.sub(r"[^a-z0-9]+", "-", text.translate(_TRANSLIT)).strip("-")[:48].strip("-")
    slug = slug or "resource"
    rid, number = slug, 2
    while rid in taken:
        rid, number = f"{slug}-{number}", number + 1
    taken.add(rid)
    return rid


_TRANSLIT = str.maketrans(
    {
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "g",
        "д": "d",
        "е": "e",
        "ё": "e",
        "ж": "zh",
        "з": "z",
        "и": "i",
        "й": "i",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "h",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "sch",
        "ъ": "",
        "ы": "y",
        "ь": "",
        "э": "e",
        "ю": "yu",
        "я": "ya",
    }
)
