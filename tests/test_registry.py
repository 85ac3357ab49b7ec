"""The registry: validation with file:line errors, round-trip merges, atomic writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from audit.errors import RegistryError
from audit.models import Citation, Location
from audit.registry import _load as registry_module  # where load_registry looks up _parse_yaml
from audit.registry import load_registry, merge_into, write_atomic
from audit.store import open_store

ROOT = Path(__file__).resolve().parents[1]

GOOD = """\
# hand-written comment that must survive
defaults:
  confirm_checks: 2
resources:
  - id: one   # trailing comment
    name: First
    url: http://one.example/
  - id: two
    name: Second
    url: null
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "resources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


class TestSeedRegistry:
    def test_seed_registry_is_valid(self) -> None:
        reg = load_registry(ROOT / "data" / "resources.yaml")
        with_url = [r for r in reg.resources if r.url]
        assert len(with_url) == 12
        assert len({r.url for r in with_url}) == 12
        assert len(reg.resources) - len(with_url) >= 5  # organisations named without address
        assert reg.defaults.confirm_checks == 3

    def test_seed_repairs_are_recorded(self) -> None:
        reg = load_registry(ROOT / "data" / "resources.yaml")
        viro = reg.find("vologda-viro")
        assert viro is not None and viro.cited_as == "http: www.viro.edu.ru"
        assert viro.url == "http://www.viro.edu.ru/"
        idn = reg.find("roskomnadzor-personal-data-children")
        assert idn is not None
        assert idn.url == "http://www.xn--80aalcbc2bocdadlpp9nfk.xn--d1acj3b/"
        assert idn.display == "http://www.персональныеданные.дети/"
        assert idn.cited_as == "www.персональные данные.дети"
        assert idn.sources[0].line == 113

    def test_find_by_url_spelling(self) -> None:
        reg = load_registry(ROOT / "data" / "resources.yaml")
        found = reg.find("http://36edu.ru/")
        assert found is not None and found.id == "voronezh-36edu"


class TestBadRegistry:
    @pytest.mark.parametrize(
        ("text", "line", "message"),
        [
            ("resources:\n  - id: a\n    name: [unclosed\n", 4, "YAML syntax error"),
            ("resources:\n  - name: A\n    url: http://a.example/\n", 2, "no 'id'"),
            ("resources:\n  - id: a\n    name: A\n", 2, "no 'url'"),
            (
                "resources:\n  - id: a\n    name: A\n    url: null\n  - id: a\n    name: B\n"
                "    url: null\n",
                5,
                "duplicate id 'a'",
            ),
            (
                "resources:\n  - id: a\n    name: A\n    url: null\n    colour: red\n",
                5,
                "unknown field 'colour'",
            ),
            ("resourcez: []\n", 1, "unknown top-level field"),
            (
                "resources:\n  - id: a\n    name: A\n    url: 'mailto:x@y.ru'\n",
                4,
                "not a web address",
            ),
        ],
    )
    def test_one_line_error_with_file_and_line(
        self, tmp_path: Path, text: str, line: int, message: str
    ) -> None:
        path = write(tmp_path, text)
        with pytest.raises(RegistryError) as info:
            load_registry(path)
        text_of = str(info.value)
        assert text_of.startswith(f"{path}:{line}: "), text_of
        assert message in text_of
        assert "\n" not in text_of

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(RegistryError, match="not found"):
            load_registry(tmp_path / "nope.yaml")


@dataclass(frozen=True)
class Cited:
    key: str
    url: str | None
    display: str | None
    context: str | None
    region: str | None
    occurrences: tuple[Citation, ...] = field(default=())


@dataclass(frozen=True)
class Named:
    name: str
    kind: str | None = "ngo"
    region: str | None = None
    source: str = "doc.txt"
    location: Location = Location(line=7)
    section: str | None = None
    snippet: str = 'project with the "Road to Home" in the city of Cherepovets'
    nearby_url: str | None = None


def cited(url: str, line: int, context: str | None = None) -> Cited:
    from audit import urls

    n = urls.normalize(url)
    assert n.key is not None
    c = Citation(raw=url, source="doc.txt", location=Location(line=line), normalized=n)
    return Cited(n.key, n.url, n.display, context, None, (c,))


class TestMerge:
    def test_merge_keeps_comments_and_adds(self, tmp_path: Path) -> None:
        path = write(tmp_path, GOOD)
        report = merge_into(
            path,
            [cited("http://one.example/", 3), cited("http://new.example/x", 9, "New Org")],
            [Named("Road to Home"), Named("Sisters", nearby_url="http://new.example/x")],
        )
        text = path.read_text(encoding="utf-8")
        assert "# hand-written comment that must survive" in text
        assert "# trailing comment" in text
        assert report.added == ("new-example-x", "road-to-home")
        assert report.updated == ("one",)
        reg = load_registry(path)
        assert [r.id for r in reg.resources] == ["one", "two", "new-example-x", "road-to-home"]
        assert reg.find("road-to-home") is not None
        assert reg.find("road-to-home").candidate  # type: ignore[union-attr]
        new = reg.find("new-example-x")
        assert new is not None and new.name == "New Org" and new.sources[0].line == 9

    def test_merge_twice_changes_nothing(self, tmp_path: Path) -> None:
        path = write(tmp_path, GOOD)
        merge_into(path, [cited("http://new.example/", 9)])
        first = path.read_text(encoding="utf-8")
        again = merge_into(path, [cited("http://new.example/", 9)])
        assert again.added == () and again.updated == ()
        assert path.read_text(encoding="utf-8") == first

    def test_dry_run_writes_nothing(self, tmp_path: Path) -> None:
        path = write(tmp_path, GOOD)
        report = merge_into(path, [cited("http://new.example/", 9)], dry_run=True)
        assert report.added == ("new-example",)
        assert path.read_text(encoding="utf-8") == GOOD

    def test_refuses_to_merge_into_invalid_registry(self, tmp_path: Path) -> None:
        path = write(tmp_path, "resources:\n  - id: a\n")
        with pytest.raises(RegistryError):
            merge_into(path, [cited("http://new.example/", 9)])
        assert path.read_text(encoding="utf-8") == "resources:\n  - id: a\n"


def test_atomic_write_leaves_old_file_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, GOOD)

    def boom(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(OSError):
        write_atomic(path, "half")
    assert path.read_text(encoding="utf-8") == GOOD
    assert [p.name for p in tmp_path.iterdir()] == ["resources.yaml"]


def test_yaml_12_that_libyaml_refuses_still_loads(tmp_path: Path) -> None:
    # A ':' inside a plain flow scalar is YAML 1.2 (ruamel) but not 1.1 (libyaml's fast path).
    path = write(tmp_path, "resources:\n  - {id: a, name: A, url: http://a.example/x}\n")
    (r,) = load_registry(path).resources
    assert r.url == "http://a.example/x" and r.line == 2


def test_duplicate_keys_are_reported_with_their_line(tmp_path: Path) -> None:
    path = write(tmp_path, "resources:\n  - id: a\n    name: A\n    url: null\n    name: B\n")
    with pytest.raises(RegistryError, match=r":5: .*duplicate key 'name'"):
        load_registry(path)


class TestParseCache:
    """An unchanged registry is read from the store's cache, never from a stale one."""

    RICH = """\
defaults:
  confirm_checks: 2
  accept: [403]
webhooks: [http://127.0.0.1:9/hook]
archives:
  local: http://127.0.0.1:9/timemap/link/
resources:
  - id: one
    name: First
    url: "http: www.viro.edu.ru"
    kind: portal
    accept: [401, 999]
    timeout: 3.5
    confirm_span_days: 1.5
    cited_on: 2015-03-01
    sources:
      - {document: plan.pdf, line: 12, page: 3, section: "2. Portals"}
  - id: two
    name: Второй
    url: null
    skip: retired
"""

    def test_cached_registry_equals_the_parsed_one(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = write(tmp_path, self.RICH)
        uncached = load_registry(path)
        with open_store(tmp_path / "a.sqlite") as store:
            parsed = load_registry(path, cache=store)
            # A hit must not parse YAML at all.
            monkeypatch.setattr(
                registry_module, "_parse_yaml", lambda *a, **k: pytest.fail("parsed again")
            )
            cached = load_registry(path, cache=store)
        assert cached == parsed == uncached
        assert cached.resources[0].policy.accept == frozenset({401, 999})
        assert cached.resources[0].sources[0].section == "2. Portals"

    def test_an_edit_misses_the_cache(self, tmp_path: Path) -> None:
        path = write(tmp_path, GOOD)
        with open_store(tmp_path / "a.sqlite") as store:
            first = load_registry(path, cache=store)
            path.write_text(GOOD.replace("First", "Premier"), encoding="utf-8")
            second = load_registry(path, cache=store)
            assert first.digest != second.digest
            assert second.resources[0].name == "Premier"
            path.write_text(GOOD.replace("url: null", "url: [oops"), encoding="utf-8")
            with pytest.raises(RegistryError):  # a bad edit is reported, not hidden by the cache
                load_registry(path, cache=store)

    def test_an_unreadable_cache_entry_is_parsed_again(self, tmp_path: Path) -> None:
        path = write(tmp_path, GOOD)
        with open_store(tmp_path / "a.sqlite") as store:
            digest = load_registry(path, cache=store).digest
            store.put_cached("registry", digest, '{"path": "x", "resources": [{"id": 1}]}')
            again = load_registry(path, cache=store)
        assert [r.id for r in again.resources] == ["one", "two"]
