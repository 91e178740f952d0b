from datetime import date
from pathlib import Path

import pytest

from linkcheck.article import ArticleError, find_articles, parse_article, read_article, recover_title_words

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_5d9ab7691511e32e.txt"


def test_seed_has_its_eight_cited_urls_in_order():
    article = read_article(SEED)
    urls = [c.url for c in article.cited_urls]
    assert len(urls) == 8
    assert urls[0].startswith("https://www.faz.net/aktuell/politik/ukraine/ukraine-liveticker-usa-besorgt")
    assert urls[5] == "https://www.zeit.de/thema/militaer"
    assert urls[-1].endswith("_aid-66273523")
    assert all(c.is_valid for c in article.cited_urls)


def test_seed_date_and_recovered_title():
    article = read_article(SEED)
    assert article.date == date(2024, 10, 22)
    assert article.title == "Nordkoreanische Soldaten in Ukraine USA und NATO besorgt"


def test_seed_body_excludes_title_sources_and_trailer():
    article = read_article(SEED)
    assert article.body.startswith("Nach Berichten über")
    assert "Quellen" not in article.body and "Weitere" not in article.body
    assert article.warnings == ()


def test_title_with_spaces_is_kept():
    assert recover_title_words("USA und NATO besorgt") == "USA und NATO besorgt"


def test_acronym_followed_by_lowercase_word_is_split():
    assert recover_title_words("RussischeTruppenundNATOmanöverbeunruhigen", "Truppen NATO") .split()[:3] == [
        "Russische", "Truppen", "und"]


def test_sources_separated_by_dashes_and_wrapped_over_lines():
    article = parse_article(
        "Titel\n\nText.\n\nQuellen: - https://example.org/a/very-long-\npath-123.html - https://example.net/b\n")
    assert [c.url for c in article.cited_urls] == [
        "https://example.org/a/very-long-path-123.html", "https://example.net/b"]


def test_english_sources_heading_and_trailing_punctuation():
    article = parse_article("Title\n\nBody.\n\nSources: https://example.org/x, https://example.org/y.\n")
    assert [c.url for c in article.cited_urls] == ["https://example.org/x", "https://example.org/y"]


def test_balanced_parenthesis_is_kept():
    article = parse_article("T\n\nB\n\nSources: https://en.wikipedia.org/wiki/Foo_(bar)\n")
    assert article.cited_urls[0].url == "https://en.wikipedia.org/wiki/Foo_(bar)"


def test_bare_url_in_body_is_cited_too():
    article = parse_article("T\n\nAs reported (https://example.org/story).\n\nSources: https://example.net/a\n")
    assert {c.url for c in article.cited_urls} == {"https://example.net/a", "https://example.org/story"}


def test_malformed_urls_are_kept_as_invalid():
    article = parse_article("T\n\nB\n\nQuellen: - htp://example.org/x - https:///nohost - ftp://example.org/f\n")
    problems = {c.url: c.problem for c in article.cited_urls}
    assert len(problems) == 3
    assert all(problems.values())
    assert "htp" in problems["htp://example.org/x"]


def test_idn_and_unicode_urls_are_valid():
    article = parse_article("T\n\nB\n\nQuellen: - https://bücher.de/straße?q=ü\n")
    assert article.cited_urls[0].is_valid


def test_duplicate_urls_are_checked_once_and_reported():
    article = parse_article("T\n\nB\n\nQuellen: - https://example.org/a - https://example.org/a\n")
    assert len(article.cited_urls) == 1
    assert any("more than once" in w for w in article.warnings)


def test_missing_sources_section_is_a_warning_not_an_error():
    article = parse_article("Titel\n\nNur Text ohne Quellen.\n")
    assert article.cited_urls == ()
    assert "no sources section (Quellen:/Sources:) found" in article.warnings


def test_empty_file_is_a_clear_error(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    with pytest.raises(ArticleError, match="empty"):
        read_article(empty)


def test_binary_file_is_a_clear_error(tmp_path):
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(ArticleError, match="binary"):
        read_article(binary)


def test_windows_1252_article_is_read_with_a_warning(tmp_path):
    legacy = tmp_path / "alt.txt"
    legacy.write_bytes("Titel\n\nGrößere Übung in Köln.\n\nQuellen: - https://example.org/a\n".encode("cp1252"))
    article = read_article(legacy)
    assert "Größere Übung" in article.body
    assert any("windows-1252" in w for w in article.warnings)


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(ArticleError, match="no such file"):
        list(find_articles([tmp_path / "nope"]))


def test_folder_lists_text_files_only(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "b.jpg").write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.md").write_text("x")
    assert [p.name for p in find_articles([tmp_path])] == ["a.txt", "c.md"]


def test_thousands_of_urls_are_all_kept():
    urls = " - ".join(f"https://example.org/{i}" for i in range(3000))
    article = parse_article(f"T\n\nB\n\nQuellen: - {urls}\n")
    assert len(article.cited_urls) == 3000


def test_unknown_name_in_a_squashed_title_is_not_cut_into_short_words():
    assert recover_title_words("FeuerwehrrettetKatzeinSimmelsdorf").split()[:4] == [
        "Feuerwehr", "rettet", "Katze", "in"]
    assert "mm" not in recover_title_words("FeuerwehrrettetKatzeinSimmelsdorf").split()


def test_digits_and_names_in_a_squashed_title():
    assert recover_title_words("WillSmithgewinntOscarinLosAngeles") == "Will Smith gewinnt Oscar in Los Angeles"
    assert recover_title_words("BundestagbeschließtHaushaltfür2025") == "Bundestag beschließt Haushalt für 2025"


@pytest.mark.parametrize(("written", "cited", "problem"), [
    ("htps://example.org/a", "htps://example.org/a", "scheme misspelt: htps://"),
    ("htp://example.org/a", "htp://example.org/a", "scheme misspelt: htp://"),
    ("https:/example.org/a", "https:/example.org/a", "scheme misspelt: https:/"),
    ("https//example.org/a", "https//example.org/a", "scheme misspelt: https//"),
    ("http:example.org/a", "http:example.org/a", "scheme misspelt: http:"),
    ("hxxps://example.org/a", "hxxps://example.org/a", "scheme misspelt: hxxps://"),
    ("www.example.org/a", "www.example.org/a", "no scheme"),
    ("example.org/politik/a.html", "example.org/politik/a.html", "no scheme"),
    ("example.org:8080/a.html", "example.org:8080/a.html", "no scheme"),
    ("192.0.2.7:8080/a.html", "192.0.2.7:8080/a.html", "no scheme"),
    ("https://example.org/some path.html", "https://example.org/some␣path.html", "space inside the URL"),
    ("https://exa mple.org/a", "https://exa␣mple.org/a", "space inside the URL"),
    ("https://example.org/ politik/a-123.html", "https://example.org/␣politik/a-123.html",
     "space inside the URL"),
    ("https:///politik/a", "https:///politik/a", "empty host"),
    ("https://example.orghttps://example.net/a", "https://example.orghttps://example.net/a",
     "two URLs run together"),
    ("ftp://example.org/a", "ftp://example.org/a", "scheme 'ftp' is not http(s)"),
], ids=["htps", "htp", "one-slash", "no-colon", "colon-only", "defanged", "www", "host-path", "host-port-path",
         "address-port-path",
        "space-in-path", "space-in-host", "space-after-host", "empty-host", "glued", "ftp"])
def test_malformed_citation_gets_one_row_with_a_reason(written, cited, problem):
    article = parse_article(f"T\n\nB\n\nQuellen: - https://example.net/erste - {written} - "
                            "https://example.net/letzte\n")
    assert [(c.url, c.problem) for c in article.cited_urls] == [
        ("https://example.net/erste", None), (cited, problem), ("https://example.net/letzte", None)]


def test_a_link_inside_a_url_is_no_second_citation():
    url = "https://web.archive.org/web/2020/https://example.org/a"
    assert [(c.url, c.problem) for c in parse_article(f"T\n\nB\n\nSources: {url}\n").cited_urls] == [(url, None)]


def test_words_after_a_url_are_no_part_of_it():
    article = parse_article("T\n\nB\n\nQuellen:\nReuters: https://example.org/a DPA-Meldung vom 12.3.2024\n"
                            "https://example.org/b abgerufen am 12.03.2024\n")
    assert [(c.url, c.problem) for c in article.cited_urls] == [
        ("https://example.org/a", None), ("https://example.org/b", None)]
