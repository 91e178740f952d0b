"""article_loader.load_articles: the input's articles read in loader processes."""

from __future__ import annotations

import os
import random
import signal
import string
from pathlib import Path

from linkcheck.article_loader import ArticleBudget, _load_article, load_articles

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


def test_the_loaders_leave_no_process_behind_for_the_rest_of_the_run(tmp_path):
    # A multiprocessing pool would leave its resource tracker (12 MB) running until the run ends.
    folder = tmp_path / "articles"
    for n in range(250):
        write_article(folder, f"a{n:03d}.txt", [f"https://news.example/{n}"])

    before = _child_processes()  # another test's server, say

    load_articles([folder], print, print, loaders=2)

    assert _child_processes() <= before


def _child_processes() -> set[str]:
    children = set()
    for task in Path("/proc/self/task").iterdir():
        children |= set((task / "children").read_text().split())
    return children


def test_a_file_name_that_is_not_utf8_is_read_under_its_escaped_name(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / os.fsdecode(b"caf\xe9.txt")).write_text(ARTICLE.replace("{URLS}", "https://news.example/a"))
    errors = []

    articles = load_articles([folder], errors.append, errors.append, loaders=1)

    assert [a.path for a, _ in articles] == [f"{folder}/caf\\xe9.txt"] and not errors
    assert articles[0][0].path.encode("utf-8")  # storable and printable as it is


def _heavy_article(folder: Path, name: str = "heavy.txt") -> Path:
    """1.4 MB of capitalised made-up names: seconds of CPU time for entity extraction, linear work."""
    rng = random.Random(1)
    words = ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 9))).capitalize()
             for _ in range(5000)]
    body = " ".join(" ".join(rng.choice(words) for _ in range(12)) + "." for _ in range(15000))
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(f"03.12.2026\nEin Titel über Berlin\n\n{body}\n\nQuellen:\n- https://news.example/heavy\n")
    return path


def test_an_article_over_its_cpu_budget_is_an_error_of_its_own_and_the_others_are_read(tmp_path):
    folder = tmp_path / "articles"
    _heavy_article(folder)
    write_article(folder, "light.txt", ["https://news.example/light"])
    errors = []

    articles = load_articles([folder], errors.append, errors.append, loaders=1,
                             budget=ArticleBudget(cpu_seconds=0.5))

    assert [a.cited_urls[0].url for a, _ in articles] == ["https://news.example/light"]
    assert errors == [f"{folder / 'heavy.txt'}: reading it took more than 0.5 s of CPU time "
                      "(article_cpu_seconds); not checked"]


def test_the_cpu_budget_is_lifted_once_the_article_is_read(tmp_path):
    path = _heavy_article(tmp_path)
    assert "s of CPU time" in str(_load_article(path, ArticleBudget(cpu_seconds=0.2)))
    light = tmp_path / "light.txt"
    light.write_text(ARTICLE.replace("{URLS}", "https://news.example/light"))
    outcome = _load_article(light, ArticleBudget(cpu_seconds=5))
    assert not isinstance(outcome, str) and outcome[1] and signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)


def test_an_article_over_the_size_cap_is_an_error_naming_the_config_key(tmp_path):
    folder = tmp_path / "articles"
    write_article(folder, "a.txt", ["https://news.example/a"])
    size = (folder / "a.txt").stat().st_size
    errors = []

    articles = load_articles([folder], errors.append, errors.append, loaders=1,
                             budget=ArticleBudget(max_bytes=size - 1))

    assert articles == []
    assert errors == [f"{folder / 'a.txt'}: {size} bytes is too large for an article "
                      f"(max_article_bytes = {size - 1}); not checked"]


def test_a_long_read_calls_while_waiting_for_the_run_locks_heartbeat(tmp_path):
    folder = tmp_path / "articles"
    _heavy_article(folder)  # seconds of reading: over its 2 s budget
    waits = []

    load_articles([folder], waits.append, waits.append, loaders=1, budget=ArticleBudget(cpu_seconds=2),
                  while_waiting=lambda: waits.append("waited"))

    assert "waited" in waits and "CPU time" in waits[-1]
