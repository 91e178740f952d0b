"""page.extract_page on the shared corpus of real news pages: aggregate quality, not single pages."""

from __future__ import annotations

import gzip
import json
import os
import re
from pathlib import Path

import pytest

from linkcheck.page import extract_page

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("LINKCHECK_CORPUS") or REPO_ROOT.parent / "shared" / "corpus")
HTML = {"content-type": "text/html"}
TOKEN = re.compile(r"\w+")

pytestmark = pytest.mark.skipif(not (CORPUS / "fundus").is_dir(),
                                reason=f"news-page corpus not found at {CORPUS} (set LINKCHECK_CORPUS)")


def pages(source: str):
    """(index row, html bytes, truth) for every page of one corpus source."""
    for row in json.loads((CORPUS / source / "index.json").read_text()):
        path = CORPUS / source / "html" / f"{row['id']}.html"
        html = path.read_bytes() if path.exists() else gzip.decompress(path.with_suffix(".html.gz").read_bytes())
        truth_dir = "meta" if source == "errorpages" else "truth"
        yield row, html, json.loads((CORPUS / source / truth_dir / f"{row['id']}.json").read_text())


def squashed(text: str) -> str:
    return " ".join(text.split()).lower()


def test_body_snippets_are_found_and_boilerplate_mostly_dropped():
    found = wanted = kept = boilerplate = 0
    for row, html, truth in pages("trafilatura-de"):
        text = squashed(extract_page(html, HTML, row["url"] or "https://example.org/").main_text)
        snippets = [squashed(s) for s in truth["body_snippets"]]
        found += sum(s in text for s in snippets)
        wanted += len(snippets)
        kept += sum(squashed(s) in text for s in truth["boilerplate_snippets"])
        boilerplate += len(truth["boilerplate_snippets"])
    assert found / wanted >= 0.9
    assert kept / boilerplate <= 0.15


def test_token_f1_against_full_text_truth():
    scores = []
    for row, html, truth in pages("fundus"):
        got = TOKEN.findall(extract_page(html, HTML, row["url"]).main_text.lower())
        want = TOKEN.findall(truth["body"].lower())
        common = len(set(got) & set(want))
        precision, recall = common / max(len(set(got)), 1), common / max(len(set(want)), 1)
        scores.append(2 * precision * recall / (precision + recall) if common else 0.0)
    assert sum(scores) / len(scores) >= 0.9


def test_non_utf8_pages_decode_cleanly():
    checked = 0
    for row, html, truth in pages("trafilatura-de"):
        if truth.get("html_encoding", "utf-8").lower() in ("utf-8", "utf8"):
            continue
        page = extract_page(html, HTML, row["url"] or "https://example.org/")
        assert "\ufffd" not in page.main_text, row["id"]
        assert any(squashed(s) in squashed(page.main_text) for s in truth["body_snippets"]), row["id"]
        checked += 1
    assert checked >= 5


def test_error_pages_are_flagged_as_not_found_or_bot_wall():
    for row, html, meta in pages("errorpages"):
        headers = {k.lower(): v for k, v in meta["response_headers"].items()}
        page = extract_page(html, headers, meta["url"])
        if meta["http_status"] == 403:
            assert page.bot_wall_cues, row["id"]
        else:
            assert page.not_found_cues, row["id"]


def test_real_articles_carry_no_not_found_or_bot_wall_cues():
    flagged = []
    for source in ("fundus", "scrapinghub-aeb", "trafilatura-de"):
        for row, html, _ in pages(source):
            page = extract_page(html, HTML, row["url"] or "https://example.org/")
            if page.not_found_cues or page.bot_wall_cues:
                flagged.append((row["id"], page.not_found_cues, page.bot_wall_cues))
    assert len(flagged) <= 2, flagged
