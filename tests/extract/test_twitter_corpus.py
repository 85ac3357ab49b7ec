"""twitter-text's `urls` extraction cases (shared/corpora/twitter-text/extract.yml).

Not a standard for us (corpora/README.md: "for ideas and regression checks"),
so the floor guards against regressions only.  Known differences, on purpose:
- `http:// example.com/path`: a space after the slashes is a repair (S2), not an end;
- scheme-ful hosts without a public suffix (`http://no-tld`) are left to the
  repair engine, as linkify-it's fixtures want (`http://inrgess2`);
- Twitter's own syntax: `#hashtag.com`, `$CASHTAG.CA`, a 140-character t.co limit;
- URLs glued to CJK text on both sides (`example.comだよね.comtest`).
"""

from __future__ import annotations

from ruamel.yaml import YAML

from audit.extract import extract_text
from audit.models import UrlKind
from tests.extract._shared import shared


def test_twitter_text_urls() -> None:
    data = YAML(typ="safe").load(shared("corpora", "twitter-text", "extract.yml"))
    cases = data["tests"]["urls"]
    passed = 0
    for case in cases:
        found = [
            c.raw
            for c in extract_text(case["text"], "extract.yml")
            if c.normalized is not None and c.normalized.kind is UrlKind.WEB
        ]
        passed += found == case["expected"]
    print(f"twitter-text extract.yml urls: {passed}/{len(cases)} passed")
    assert len(cases) > 80
    assert passed / len(cases) >= 0.70
