"""page_budget.check_markup and the extraction it guards: pages that would cost too much to parse
are refused by a scan of their tags, and the main-text step is linear in the page."""

from __future__ import annotations

import tracemalloc

import pytest
from selectolax.lexbor import LexborHTMLParser

from linkcheck.boilerplate import main_text, strip_non_content
from linkcheck.page import extract_page
from linkcheck.page_budget import MAX_TREE_DEPTH, PageBudget, PageBudgetExceeded, check_markup

HTML = {"content-type": "text/html"}
STORY = "<p>" + "Der Bundestag hat am Freitag den Haushalt beschlossen. " * 5 + "</p>"


def nested(tag: str, depth: int, inner: str = "x") -> bytes:
    return f"<html><body>{f'<{tag}>' * depth}{inner}{f'</{tag}>' * depth}</body></html>".encode()


def refusal(html: bytes) -> PageBudgetExceeded:
    with pytest.raises(PageBudgetExceeded) as raised:
        check_markup(html)
    return raised.value


def test_a_million_nested_divs_are_refused_for_their_depth():
    page = nested("div", 1_000_000)
    with pytest.raises(PageBudgetExceeded) as raised:
        extract_page(page, HTML, "https://news.example/a")
    assert raised.value.budget is PageBudget.DEPTH
    assert f"{MAX_TREE_DEPTH:,} deep" in str(raised.value)


def test_nesting_within_the_cap_is_read():
    page = nested("div", MAX_TREE_DEPTH // 2, STORY)
    assert "Haushalt beschlossen" in extract_page(page, HTML, "https://news.example/a").main_text


def test_too_many_elements_are_refused():
    assert refusal(b"<html><body>" + b"<b>x</b>" * 300_000 + b"</body></html>").budget is PageBudget.ELEMENTS


@pytest.mark.parametrize("flat", [
    "<p>unclosed paragraph " * 5000,                       # the parser closes each <p> at the next
    "<ul>" + "<li>item " * 5000 + "</ul>",
    "<script>" + "document.write('<div>');" * 5000 + "</script>",   # script text is not markup
    "<svg>" + "<path d='M0 0'/>" * 5000 + "</svg>",          # self-closing in SVG
    "<div>a</div>" * 5000,
])
def test_long_flat_pages_are_not_deep(flat: str):
    check_markup(f"<html><body>{flat}</body></html>".encode())


def test_stray_end_tags_do_not_hide_nesting():
    # The parser ignores an end tag without an open element of its name: the divs still nest.
    assert refusal(b"<body>" + b"<div></span>" * (MAX_TREE_DEPTH + 1)).budget is PageBudget.DEPTH


def test_an_end_tag_closes_what_was_left_open_inside_it():
    check_markup(b"<body>" + b"<div><span><b>unclosed</div>" * (MAX_TREE_DEPTH * 2))


def _peak_bytes(depth: int) -> int:
    tree = LexborHTMLParser(nested("div", depth, STORY))
    strip_non_content(tree)
    tracemalloc.start()
    try:
        assert "Haushalt" in main_text(tree, len(STORY))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_main_text_memory_grows_linearly_with_the_depth():
    # Below the parser's cap, on a tree parsed directly: twice the depth, about twice the memory
    # (the chains of ancestors it replaced took four times as much: 40,000 divs, 7.7 GB).
    assert _peak_bytes(8_000) < 3 * _peak_bytes(4_000)


def test_start_tags_without_their_end_are_scanned_in_linear_time():
    # Every "<div " looked for its ">" to the end of the page (1 MB, 200,000 times) before.
    check_markup(b"<body>" + b"<div " * 200_000, max_depth=10**9, max_elements=10**9)
