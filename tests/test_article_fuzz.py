"""Hypothesis fuzzing of the article parser: any text or bytes, only ArticleError; no URL lost.

Properties:
- parse_article / read_article raise nothing but ArticleError, whatever the input;
- every http(s) URL written in a sources section (a token ending at white space) ends up
  cited (trailing punctuation may be stripped, a wrapped continuation may be appended);
- every bare URL in the body is cited too;
- no cited URL contains white space.
"""

from __future__ import annotations

import os
import re
import string
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from linkcheck.article import ArticleError, parse_article, read_article

# LINKCHECK_FUZZ_EXAMPLES=5000 for a longer hunt than CI's.
FUZZ = settings(max_examples=int(os.environ.get("LINKCHECK_FUZZ_EXAMPLES", "200")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow], database=None)
TRAILING = ".,;:!?'\"»«“”„›‹)]}>"

# -- strategies -----------------------------------------------------------------------------------

_host_label = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=12)
_idn_label = st.text(alphabet="äöüßéñçøåłžщжд" + string.ascii_lowercase, min_size=1, max_size=10)
_path_chars = string.ascii_letters + string.digits + "-._~%/=&+,;:@!$*'()" + "äöüß€"


@st.composite
def http_urls(draw) -> str:
    scheme = draw(st.sampled_from(["http", "https", "HTTPS"]))
    labels = draw(st.lists(st.one_of(_host_label, _idn_label), min_size=1, max_size=3))
    tld = draw(st.sampled_from(["de", "org", "com", "example", "co.uk"]))
    port = draw(st.sampled_from(["", "", ":8080"]))
    path = draw(st.text(alphabet=_path_chars, max_size=60))
    query = draw(st.sampled_from(["", "?a=1", "?q=ü&x=%20", "#frag"]))
    return f"{scheme}://{'.'.join(labels)}.{tld}{port}/{path}{query}"


def _core(token: str) -> str:
    """A token with every trailing punctuation mark removed: what the cited URL must start with."""
    return token.rstrip(TRAILING)


_SEPARATORS = [" - ", " ", "  ", "\n", "\n- ", " – ", " • ", ", ", "; ", "\t"]


@st.composite
def articles_with_sources(draw) -> tuple[str, list[str], list[str]]:
    """(article text, URLs written in the sources section, bare URLs written in the body)."""
    urls = draw(st.lists(http_urls(), min_size=1, max_size=12))
    body_urls = draw(st.lists(http_urls(), max_size=3))
    heading = draw(st.sampled_from(["Quellen:", "Quelle:", "Sources:", "SOURCES :", "quellen:"]))
    parts = []
    for url in urls:
        parts.append(draw(st.sampled_from(_SEPARATORS)))
        punctuation = draw(st.sampled_from(["", "", ".", ",", ";", ")", "»", "!"]))
        parts.append(url + punctuation)
    title = draw(st.sampled_from(["Titel", "NordkoreanischeSoldateninUkraine", "A title with spaces", "Ü"]))
    words = draw(st.lists(st.sampled_from(["Text", "über", "die", "NATO", "2024", "(siehe", "auch)"]),
                          min_size=1, max_size=20))
    body = " ".join(words + [f" {u} " for u in body_urls])
    date = draw(st.sampled_from(["", "22.10.2024\n", "2024-10-22\n", "31.02.2024\n"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = f"{date}{title}\n\n{body}\n\n{heading}{''.join(parts)}\n".replace("\n", newline)
    return text, urls, body_urls


_url_pieces = st.sampled_from(["http://", "https://", "ftp://", "Quellen:", "Sources:", "\n", " - ", "www.",
                               ".de", "/", "?", "#", "(", ")", "%", "[", "]", "\u00a0", "\u2028", "\x00",
                               "\ufeff", "ä", "xn--", "::", "@", ":80", "\r", "\t", "»", "…"])
_messy_text = st.lists(st.one_of(_url_pieces, st.text(max_size=8)), max_size=60).map("".join)


# -- properties -----------------------------------------------------------------------------------

@FUZZ
@given(st.text())
@example("")
@example("Quellen:")
@example("Quellen: https://")
@example("Quellen: - - -")
@example("x\nQuellen:\nhttps://a.b/(\n)")
@example("http://[::1")
@example("Quellen: http://[")
@example("Quellen: https://☃.example/ https://a..b/ https://-a-.de/ http://1.2.3.4.5/")
def test_any_text_raises_only_article_error(text: str):
    try:
        article = parse_article(text)
    except ArticleError:
        return
    for cited in article.cited_urls:
        assert not any(ch.isspace() for ch in cited.url), repr(cited.url)
        assert cited.url


@FUZZ
@given(_messy_text)
def test_url_shaped_noise_raises_only_article_error(text: str):
    try:
        article = parse_article(text)
    except ArticleError:
        return
    for cited in article.cited_urls:
        assert cited.url and not any(ch.isspace() for ch in cited.url), repr(cited.url)
        assert cited.problem is None or isinstance(cited.problem, str)


@FUZZ
@given(articles_with_sources())
def test_every_url_in_the_sources_section_is_cited(case: tuple[str, list[str], list[str]]):
    text, urls, body_urls = case
    article = parse_article(text)
    cited = [c.url for c in article.cited_urls]
    sources = re.split(r"(?im)^\s*(?:quellen?|sources?)\s*:", text.replace("\r\n", "\n"), maxsplit=1)[1]
    written = re.findall(r"(?i)https?://\S+", sources)
    for token in written:
        core = _core(token)
        assume(len(core) > len(token.split("://")[0]) + 3)
        assert any(url.startswith(core) for url in cited), f"{core!r} not cited; cited: {cited}"
    for url in body_urls:
        assert any(c.startswith(_core(url)) for c in cited), f"body URL {url!r} not cited; cited: {cited}"
    for url in cited:
        assert not any(ch.isspace() for ch in url), repr(url)


@FUZZ
@given(st.binary(max_size=4096))
@example(b"")
@example(b"\xff\xfe")                           # UTF-16 mark, nothing after it
@example(b"\xff\xfeQ\x00")                      # odd-length UTF-16
@example(b"\xef\xbb\xbf\xff")                   # UTF-8 mark, then not UTF-8
@example(b"\xfe\xff\xd8\x00")                   # UTF-16-BE lone surrogate
@example("Titel\n\nText\n\nQuellen: https://bücher.de/ß\n".encode("cp1252"))
@example("Titel\n\nText\n\nQuellen: https://bücher.de/ß\n".encode("utf-16"))
@example(b"\x89PNG\r\n\x1a\n" + bytes(64))
def test_any_bytes_read_as_an_article_raise_only_article_error(raw: bytes):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "article.txt"
        path.write_bytes(raw)
        try:
            article = read_article(path)
        except ArticleError as exc:
            assert str(path) in str(exc), f"the message does not name the file: {exc}"
            return
        for cited in article.cited_urls:
            assert cited.url and not any(ch.isspace() for ch in cited.url)


def test_five_thousand_urls_are_all_cited():
    urls = [f"https://example.org/story/{n}?page={n % 7}" for n in range(5000)]
    article = parse_article("Titel\n\nText.\n\nQuellen: - " + " - ".join(urls) + "\n")
    assert [c.url for c in article.cited_urls] == urls


def test_url_wrapped_at_a_hyphen_is_joined():
    article = parse_article("T\n\nB\n\nQuellen:\nhttps://example.org/politik/nato-\nbesorgt-123.html\n"
                            "https://example.net/b\n")
    assert [c.url for c in article.cited_urls] == ["https://example.org/politik/nato-besorgt-123.html",
                                                   "https://example.net/b"]


@pytest.mark.parametrize("sources", [
    "Quellen:\nhttps://example.org/a\nsiehe auch\nhttps://example.net/b\n",
    "Quellen:\nhttps://example.org/arti\ncle\nhttps://example.net/b\n",
])
def test_url_after_a_non_source_line_is_cited_or_warned_about(sources: str):
    article = parse_article("Titel\n\nText.\n\n" + sources)
    cited = [c.url for c in article.cited_urls]
    warned = any("example.net/b" in w or "ignored" in w or "not checked" in w for w in article.warnings)
    assert "https://example.net/b" in cited or warned, (cited, article.warnings)


@pytest.mark.parametrize("url", ["https://xn--/", "https://xn--a.de/", "https://xn--zz-abc.de/x"])
def test_malformed_punycode_host_is_invalid_not_a_crash(url: str):
    article = parse_article(f"Titel\n\nText.\n\nQuellen: - {url} - https://example.org/a\n")
    problems = {c.url: c.problem for c in article.cited_urls}
    assert problems["https://example.org/a"] is None
    assert problems[url], "a malformed IDN host is an invalid URL"


@pytest.mark.parametrize("sources", [
    "Quellen: https://x.de/a (abgerufen am 12.03.2024), https://y.de/b [PDF]\n",
    "Quellen:\nDPA, https://x.de/a\nReuters: https://y.de/b\n",
])
def test_words_next_to_source_urls_are_not_cited_as_urls(sources: str):
    article = parse_article("Titel\n\nText.\n\n" + sources)
    assert [c.url for c in article.cited_urls] == ["https://x.de/a", "https://y.de/b"]
