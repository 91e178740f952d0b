"""`linkcheck verify` as a subprocess against real HTTP servers on loopback addresses."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils

from .local_server import local_web, page, redirect
from documents import minimal_pdf

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SITE = FIXTURES / "site"


def run_verify(article_dir: Path, db: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "linkcheck", "verify", str(article_dir), "--db", str(db),
         "--format", "json", "--allow-private", "--timeout", "5", "--retries", "1", "--repair", "off", *extra],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def verdicts_by_url(completed: subprocess.CompletedProcess[str]) -> dict[str, dict]:
    rows = [json.loads(line) for line in completed.stdout.splitlines() if line.strip()]
    return {row["url"]: row for row in rows}


def scholz_article(folder: Path, urls, name: str = "scholz.txt") -> Path:
    """The hand-written Scholz/Macron article citing `urls`, in `folder` (created); returns the folder."""
    folder.mkdir(exist_ok=True)
    text = (FIXTURES / "article_fixture_site.txt").read_text().replace("{URLS}", " - ".join(urls))
    (folder / name).write_text(text)
    return folder


def html(name: str) -> bytes:
    return (SITE / name).read_bytes()


@pytest.fixture
def fixture_web():
    """Host A answers unknown paths with a real 404; host B answers them with a 200 'not found' page."""
    with local_web(("127.0.0.2", "127.0.0.3")) as web:
        web.routes.update({
            "/politik/scholz-macron-paris-123.html": page(html("story.html")),
            "/politik/elbe-hochwasser.html": page(html("other-story.html")),
            "/politik/alter-artikel.html": redirect("/", 301),
            "/": page(html("home.html")),
        })
        web.fallbacks["127.0.0.3"] = page(html("not-found.html"))
        yield web.url("", "127.0.0.2"), web.url("", "127.0.0.3")


def test_page_like_the_hosts_answer_to_a_random_path_is_soft_404(tmp_path):
    """No 'not found' words at all: the host shows its home page for every unknown path."""
    with local_web(("127.0.0.6",)) as web:
        web.fallbacks["127.0.0.6"] = page(html("home.html"))
        url = web.url("/politik/scholz-macron-paris-123.html")
        articles = scholz_article(tmp_path / "articles", [url])
        completed = run_verify(articles, tmp_path / "archive.db")
    row = verdicts_by_url(completed)[url]
    assert (row["verdict"], row["rule"]) == ("soft_404", "like_not_found_probe"), row["reason"]


def test_verdicts_on_hand_made_pages(tmp_path, fixture_web):
    host_a, host_b = fixture_web
    urls = {
        "ok": f"{host_a}/politik/scholz-macron-paris-123.html",
        "drifted": f"{host_a}/politik/elbe-hochwasser.html",
        "moved": f"{host_a}/politik/alter-artikel.html",
        "dead": f"{host_a}/politik/geloescht.html",
        "soft_404": f"{host_b}/politik/entfernt-456.html",
        "invalid": "htp://beispiel.de/kaputt",
    }
    articles = scholz_article(tmp_path / "articles", urls.values())
    db = tmp_path / "archive.db"

    completed = run_verify(articles, db)

    assert completed.returncode == 1, completed.stderr
    rows = verdicts_by_url(completed)
    assert {expected: rows[url]["verdict"] for expected, url in urls.items()} == {e: e for e in urls}
    assert all(row["reason"] for row in rows.values())
    assert {"Olaf Scholz", "Emmanuel Macron"} <= set(rows[urls["ok"]]["found"])
    assert rows[urls["moved"]]["final_url"] == f"{host_a}/"
    assert "6 citation(s) in 1 article(s)" in completed.stderr

    archive = sqlite_utils.Database(db)
    assert archive["runs"].count == 1
    assert archive["articles"].count == 1
    assert archive["links"].count == 6
    assert archive["checks"].count == 6
    stored = {row["verdict"] for row in archive.query("select verdict from checks")}
    assert stored == set(urls)


def test_all_ok_exits_zero_and_second_run_adds_history(tmp_path, fixture_web):
    host_a, _ = fixture_web
    articles = scholz_article(tmp_path / "articles", [f"{host_a}/politik/scholz-macron-paris-123.html"])
    db = tmp_path / "archive.db"

    first, second = run_verify(articles, db), run_verify(articles, db)

    assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
    archive = sqlite_utils.Database(db)
    assert archive["runs"].count == 2
    assert archive["checks"].count == 2
    assert archive["snapshots"].count == 1  # the unchanged page is stored once


def test_private_address_is_refused_without_opt_in(tmp_path, fixture_web):
    host_a, _ = fixture_web
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "a.txt").write_text(f"Titel\n\nText.\n\nQuellen: - {host_a}/\n")
    completed = subprocess.run(
        [sys.executable, "-m", "linkcheck", "verify", str(articles), "--db", str(tmp_path / "a.db"),
         "--format", "json", "--repair", "off"], capture_output=True, text=True, timeout=60,
        stdin=subprocess.DEVNULL)
    row = verdicts_by_url(completed)[f"{host_a}/"]
    assert row["verdict"] != "ok"
    assert "private" in row["reason"].lower() or "loopback" in row["reason"].lower()


def _corpus_page(corpus: Path, source: str, page_id: str) -> bytes:
    folder = corpus / source / "html"
    plain = folder / f"{page_id}.html"
    return plain.read_bytes() if plain.exists() else gzip.decompress((folder / f"{page_id}.html.gz").read_bytes())


def test_verdicts_on_real_corpus_pages(tmp_path, corpus):
    story = json.loads((corpus / "fundus" / "truth" / "de-Tagesschau_2023_04_28.json").read_text())
    paragraphs = [p for p in story["body"].split("\n\n") if p.strip()]
    article_text = "\n\n".join(["28.04.2023", story["title"], *paragraphs[:4]])
    with local_web(("127.0.0.4",)) as web:
        web.routes.update({
            "/inland/ahrtal-ausschuss-100.html": page(_corpus_page(corpus, "fundus", "de-Tagesschau_2023_04_28")),
            "/inland/anderes-thema-100.html": page(_corpus_page(corpus, "fundus", "de-FAZ_2023_04_28")),
            "/inland/entfernt-100.html": page(_corpus_page(corpus, "errorpages", "web.de_corona_404_2023-09-01")),
        })
        urls = {
            "ok": web.url("/inland/ahrtal-ausschuss-100.html"),
            "drifted": web.url("/inland/anderes-thema-100.html"),
            "soft_404": web.url("/inland/entfernt-100.html"),
            "dead": web.url("/inland/geloescht-100.html"),
        }
        articles = tmp_path / "articles"
        articles.mkdir()
        (articles / "ahrtal.txt").write_text(article_text + "\n\nQuellen: - " + " - ".join(urls.values()) + "\n")
        db = tmp_path / "archive.db"
        completed = run_verify(articles, db)

    rows = verdicts_by_url(completed)
    assert {expected: rows[url]["verdict"] for expected, url in urls.items()} == {e: e for e in urls}, \
        {u: (r["verdict"], r["reason"]) for u, r in rows.items()}
    archive = sqlite_utils.Database(db)
    assert archive["checks"].count == 4
    assert archive.execute("select count(*) from mentions").fetchone()[0] > 0


TEASER_BOX = (b'<aside class="related-articles"><h2>Mehr zum Thema</h2><ul>'
              b'<li><a href="/p1">Olaf Scholz trifft Emmanuel Macron in Paris</a></li>'
              b'<li><a href="/p2">Ukraine: Frankreich und die EU planen neue Hilfen</a></li></ul></aside>')
VW_ARTICLE = """03.11.2021
KrachbeiVWDiessundAufsichtsratimStreit

VW-Chef Herbert Diess gerät vor der Betriebsversammlung in Wolfsburg unter Druck. Mehrere Aufsichtsräte
und das Land Niedersachsen sollen ihm misstrauen, berichtet das Handelsblatt. Volkswagen äußerte sich nicht.

Quellen: - {url}
"""


def test_teaser_redirect_bot_wall_charset_and_pdf_on_real_corpus_pages(tmp_path, corpus):
    """A real page about something else whose teaser box names the article's people is drifted, too."""
    other_story = _corpus_page(corpus, "fundus", "de-FAZ_2023_04_28")
    with_teaser = other_story.replace(b"</body>", TEASER_BOX + b"</body>", 1)
    pdf = minimal_pdf("Olaf Scholz und Emmanuel Macron sagen der Ukraine in Paris neue Hilfe zu.")
    cloudflare = _corpus_page(corpus, "errorpages", "spiegeldaily.de_index_403_2025-11-01")
    legacy_charset = _corpus_page(corpus, "trafilatura-de", "automobilwoche.de-VW-Betriebsversammlung")
    with local_web(("127.0.0.5",)) as web:
        web.routes.update({
            "/politik/mit-teaser.html": page(with_teaser),
            "/politik/verschoben.html": redirect("/", 301),
            "/": page(_corpus_page(corpus, "fundus", "de-BR_2024_04_22")),
            "/politik/geschuetzt.html": page(cloudflare, 403),
            "/politik/bericht.pdf": page(pdf, headers=[("Content-Type", "application/pdf")]),
            "/wirtschaft/vw.html": page(legacy_charset, headers=[("Content-Type", "text/html")]),
        })
        urls = {
            "drifted": web.url("/politik/mit-teaser.html"),
            "moved": web.url("/politik/verschoben.html"),
            "blocked": web.url("/politik/geschuetzt.html"),
            "ok": web.url("/politik/bericht.pdf"),
        }
        articles = scholz_article(tmp_path / "articles", urls.values())
        vw_url = web.url("/wirtschaft/vw.html")
        (articles / "vw.txt").write_text(VW_ARTICLE.format(url=vw_url))
        db = tmp_path / "archive.db"
        completed = run_verify(articles, db)

    rows = verdicts_by_url(completed)
    assert {expected: rows[url]["verdict"] for expected, url in urls.items()} == {e: e for e in urls}, \
        {u: (r["verdict"], r["reason"]) for u, r in rows.items()}
    assert "Olaf Scholz" in rows[urls["drifted"]]["missing"]
    assert rows[vw_url]["verdict"] == "ok", rows[vw_url]["reason"]
    assert "Herbert Diess" in rows[vw_url]["found"]
    archive = sqlite_utils.Database(db)
    vw_text = archive.execute(
        "select pt.main_text from checks c join links l on l.id = c.link_id "
        "join page_texts pt on pt.id = c.page_text_id where l.url = ?", [vw_url]).fetchone()[0]
    assert "Haussegen hängt schief" in vw_text  # windows-1252 bytes decoded, not mojibake
