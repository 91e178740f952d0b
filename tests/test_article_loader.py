"""article_loader.load_articles: the input's articles read in loader processes."""

from __future__ import annotations

import os
from pathlib import Path

from linkcheck.article_loader import load_articles

ARTICLE = (Path(__file__).parent / "fixtures" / "article_fixture_site.txt").read_text()


def write_article(folder: Path, name: str, urls: list[str]) -> None:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(ARTICLE.replace("{URLS}", " - ".join(urls)))


def test_many_articles_are_read_by_several_loaders_in_order_and_each_error_is_reported_once(tmp_path):
    folder = tmp_path / "articles"
    for n in range(250):
        write_article(folder, f"a{n:03d}.txt", [f"https://news.example/{n}"])
    (folder / "broken.txt").write_bytes(b"")
    errors, warnings = [], []

    articles = load_articles([folder, tmp_path / "missing"], errors.append, warnings.append, loaders=2)

    assert [a.path for a, _ in articles] == [str(folder / f"a{n:03d}.txt") for n in range(250)]
    assert [a.cited_urls[0].url for a, _ in articles[:2]] == ["https://news.example/0", "https://news.example/1"]
    assert all(entities for _, entities in articles)
    assert len(errors) == 2 and "broken.txt" in errors[0] and "missing" in errors[1]


def test_a_file_name_that_is_not_utf8_is_read_under_its_escaped_name(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / os.fsdecode(b"caf\xe9.txt")).write_text(ARTICLE.replace("{URLS}", "https://news.example/a"))
    errors = []

    articles = load_articles([folder], errors.append, errors.append, loaders=1)

    assert [a.path for a, _ in articles] == [f"{folder}/caf\\xe9.txt"] and not errors
    assert articles[0][0].path.encode("utf-8")  # storable and printable as it is
