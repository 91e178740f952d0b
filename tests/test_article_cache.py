"""article_cache.ArticleCache: articles read before, as the article loader finds them again."""

from __future__ import annotations

import contextlib
import io
import json
import os
import pickle
import shutil
import sqlite3
from pathlib import Path

import pytest

from linkcheck import article_cache, article_loader

ARTICLE = (Path(__file__).parent / "fixtures" / "article_fixture_site.txt").read_text()


def write_article(folder: Path, name: str, urls: list[str]) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(ARTICLE.replace("{URLS}", " - ".join(urls)))


LOAD_ARTICLE = article_loader._load_article


def load_counting_reads(paths: list[Path], cache: Path, monkeypatch) -> tuple[list, list[str]]:
    """Articles as one loader reads them in-process with `cache`, and the files it read afresh."""
    read = []

    def counted(file: Path, budget: article_loader.ArticleBudget):
        read.append(file.name)
        return LOAD_ARTICLE(file, budget)

    monkeypatch.setattr(article_loader, "_load_article", counted)
    spool = io.BytesIO()
    article_loader.spool_articles(spool, paths, cache=cache)
    spool.seek(0)
    return list(article_loader._read_spools([spool], pytest.fail, lambda warning: None)), read


def test_unchanged_articles_come_from_the_cache_and_changed_ones_are_read_again(tmp_path, monkeypatch):
    folder, cache = tmp_path / "articles", tmp_path / "archive.db-article-cache"
    for name in ("a.txt", "b.txt", "c.txt"):
        write_article(folder, name, [f"https://news.example/{name}"])
    first, read_first = load_counting_reads([folder], cache, monkeypatch)
    write_article(folder, "b.txt", ["https://news.example/b-corrected"])

    second, read_second = load_counting_reads([folder], cache, monkeypatch)

    assert read_first == ["a.txt", "b.txt", "c.txt"] and read_second == ["b.txt"]
    assert second[0] == first[0] and second[2] == first[2]
    assert second[1][0].cited_urls[0].url == "https://news.example/b-corrected"


def test_a_cached_article_keeps_the_path_given_this_time(tmp_path, monkeypatch):
    write_article(tmp_path / "articles", "a.txt", ["https://news.example/a"])
    cache = tmp_path / "cache"
    monkeypatch.chdir(tmp_path)
    load_counting_reads([Path("articles")], cache, monkeypatch)

    [(article, _)], read = load_counting_reads([tmp_path / "articles"], cache, monkeypatch)

    assert read == [] and article.path == str(tmp_path / "articles" / "a.txt")


def test_a_new_linkcheck_reads_every_article_again(tmp_path, monkeypatch):
    write_article(tmp_path / "articles", "a.txt", ["https://news.example/a"])
    cache = tmp_path / "cache"
    load_counting_reads([tmp_path / "articles"], cache, monkeypatch)
    monkeypatch.setattr(article_cache, "code_fingerprint", lambda: "other code")

    _, read = load_counting_reads([tmp_path / "articles"], cache, monkeypatch)

    assert read == ["a.txt"]


def test_a_cache_that_cannot_be_used_costs_nothing_but_time(tmp_path, monkeypatch):
    write_article(tmp_path / "articles", "a.txt", ["https://news.example/a"])
    not_a_database = tmp_path / "cache"
    not_a_database.write_bytes(b"these bytes are no SQLite database" * 100)

    for _ in range(2):
        (article, entities), = load_counting_reads([tmp_path / "articles"], not_a_database, monkeypatch)[0]
        assert article.cited_urls[0].url == "https://news.example/a" and entities
    assert not_a_database.read_bytes().startswith(b"these bytes")



class RunsCode:
    """Unpickled, writes `marker`: what a planted pickle could do with anything else."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return exec, (f"open({str(self.marker)!r}, 'w').write('ran')",)


def entry_of(cache: Path) -> str:
    with contextlib.closing(sqlite3.connect(cache)) as db:
        (entry,), = db.execute("SELECT entry FROM entries")
    return entry


def reshaped(change):
    """A planted entry: the real one as JSON, changed by `change`."""
    def plant(entry: str, marker: Path) -> str:
        fields = json.loads(entry)
        change(fields)
        return json.dumps(fields)
    return plant


PLANTED = {
    "a pickle that runs code": lambda entry, marker: pickle.dumps(RunsCode(marker)),
    "bytes that are no text": lambda entry, marker: b"\x80\x04\x95 garbage",
    "text that is no JSON": lambda entry, marker: "{'title': 'not JSON'",
    "a truncated entry": lambda entry, marker: entry[:len(entry) // 2],
    "a list, not an entry": lambda entry, marker: "[]",
    "an entry with a field too many": reshaped(lambda fields: fields.update(extra=1)),
    "a title that is a number": reshaped(lambda fields: fields.update(title=7)),
    "a date that is no date": reshaped(lambda fields: fields.update(date="yesterday")),
    "a cited URL without its problem": reshaped(lambda fields: fields.update(cited_urls=[["https://a.example/"]])),
    "an entity of no known kind": reshaped(lambda fields: fields["entities"][0].__setitem__(1, "wizard")),
    "a weight that is true": reshaped(lambda fields: fields["entities"][0].__setitem__(2, True)),
    "aliases that are a string": reshaped(lambda fields: fields["entities"][0].__setitem__(3, "Wood")),
    "an entity that is a dict": reshaped(lambda fields: fields["entities"].append({"name": "X"})),
    "nesting deeper than any parser": lambda entry, marker: "[" * 200_000 + "]" * 200_000,
}


@pytest.mark.parametrize("planted", PLANTED.values(), ids=PLANTED.keys())
def test_a_planted_or_damaged_entry_is_a_miss_and_runs_nothing(tmp_path, monkeypatch, planted):
    write_article(tmp_path / "articles", "a.txt", ["https://news.example/a"])
    cache, marker = tmp_path / "cache", tmp_path / "code-ran"
    [fresh], _ = load_counting_reads([tmp_path / "articles"], cache, monkeypatch)
    with contextlib.closing(sqlite3.connect(cache)) as db, db:  # found: same path, bytes and code
        db.execute("UPDATE entries SET entry = ?", [planted(entry_of(cache), marker)])

    [again], read = load_counting_reads([tmp_path / "articles"], cache, monkeypatch)

    assert read == ["a.txt"] and again == fresh
    assert not marker.exists()


def test_a_cache_of_pickles_from_an_earlier_linkcheck_is_dropped_unread(tmp_path, monkeypatch):
    write_article(tmp_path / "articles", "a.txt", ["https://news.example/a"])
    cache, marker = tmp_path / "cache", tmp_path / "code-ran"
    with contextlib.closing(sqlite3.connect(cache)) as db, db:
        db.execute("CREATE TABLE articles (path TEXT PRIMARY KEY, sha256 TEXT, code TEXT, outcome BLOB)")
        db.execute("INSERT INTO articles VALUES (?, ?, ?, ?)", [str(tmp_path / "articles" / "a.txt"), "", "",
                                                              pickle.dumps(RunsCode(marker))])

    [(article, _)], read = load_counting_reads([tmp_path / "articles"], cache, monkeypatch)

    assert read == ["a.txt"] and article.cited_urls[0].url == "https://news.example/a"
    with contextlib.closing(sqlite3.connect(cache)) as db:
        assert [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["entries"]
    assert not marker.exists()
    pickle.loads(pickle.dumps(RunsCode(marker)))  # what it would have done
    assert marker.read_text() == "ran"


def test_an_article_whose_file_name_is_not_utf8_is_cached_under_its_bytes(tmp_path, monkeypatch):
    folder, cache = tmp_path / "articles", tmp_path / "cache"
    name = os.fsdecode(b"caf\xe9.txt")  # Latin-1, as an old archive might name it
    write_article(folder, name, ["https://news.example/a"])
    load_counting_reads([folder], cache, monkeypatch)

    [(article, entities)], read = load_counting_reads([folder], cache, monkeypatch)

    assert read == [] and article.path == f"{folder}/caf\\xe9.txt" and entities
    with contextlib.closing(sqlite3.connect(cache)) as db:
        assert [path for (path,) in db.execute("SELECT path FROM entries")] == [os.fsencode(folder / name)]


PACKAGE = Path(article_cache.__file__).parent


def test_the_fingerprint_covers_the_code_and_data_that_decide_entities_and_nothing_else():
    code = article_cache.entity_code()

    files = {str(file) for file in code.files}
    assert {"article.py", "entities.py", "names.py", "gazetteer.py", "lexicon.py", "data/names.json"} <= files
    assert files.isdisjoint({"cues.py", "fetch.py", "archive.py", "verdict.py", "page.py", "match.py",
                             "pipeline.py", "cli.py", "page_reader.py", "data/datasette-metadata.json"})
    assert {"simplemma", "babel"} <= set(code.third_party)


def package_copy(where: Path) -> Path:
    return shutil.copytree(PACKAGE, where / "linkcheck", ignore=shutil.ignore_patterns("__pycache__"))


@pytest.mark.parametrize(("edited", "invalidates"), [
    ("cues.py", False), ("fetch.py", False), ("verdict.py", False), ("page.py", False),
    ("entities.py", True), ("names.py", True), ("article.py", True), ("lexicon.py", True),
    ("data/names.json", True),
])
def test_only_editing_what_decides_entities_changes_the_fingerprint(tmp_path, edited, invalidates):
    original, changed = package_copy(tmp_path / "original"), package_copy(tmp_path / "changed")
    with open(changed / edited, "a") as file:
        file.write("\n# edited\n" if edited.endswith(".py") else "\n")

    assert (article_cache.code_fingerprint(changed) != article_cache.code_fingerprint(original)) is invalidates


def test_a_module_that_entity_code_starts_importing_is_covered(tmp_path):
    package = package_copy(tmp_path)
    (package / "new_rule.py").write_text("LIMIT = 3\n")
    with open(package / "entities.py", "a") as file:
        file.write("\n\ndef _later():\n    from .new_rule import LIMIT\n    return LIMIT\n")

    assert "new_rule.py" in {str(file) for file in article_cache.entity_code(package).files}


def test_cached_entities_keep_their_commonness(tmp_path, monkeypatch):
    write_article(tmp_path / "articles", "a.txt", ["https://news.example/a"])
    cache = tmp_path / "cache"
    [(_, fresh)], _ = load_counting_reads([tmp_path / "articles"], cache, monkeypatch)
    [(_, cached)], read = load_counting_reads([tmp_path / "articles"], cache, monkeypatch)
    assert read == [] and cached == fresh
    common = {entity.name for entity in cached if entity.common}
    assert "Paris" in common and "Emmanuel Macron" not in common
