"""`linkcheck verify` as a subprocess against a real local server: walls reached by redirect,
meta refresh and script redirect hops, and malformed citations (issue 15)."""

from __future__ import annotations

import json
from urllib.parse import quote

import sqlite_utils

from .local_server import local_web, page, redirect
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


def refreshing(target: str, delay: int = 0) -> bytes:
    return (f"<html><head><meta http-equiv='refresh' content='{delay}; url={target}'><title>Weiter"
            "</title></head><body><p>Sie werden weitergeleitet.</p></body></html>").encode()


def scripted(target: str) -> bytes:
    return (f"<html><head><script>location.replace('{target}');</script></head>"
            "<body><noscript>Bitte JavaScript einschalten.</noscript></body></html>").encode()


def test_meta_refresh_and_script_redirect_hops_are_followed(tmp_path):
    with local_web(("127.0.0.8",)) as web:
        web.routes.update({
            "/politik/umgezogen.html": page(refreshing("/politik/2024/scholz-macron-paris-123.html")),
            "/politik/2024/scholz-macron-paris-123.html": page(html("story.html")),
            "/politik/geloescht.html": page(scripted("/")),
            "/politik/alt.html": page(refreshing("/politik/geloescht.html", delay=2)),
            "/": page(html("home.html")),
        })
        urls = {name: web.url(path) for name, path in [
            ("ok", "/politik/umgezogen.html"), ("moved", "/politik/geloescht.html"),
            ("moved_twice", "/politik/alt.html")]}
        articles = scholz_article(tmp_path / "articles", urls.values())
        db = tmp_path / "archive.db"
        completed = run_verify(articles, db)

    rows = verdicts_by_url(completed)
    ok, moved, moved_twice = (rows[urls[name]] for name in ("ok", "moved", "moved_twice"))
    assert (ok["verdict"], ok["rule"]) == ("ok", "entities_found"), ok["reason"]
    assert ok["final_url"] == web.url("/politik/2024/scholz-macron-paris-123.html")
    assert (moved["verdict"], moved["rule"]) == ("moved", "meta_refresh_to_home"), moved["reason"]
    assert (moved_twice["verdict"], moved_twice["rule"]) == ("moved", "meta_refresh_to_home")
    archive = sqlite_utils.Database(db)
    chains = {url: json.loads(chain) for url, chain in archive.execute(
        "select l.url, c.chain from checks c join links l on l.id = c.link_id")}
    assert [(hop["status"], hop["location"]) for hop in chains[urls["moved_twice"]]] == [
        (200, web.url("/politik/geloescht.html")), (200, web.url("/")), (200, None)]


CONSENT_PAGE = (b"<html lang='de'><head><title>Zustimmung</title></head><body><div class='cmp'><h2>Ihre "
                b"Privatsph\xc3\xa4re</h2><p>Wir und unsere Partner verwenden Cookies. Mit \xe2\x80\x9eAlle "
                b"akzeptieren\xe2\x80\x9c erteilen Sie Ihre Einwilligung.</p><button>Alle akzeptieren</button>"
                b"</div></body></html>")
LOGIN_PAGE = (b"<html><head><title>Anmelden</title></head><body><form method='post'><input name='email'>"
              b"<input type='password' name='pw'><button>Anmelden</button></form></body></html>")


def test_consent_and_login_redirects_are_walls_and_a_redirect_home_stays_a_move(tmp_path):
    with local_web(("127.0.0.9", "127.0.0.10")) as web:
        story = "/politik/scholz-macron-paris-123.html"
        cited = web.url(story)
        third_party = web.url("/consent", host="127.0.0.10")
        web.routes.update({
            story: redirect(f"/zustimmung?url={quote(cited, safe='')}", 302),
            "/zustimmung": page(CONSENT_PAGE),
            "/politik/abo-artikel.html": redirect(f"{third_party}?redirect_url="
                                                  f"{quote(web.url('/politik/abo-artikel.html'), safe='')}"),
            "/consent": page(b"<html><head><script src='/cmp.js'></script></head><body></body></html>"),
            "/politik/plus-artikel.html": redirect("/login", 303),
            "/login": page(LOGIN_PAGE),
            "/politik/alter-artikel.html": redirect("/", 301),
            "/": page(html("home.html")),
        })
        urls = {"consent": cited, "third_party": web.url("/politik/abo-artikel.html"),
                "login": web.url("/politik/plus-artikel.html"), "home": web.url("/politik/alter-artikel.html")}
        articles = scholz_article(tmp_path / "articles", urls.values())
        completed = run_verify(articles, tmp_path / "archive.db")

    rows = verdicts_by_url(completed)
    got = {name: (rows[url]["verdict"], rows[url]["rule"]) for name, url in urls.items()}
    assert got == {"consent": ("blocked", "consent_wall_redirect"),
                   "third_party": ("blocked", "consent_wall_redirect"),
                   "login": ("blocked", "login_redirect"),
                   "home": ("moved", "redirect_to_home")}, {n: rows[u]["reason"] for n, u in urls.items()}
    assert "303" in rows[urls["login"]]["reason"]
