"""The archive's read side: text diffs between checks, storage figures."""

from __future__ import annotations

import pytest

from linkcheck.archive import Archive, ArchiveError, diff_snapshots

from archive_fakes import day, one_run, result

URL = "https://news.example/kim"


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "archive" / "linkcheck.db") as opened:
        yield opened


def test_diff_shows_the_two_latest_distinct_texts(archive):
    for n, text in enumerate(["Erster Satz.\nKim in Nordkorea.", "Erster Satz.\nKim in Nordkorea.",
                              "Erster Satz.\nKim in Russland.", "Erster Satz.\nKim in Russland."]):
        one_run(archive, result(URL, at=day(n), main_text=text))
    diff = diff_snapshots(archive.path, URL)
    assert "-Kim in Nordkorea.\n" in diff and "+Kim in Russland.\n" in diff
    assert " Erster Satz.\n" in diff and "run 1" in diff and "run 3" in diff
    assert archive.diff(URL, old=1, new=3) == diff
    assert archive.diff(URL, old=3, new=1).startswith("--- ")


def test_diff_splits_long_paragraphs_into_sentences(archive):
    stem = "Ein langer Satz über die Lage in der Region, der nichts Neues sagt. " * 4
    one_run(archive, result(URL, at=day(0), main_text=stem + "Kim reist ab."))
    one_run(archive, result(URL, at=day(1), main_text=stem + "Kim bleibt."))
    diff = archive.diff(URL)
    assert "-Kim reist ab.\n" in diff and "+Kim bleibt.\n" in diff


def test_diff_with_one_version_is_empty_and_unknown_url_is_an_error(archive):
    one_run(archive, result(URL))
    assert archive.diff(URL) == ""
    with pytest.raises(ArchiveError, match="not in the archive"):
        archive.diff("https://elsewhere.example/")


def test_storage_stats_report_bytes_per_thousand_checks(archive):
    one_run(archive, result(URL, at=day(0), body=b"x" * 50_000))
    one_run(archive, result(URL, at=day(1), body=b"x" * 50_000))
    stats = archive.storage_stats()
    assert (stats.checks, stats.snapshots, stats.body_bytes) == (2, 1, 50_000)
    assert stats.compressed_body_bytes < 1_000
    assert stats.bytes_per_1000_checks == pytest.approx(stats.file_bytes * 500)
