"""`linkcheck verify` as a subprocess against a real local server: pages about another story that
share only generic names or picture captions with the article are drifted (issue 15)."""

from __future__ import annotations

from test_verdict_pages import DRIFT_PAGES

from .local_server import local_web, page
from .test_verify_e2e import run_verify, scholz_article, verdicts_by_url


def test_generic_names_and_captions_do_not_support_the_article(tmp_path):
    expected = {f"/politik/{name}.html": (verdict.value, rule) for name, _, verdict, rule in DRIFT_PAGES}
    with local_web(("127.0.0.31",)) as web:
        web.routes.update({f"/politik/{name}.html": page(html.encode()) for name, html, _, _ in DRIFT_PAGES})
        urls = {web.url(path): path for path in expected}
        completed = run_verify(scholz_article(tmp_path / "articles", urls), tmp_path / "archive.db")

    rows = verdicts_by_url(completed)
    got = {urls[url]: (row["verdict"], row["rule"]) for url, row in rows.items()}
    assert got == expected, {urls[url]: row["reason"] for url, row in rows.items()}
