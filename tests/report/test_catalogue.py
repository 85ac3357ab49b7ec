"""The report's languages: no message missing from a catalogue, and every sentence
classify and judge can write has a translation entry.

New sentence in audit/judge.py or audit/check/classify.py? Add a `Sentence` to
audit/report/_sentences.py, run `scripts/update-catalogues`, translate the new
fr and ru entries; these tests say which one is missing.
"""

from __future__ import annotations

import ast
import gettext
import importlib
from pathlib import Path

import pytest

from audit.report import _sentences
from audit.report._catalogue import extract, po_path, problems, translated_langs
from audit.report._i18n import translator
from tests.report.realistic import realistic

SOURCES = tuple(
    Path(str(importlib.import_module(m).__file__)) for m in ("audit.judge", "audit.check.classify")
)
# f-strings of those modules that are not sentences a report shows, and why.
NOT_SENTENCES = {
    "{}:{}": "classify.rules_stamp: a cache key",
    "{}/{}/{}/{}/{}": "judge.Policy's stamp: a cache key",
    ", ": "a separator of listed outcomes",
}


def test_every_message_is_translated_in_every_language() -> None:
    template = extract()
    assert len(template) > 200  # the extraction found the templates and modules
    found = [p for lang in translated_langs() for p in problems(template, lang)]
    assert found == []


def test_a_missing_translation_is_caught(tmp_path: Path) -> None:
    # The check itself can fail: a catalogue without one message is reported.
    template = extract()
    template.add("A message nobody translated")
    found = [p for lang in translated_langs() for p in problems(template, lang)]
    for lang in ("fr", "ru"):
        assert f"{lang}: missing 'A message nobody translated'" in found


@pytest.mark.parametrize("lang", translated_langs())
def test_the_compiled_catalogue_is_the_po(lang: str) -> None:
    # The build (hatch_build.py) compiled the .po this checkout has, not an older one.
    mo = po_path(lang).with_suffix(".mo")
    assert mo.exists(), "run `make venv`: the install compiles the catalogues"
    with mo.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    tr = translator(lang)
    for msg in extract():
        if msg.id and isinstance(msg.id, str):
            assert compiled.gettext(msg.id) == tr.catalog.gettext(msg.id) != ""


def _source_shapes(path: Path) -> set[str]:
    """Each f-string of a module as a shape ("HTTP {} but {}"), and the plain strings
    given to Classification/Judgement or kept in a table keyed by an Outcome."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    specs = {
        id(n.format_spec)
        for n in ast.walk(tree)
        if isinstance(n, ast.FormattedValue) and n.format_spec is not None
    }
    shapes = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and id(node) not in specs:
            shapes.add(
                "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            )
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") in (
            "Classification",
            "Judgement",
        ):
            shapes |= _constants(node)
        elif isinstance(node, ast.Dict) and any(
            isinstance(k, ast.Attribute) and getattr(k.value, "id", "") == "Outcome"
            for k in node.keys
        ):
            shapes |= {v.value for v in node.values if isinstance(v, ast.Constant)}
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and isinstance(node.func.value, ast.Dict)
        ):
            shapes |= {a.value for a in node.args[1:] if isinstance(a, ast.Constant)}
    return {s for s in shapes if isinstance(s, str)}


def _constants(node: ast.AST) -> set[str]:
    """Plain strings in `node` that read as words (not the pieces of an f-string)."""
    pieces = {id(v) for n in ast.walk(node) if isinstance(n, ast.JoinedStr) for v in n.values}
    return {
        n.value
        for n in ast.walk(node)
        if isinstance(n, ast.Constant)
        and isinstance(n.value, str)
        and " " in n.value
        and id(n) not in pieces
    }


def test_every_sentence_shape_of_classify_and_judge_has_an_entry() -> None:
    covered = {shape for s in _sentences.SENTENCES for shape in s.shapes}
    covered |= set(_sentences.PART_SHAPES) | set(NOT_SENTENCES)
    source = set().union(*map(_source_shapes, SOURCES))
    assert len(source) > 40  # the scan found them
    assert sorted(source - covered) == []


def test_the_shape_scan_sees_a_new_sentence(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "def f(n):\n    return Judgement(V, f'{n} brand new failures', x='a b')\n",
        encoding="utf-8",
    )
    assert _source_shapes(module) == {"{} brand new failures", "a b"}


def test_real_reasons_and_evidence_all_match_an_entry() -> None:
    data = realistic()
    texts = {rs.reason for rs in data.resources}
    for rs in data.resources:
        if rs.classification is not None and rs.observation is not None:
            # obs.detail is the system's own message (data), shown as written.
            texts |= set(rs.classification.evidence) - {rs.observation.detail}
    unmatched = sorted(t for t in texts if _sentences.match(t) is None)
    assert unmatched == []
    assert len(texts) > 25


@pytest.mark.parametrize("lang", ["en", "fr", "ru"])
def test_no_code_name_survives_translation(lang: str) -> None:
    data = realistic()
    codes = (
        "server_error",
        "connection_error",
        "dns_nxdomain",
        "not_found",
        "soft_404",
        "tls_error",
        "rate_limited",
        "redirect(s)",
        "parked-text",
    )
    for rs in data.resources:
        for text in (rs.reason, *(rs.classification.evidence if rs.classification else ())):
            shown = _sentences.sentence(text, lang)
            assert not any(code in shown for code in codes), (text, shown)


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "5 failures (not_found) over 4.0 days", "5 failures (not found) over 4 days"),
        ("fr", "5 failures (not_found) over 4.0 days", "5 échecs (introuvable) en 4 jours"),
        ("ru", "5 failures (not_found) over 4.0 days", "5 сбоев (не найдено) за 4 дня"),
        ("ru", "1 failures (not_found) over 0.5 days", "1 сбой (не найдено) за 0,5 дня"),
        (
            "ru",
            "22 failures (dns_nxdomain) over 21.0 days",
            "22 сбоя (домен не существует) за 21 день",
        ),
        ("en", "1 redirect(s) (301) to http://x/", "1 redirect (301) to http://x/"),
        (
            "fr",
            "answered before, now server_error",
            "répondait auparavant, désormais : erreur du serveur",
        ),
        (
            "en",
            "near-identical (0.97) to a random URL on the same host",
            "near-identical (0.97) to a made-up address on the same site",
        ),
        (
            "fr",
            "near-identical (0.97) to a random URL on the same host",
            "presque identique (0,97) à une adresse inventée sur le même site",
        ),
        ("en", "something no entry knows", "something no entry knows"),
    ],
)
def test_sentences_take_plural_forms_words_and_local_numbers(
    lang: str, text: str, expected: str
) -> None:
    assert _sentences.sentence(text, lang) == expected
