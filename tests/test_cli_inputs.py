"""Bad article files at the command line: a clear message, nothing skipped silently, DESIGN's exit codes.

Runs `linkcheck verify` in-process (typer's CliRunner) against the loopback fault server
(tests/integration/faultserver.py), so every cited URL really is fetched.
Exit status per DESIGN.md: 0 every link ok, 1 some link not ok, 2 usage or input error.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest
from integration.faultserver import ARTICLE_PARAGRAPHS, ARTICLE_TITLE, FaultServer
from typer.testing import CliRunner

from linkcheck.cli import app

BODY = "\n\n".join(ARTICLE_PARAGRAPHS)


@pytest.fixture(scope="module")
def server():
    with FaultServer(hosts=8, max_lifetime=240) as running:
        yield running


def _article(urls: list[str], sources: str | None = None) -> str:
    listed = sources if sources is not None else "Quellen:\n" + "\n".join(f"- {u}" for u in urls)
    return f"25.11.2026\n{ARTICLE_TITLE}\n\n{BODY}\n\n{listed}\n"


def _verify(paths: list[Path], db: Path, *extra: str):
    result = CliRunner().invoke(app, ["verify", *map(str, paths), "--allow-private", "--db", str(db),
                                      "--format", "json", "--timeout", "3", "--retries", "0", *extra])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"linkcheck raised {result.exception!r}\n{result.stderr}") from result.exception
    rows = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result, rows


def test_empty_file_is_an_input_error(tmp_path: Path):
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n\n")
    result, rows = _verify([empty], tmp_path / "a.db")
    assert result.exit_code == 2
    assert "empty" in result.stderr and str(empty) in result.stderr
    assert rows == []


def test_binary_file_is_an_input_error(tmp_path: Path):
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + random.Random(1).randbytes(5000))
    result, rows = _verify([binary], tmp_path / "a.db")
    assert result.exit_code == 2
    assert "binary" in result.stderr and str(binary) in result.stderr


def test_non_text_bytes_without_nul_are_an_input_error(tmp_path: Path):
    junk = tmp_path / "junk.txt"
    junk.write_bytes(bytes(random.Random(2).choice(list(range(1, 9)) + list(range(0x80, 0x9f)))
                           for _ in range(4000)))
    result, _ = _verify([junk], tmp_path / "a.db")
    assert result.exit_code == 2
    assert str(junk) in result.stderr and "text" in result.stderr


def test_utf16_without_a_mark_is_refused_with_a_message(tmp_path: Path, server: FaultServer):
    article = tmp_path / "utf16.txt"
    article.write_bytes(_article([server.url("/good")]).encode("utf-16-le"))
    result, rows = _verify([article], tmp_path / "a.db")
    assert result.exit_code == 2
    assert str(article) in result.stderr


def test_missing_path_is_an_input_error(tmp_path: Path):
    result, _ = _verify([tmp_path / "nope.txt"], tmp_path / "a.db")
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_folder_without_articles_is_an_input_error(tmp_path: Path):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "image.png").write_bytes(b"\x89PNG")
    result, _ = _verify([tmp_path / "articles"], tmp_path / "a.db")
    assert result.exit_code == 2
    assert "no article" in result.stderr


def test_bad_files_are_named_and_the_good_ones_still_checked(tmp_path: Path, server: FaultServer):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a_good.txt").write_text(_article([server.url("/good")]), "utf-8")
    (folder / "b_empty.txt").write_text("")
    (folder / "c_binary.txt").write_bytes(bytes(range(256)) * 10)
    result, rows = _verify([folder], tmp_path / "a.db")
    assert [row["url"] for row in rows] == [server.url("/good")]
    assert rows[0]["verdict"] == "ok"
    assert "b_empty.txt" in result.stderr and "c_binary.txt" in result.stderr
    assert result.exit_code == 2  # an input error, even though the readable article's links are ok


@pytest.mark.parametrize("encoding,prefix,newline", [
    ("utf-8", b"", "\n"),
    ("utf-8", b"\xef\xbb\xbf", "\r\n"),   # BOM and Windows line ends
    ("utf-16", b"", "\n"),                # Python writes the BOM
])
def test_article_in_another_unicode_encoding_is_checked(tmp_path: Path, server: FaultServer,
                                                        encoding: str, prefix: bytes, newline: str):
    url = server.url("/good")
    article = tmp_path / "a.txt"
    article.write_bytes(prefix + _article([url]).replace("\n", newline).encode(encoding))
    result, rows = _verify([article], tmp_path / "a.db")
    assert [row["url"] for row in rows] == [url], result.stderr
    assert rows[0]["verdict"] == "ok"
    assert result.exit_code == 0, result.stderr


def test_windows_1252_article_is_read_with_a_warning(tmp_path: Path, server: FaultServer):
    url = server.url("/good")
    article = tmp_path / "latin.txt"
    article.write_bytes(_article([url]).encode("cp1252"))
    result, rows = _verify([article], tmp_path / "a.db")
    assert [row["url"] for row in rows] == [url]
    assert rows[0]["verdict"] == "ok", rows[0]["reason"]
    assert "not UTF-8" in result.stderr and str(article) in result.stderr


@pytest.mark.parametrize("case", ["windows-1252", "duplicate URL"])
def test_a_warning_alone_does_not_change_the_exit_status(tmp_path: Path, server: FaultServer, case: str):
    url = server.url("/good")
    article = tmp_path / "a.txt"
    if case == "windows-1252":
        article.write_bytes(_article([url]).encode("cp1252"))
    else:
        article.write_text(_article([url, url]), "utf-8")
    result, rows = _verify([article], tmp_path / "a.db")
    assert [row["verdict"] for row in rows] == ["ok"]
    assert "warning" in result.stderr
    assert result.exit_code == 0, result.stderr


def test_no_sources_section_is_reported(tmp_path: Path):
    article = tmp_path / "a.txt"
    article.write_text(f"{ARTICLE_TITLE}\n\n{BODY}\n", "utf-8")
    result, rows = _verify([article], tmp_path / "a.db")
    assert rows == []
    assert "no sources section" in result.stderr and str(article) in result.stderr
    assert result.exit_code in (0, 2)


def test_bare_urls_without_a_sources_section_are_still_checked(tmp_path: Path, server: FaultServer):
    url = server.url("/good")
    article = tmp_path / "a.txt"
    article.write_text(f"{ARTICLE_TITLE}\n\n{BODY}\n\nMehr dazu unter {url} im Netz.\n", "utf-8")
    result, rows = _verify([article], tmp_path / "a.db")
    assert [row["url"] for row in rows] == [url]
    assert "no sources section" in result.stderr


def test_duplicate_urls_are_checked_once_and_reported(tmp_path: Path, server: FaultServer):
    first, second = server.url("/page/dup-a", host=2), server.url("/page/dup-b", host=3)
    article = tmp_path / "a.txt"
    text = _article([first, second, first, first]).replace(BODY, f"{BODY}\n\nSiehe {second}.")
    article.write_text(text, "utf-8")
    before = server.hits("/page/dup-")
    result, rows = _verify([article], tmp_path / "a.db")
    assert sorted(row["url"] for row in rows) == sorted([first, second])
    assert server.hits("/page/dup-") - before == 2, "a duplicate URL was fetched twice"
    assert "more than once" in result.stderr and first in result.stderr


def test_thousands_of_urls_each_get_exactly_one_result(tmp_path: Path, server: FaultServer):
    urls = [server.url(f"/page/many-{n}", host=1 + n % 8) for n in range(2000)]
    article = tmp_path / "many.txt"
    article.write_text(_article(urls), "utf-8")
    result, rows = _verify([article], tmp_path / "a.db", "--per-host", "8", "--concurrency", "64")
    seen = [row["url"] for row in rows]
    assert len(seen) == len(set(seen)) == len(urls)
    assert set(seen) == set(urls)
    assert all(row["verdict"] == "ok" for row in rows), {row["verdict"] for row in rows}
    assert result.exit_code == 0


def test_unicode_and_idn_urls_each_get_a_clear_result(tmp_path: Path, server: FaultServer):
    unicode_path = server.url("/page/straße-über?q=Größe&x=€")
    urls = [
        unicode_path,
        "http://bücher.example/straße",           # IDN host: does not resolve (reserved TLD)
        "http://xn--bcher-kva.example/x",          # the same host, Punycode
        "http://☃.example/",                       # not a valid IDNA 2008 name
        "https://example.org/wiki/Köln_(Stadt)",   # balanced parenthesis kept (resolves only online)
    ]
    article = tmp_path / "a.txt"
    article.write_text(_article(urls), "utf-8")
    result, rows = _verify([article], tmp_path / "a.db", "--timeout", "2")
    by_url = {row["url"]: row for row in rows}
    assert set(by_url) == set(urls), f"missing: {set(urls) - set(by_url)}"
    assert by_url[unicode_path]["verdict"] == "ok", by_url[unicode_path]["reason"]
    assert server.hits("/page/stra%C3%9Fe-%C3%BCber") >= 1, "the Unicode path was not percent-encoded"
    for url in urls[1:3]:
        assert by_url[url]["verdict"] in ("dead", "unreachable", "invalid"), by_url[url]
    assert by_url["http://☃.example/"]["verdict"] == "invalid"
    assert all(row["reason"] for row in rows)


def test_malformed_punycode_host_is_invalid_and_the_rest_is_checked(tmp_path: Path, server: FaultServer):
    good = server.url("/good")
    article = tmp_path / "a.txt"
    article.write_text(_article(["https://xn--a.de/x", good]), "utf-8")
    result, rows = _verify([article], tmp_path / "a.db")
    by_url = {row["url"]: row for row in rows}
    assert by_url[good]["verdict"] == "ok"
    assert by_url["https://xn--a.de/x"]["verdict"] == "invalid"


def test_url_wrapped_over_lines_is_joined_and_fetched_whole(tmp_path: Path, server: FaultServer):
    whole = server.url("/page/nordkorea-soldaten-ukraine-nato-besorgt-12345.html", host=4)
    head, tail = whole.split("ukraine-")
    sources = f"Quellen: - {head}ukraine-\n{tail} - {server.url('/good', host=5)}"
    article = tmp_path / "a.txt"
    article.write_text(_article([], sources=sources), "utf-8")
    before = server.hits("/page/nordkorea-soldaten-ukraine-nato-besorgt-12345.html")
    result, rows = _verify([article], tmp_path / "a.db")
    assert sorted(row["url"] for row in rows) == sorted([whole, server.url("/good", host=5)])
    assert server.hits("/page/nordkorea-soldaten-ukraine-nato-besorgt-12345.html") - before == 1
    assert result.exit_code == 0, result.stderr


def test_a_file_name_that_is_not_utf8_is_checked_and_shown_escaped(tmp_path: Path, server: FaultServer):
    folder = tmp_path / "articles"
    folder.mkdir()
    odd = os.fsdecode(os.fsencode(folder) + b"/caf\xe9\xff.txt")
    Path(odd).write_text(_article([server.url("/good")]), "utf-8")
    for _ in range(2):  # read, then found in the article cache
        result, rows = _verify([folder], tmp_path / "a.db")
        assert result.exit_code == 0, result.stderr
        assert [row["article"] for row in rows] == [f"{folder}/caf\\xe9\\xff.txt"]
        assert rows[0]["verdict"] == "ok"
    fixed = CliRunner().invoke(app, ["fix", odd, "--db", str(tmp_path / "a.db"), "--format", "json"])
    assert fixed.exit_code == 0, fixed.output
    assert json.loads(fixed.stdout)["article"] == f"{folder}/caf\\xe9\\xff.txt"


def test_an_article_over_its_budgets_is_named_and_the_others_are_checked(tmp_path: Path, server: FaultServer):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a_good.txt").write_text(_article([server.url("/good")]), "utf-8")
    (folder / "b_big.txt").write_text(_article([server.url("/page/big")]) + "x" * 20_000, "utf-8")
    config = tmp_path / "linkcheck.toml"
    config.write_text("max_article_bytes = 10000\narticle_cpu_seconds = 5\n")
    result, rows = _verify([folder], tmp_path / "a.db", "--config", str(config))
    assert [row["url"] for row in rows] == [server.url("/good")] and rows[0]["verdict"] == "ok"
    assert "b_big.txt: " in result.stderr and "(max_article_bytes = 10000); not checked" in result.stderr
    assert result.exit_code == 2


@pytest.mark.parametrize("line", ["max_article_bytes = 0", "article_cpu_seconds = 0", "article_cpu_seconds = -1"])
def test_article_budgets_out_of_range_exit_2(tmp_path: Path, line: str):
    config = tmp_path / "linkcheck.toml"
    config.write_text(line + "\n")
    result, rows = _verify([tmp_path], tmp_path / "a.db", "--config", str(config))
    assert result.exit_code == 2 and rows == []
    assert f"config option {line.split()[0]} must be" in result.stderr
