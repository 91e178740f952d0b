"""`linkcheck verify` as a subprocess against a real local server: walls reached by redirect,
meta refresh and script redirect hops, and malformed citations (issue 15)."""

from __future__ import annotations

import sqlite_utils

from .local_server import local_web, page
from .test_verify_e2e import html, run_verify, scholz_article, verdicts_by_url


def test_malformed_citations_each_get_an_invalid_row_with_a_reason(tmp_path):
    with local_web(("127.0.0.7",)) as web:
        web.routes["/politik/scholz-macron-paris-123.html"] = page(html("story.html"))
        good = web.url("/politik/scholz-macron-paris-123.html")
        malformed = {
            "htps://beispiel.de/politik/a": "scheme misspelt: htps://",
            "www.beispiel.de/politik/b": "no scheme",
            "https://beispiel.de/politik/c d.html": "space inside the URL",
            "https:///politik/d": "empty host",
        }
        articles = scholz_article(tmp_path / "articles", [good, *malformed])
        db = tmp_path / "archive.db"
        completed = run_verify(articles, db)

    rows = verdicts_by_url(completed)
    assert rows.pop(good)["verdict"] == "ok"
    cited = {url.replace("c d.html", "c␣d.html"): problem for url, problem in malformed.items()}
    assert set(rows) == set(cited), rows
    for url, problem in cited.items():
        assert rows[url]["verdict"] == "invalid" and rows[url]["rule"] == "invalid_url"
        assert problem in rows[url]["reason"], rows[url]["reason"]
    archive = sqlite_utils.Database(db)
    assert archive["citations"].count == 5
