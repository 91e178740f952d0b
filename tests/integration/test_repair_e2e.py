"""Repair end to end: `linkcheck verify` against a local web and a fake archive on loopback that
speaks the availability, CDX, id_ and Memento APIs; `linkcheck fix` prints the corrected sources."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from .fake_archive import FakeArchive
from .local_server import local_web, page

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SITE = FIXTURES / "site"
STORY = (SITE / "story.html").read_bytes()
OTHER = (SITE / "other-story.html").read_bytes()
NOT_FOUND = (SITE / "not-found.html").read_bytes()
LIVEBLOG_NOW = b"""<html lang="de"><head><title>Liveblog: Wahl in Italien</title></head><body><main><article>
<h1>Liveblog: Wahl in Italien</h1><p>In Rom haben die Wahllokale geschlossen. Giorgia Meloni sprach von einem
klaren Auftrag; die Opposition um Elly Schlein kuendigte Widerstand an. Hochrechnungen sehen die Rechte vorn,
die Wahlbeteiligung lag bei 64 Prozent. Der Staatspraesident wird in den naechsten Tagen Gespraeche fuehren.</p>
</article></main></body></html>"""
PAGE_HOST, ARCHIVE_HOST = "127.0.0.21", "127.0.0.22"


def article(folder: Path, urls: list[str]) -> Path:
    folder.mkdir(exist_ok=True)
    text = (FIXTURES / "article_fixture_site.txt").read_text().replace("{URLS}", " - ".join(urls))
    (folder / "scholz.txt").write_text(text)  # dated 12.03.2024
    return folder


def linkcheck(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "linkcheck", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


def write_config(folder: Path, archive: FakeArchive, base: str, **more: object) -> None:
    keys = {**archive.config(base), "archives": ["wayback"], **more}
    (folder / "linkcheck.toml").write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in keys.items()))


@pytest.fixture
def repaired(tmp_path):
    """Three broken or drifted sources of one article, each with captures at various distances."""
    archive = FakeArchive()
    with local_web((PAGE_HOST, ARCHIVE_HOST)) as web:
        web.fallbacks[ARCHIVE_HOST] = archive.route
        dead, drifted, liveblog = (web.url(p, PAGE_HOST) for p in
                                   ("/politik/scholz-macron-paris-123.html", "/politik/hilfen.html",
                                    "/liveblog/ukraine-hilfe"))
        web.routes["/politik/hilfen.html"] = page(OTHER)
        web.routes["/liveblog/ukraine-hilfe"] = page(LIVEBLOG_NOW)
        # dead: a soft-404 capture closest before the date, a good one before that, a closer one after.
        archive.add(dead, "20240311080000", NOT_FOUND)
        archive.add(dead, "20240301120000", STORY)
        archive.add(dead, "20240312180000", STORY)
        archive.add(dead, "20240310000000", b"", status=404)
        # drifted: the only captures before the date are another story; a good one after it.
        archive.add(drifted, "20240201000000", OTHER)
        archive.add(drifted, "20240320000000", STORY)
        # live blog: its content as it was on the article's day.
        archive.add(liveblog, "20240312060000", STORY)
        archive.add(liveblog, "20241001000000", LIVEBLOG_NOW)
        articles = article(tmp_path / "articles", [dead, drifted, liveblog])
        write_config(tmp_path, archive, web.url("", ARCHIVE_HOST))
        verified = linkcheck(tmp_path, "verify", "articles", "--allow-private", "--format", "json",
                             "--timeout", "5", "--retries", "0")
        fixed = linkcheck(tmp_path, "fix", str(articles / "scholz.txt"))
        yield {"rows": {r["url"]: r for r in map(json.loads, verified.stdout.splitlines())},
               "verified": verified, "fixed": fixed, "archive": archive, "urls": (dead, drifted, liveblog),
               "base": web.url("", ARCHIVE_HOST), "db": tmp_path / "archive" / "linkcheck.db",
               "article": articles / "scholz.txt"}


def test_each_source_gets_the_capture_nearest_before_the_date_that_supports_the_article(repaired):
    dead, drifted, liveblog = repaired["urls"]
    rows, base = repaired["rows"], repaired["base"]
    assert repaired["verified"].returncode == 1, repaired["verified"].stderr
    assert "Traceback" not in repaired["verified"].stderr
    assert rows[dead]["verdict"] == "dead" and rows[drifted]["verdict"] == "drifted"
    # the soft 404 on 11 March is rejected; 1 March (before) wins over 12 March 18:00 (after, closer)
    assert rows[dead]["replacement"]["url"] == f"{base}/web/20240301120000/{dead}"
    assert rows[dead]["replacement"]["captured_at"] == "2024-03-01T12:00:00Z"
    assert rows[dead]["replacement"]["archive"] == "wayback"
    assert {"Olaf Scholz", "Emmanuel Macron"} <= set(rows[dead]["replacement"]["found"])
    # another story before the date is no replacement: the capture after it is
    assert rows[drifted]["replacement"]["url"] == f"{base}/web/20240320000000/{drifted}"
    assert rows[drifted]["replacement"]["days_from_article"] == 8
    # the live blog as it was that morning
    assert rows[liveblog]["replacement"]["url"] == f"{base}/web/20240312060000/{liveblog}"


def test_the_live_verdict_stays_what_it_is(repaired):
    dead, drifted, _ = repaired["urls"]
    rows = repaired["rows"]
    assert (rows[dead]["verdict"], rows[dead]["rule"]) == ("dead", "http_404")
    assert rows[drifted]["rule"] == "entities_missing"


def test_captures_are_fetched_raw_and_every_lookup_and_capture_check_is_archived(repaired):
    paths = [path for path, _ in repaired["archive"].requests]
    assert all("id_/" in p for p in paths if p.startswith("/web/")), "captures are read in their raw form"
    with sqlite3.connect(repaired["db"]) as db:
        checks = db.execute("SELECT capture_url, verdict, rule, supports, is_replacement, snapshot_id "
                            "FROM capture_checks ORDER BY id").fetchall()
        lookups = db.execute("SELECT count(*), sum(reached) FROM archive_lookups").fetchone()
        to_repair = db.execute("SELECT url, replacement_url, capture_date FROM citations_to_repair").fetchall()
    soft = [c for c in checks if c[0].endswith(f"20240311080000/{repaired['urls'][0]}")]
    assert soft and soft[0][1:4] == ("soft_404", "not_found_cue", 0)
    assert sum(c[4] for c in checks) == 3 and all(c[5] is not None for c in checks)
    assert lookups[0] >= 3 and lookups[0] == lookups[1]
    assert {row[0] for row in to_repair} == set(repaired["urls"]) and all(row[1] for row in to_repair)


def test_fix_prints_the_sources_line_with_each_verified_archive_copy(repaired):
    fixed = repaired["fixed"]
    dead, drifted, liveblog = repaired["urls"]
    base = repaired["base"]
    assert fixed.returncode == 0, fixed.stderr
    assert "Quellen:" in fixed.stdout
    assert f"{dead} (archiviert am 01.03.2024: {base}/web/20240301120000/{dead})" in fixed.stdout
    assert f"{liveblog} (archiviert am 12.03.2024: {base}/web/20240312060000/{liveblog})" in fixed.stdout
    assert repaired["article"].read_text().count("archiviert") == 0, "fix never edits without --write"


def test_fix_with_write_rewrites_the_article_atomically_and_keeps_the_original(repaired, tmp_path):
    original = repaired["article"].read_text()
    written = linkcheck(tmp_path, "fix", str(repaired["article"]), "--write")
    assert written.returncode == 0, written.stderr
    assert repaired["article"].read_text().count("archiviert am") == 3
    assert Path(str(repaired["article"]) + ".orig").read_text() == original


def test_memento_timegate_negotiation_end_to_end(tmp_path):
    archive = FakeArchive()
    with local_web((PAGE_HOST, ARCHIVE_HOST)) as web:
        web.fallbacks[ARCHIVE_HOST] = archive.route
        dead = web.url("/politik/weg.html", PAGE_HOST)
        archive.add(dead, "20240305000000", STORY)
        article(tmp_path / "articles", [dead])
        write_config(tmp_path, archive, web.url("", ARCHIVE_HOST), archives=["memento"])
        verified = linkcheck(tmp_path, "verify", "articles", "--allow-private", "--format", "json",
                             "--timeout", "5", "--retries", "0")
    row = json.loads(verified.stdout.splitlines()[0])
    assert row["replacement"]["url"] == f"{web.url('', ARCHIVE_HOST)}/memento/20240305000000/{dead}"
    assert row["replacement"]["archive"] == ARCHIVE_HOST
    timegate = [headers for path, headers in archive.requests if path.startswith("/timegate/")]
    assert timegate and timegate[0]["accept-datetime"] == "Tue, 12 Mar 2024 12:00:00 GMT"


def test_unreachable_archive_is_no_lookup_and_the_live_links_are_judged(tmp_path):
    with local_web((PAGE_HOST,)) as web:
        dead = web.url("/politik/weg.html", PAGE_HOST)
        article(tmp_path / "articles", [dead])
        # nothing listens on this port of 127.0.0.23
        write_config(tmp_path, FakeArchive(), "http://127.0.0.23:9")
        verified = linkcheck(tmp_path, "verify", "articles", "--allow-private", "--format", "json",
                             "--timeout", "2", "--retries", "0")
    row = json.loads(verified.stdout.splitlines()[0])
    assert row["verdict"] == "dead" and row["replacement"] is None
    assert "network is unavailable" not in verified.stderr
    with sqlite3.connect(tmp_path / "archive" / "linkcheck.db") as db:
        looked_up, reason = db.execute("SELECT looked_up, reason FROM repairs").fetchone()
    assert looked_up == 0 and reason.startswith("no lookup")


def test_save_page_now_submits_ok_sources_and_never_stores_the_credentials(tmp_path):
    archive = FakeArchive()
    with local_web((PAGE_HOST, ARCHIVE_HOST)) as web:
        web.fallbacks[ARCHIVE_HOST] = archive.route
        web.routes["/politik/scholz-macron-paris-123.html"] = page(STORY)
        ok = web.url("/politik/scholz-macron-paris-123.html", PAGE_HOST)
        article(tmp_path / "articles", [ok])
        write_config(tmp_path, archive, web.url("", ARCHIVE_HOST), save_page_now=True)
        verified = subprocess.run(
            [sys.executable, "-m", "linkcheck", "verify", "articles", "--allow-private", "--format", "json"],
            cwd=tmp_path, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
            env={**os.environ, "LINKCHECK_IA_ACCESS_KEY": "key-123", "LINKCHECK_IA_SECRET_KEY": "sec-456"})
        archive.save_status = 429
        limited = subprocess.run(
            [sys.executable, "-m", "linkcheck", "verify", "articles", "--allow-private", "--retries", "0"],
            cwd=tmp_path, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
            env={**os.environ, "LINKCHECK_IA_ACCESS_KEY": "key-123", "LINKCHECK_IA_SECRET_KEY": "sec-456"})
        without_credentials = linkcheck(tmp_path, "verify", "articles", "--allow-private", "--retries", "0")
    assert verified.returncode == 0, verified.stderr
    saves = [headers for path, headers in archive.requests if path.startswith("/save/")]
    assert saves and saves[0]["authorization"] == "LOW key-123:sec-456"
    stored = b"".join(p.read_bytes() for p in (tmp_path / "archive").iterdir() if p.is_file())
    for secret in ("key-123", "sec-456"):
        assert secret not in verified.stdout + verified.stderr + limited.stderr
        assert secret.encode() not in stored
    with sqlite3.connect(tmp_path / "archive" / "linkcheck.db") as db:
        requests = db.execute("SELECT accepted, status, reason FROM save_requests ORDER BY id").fetchall()
    assert requests[0] == (1, 200, "submitted (job spn2-fake)")
    assert requests[1][:2] == (0, 429) and "rate limiting" in limited.stderr
    assert len([p for p, _ in archive.requests if p.startswith("/save/")]) == 2, "a 429 slows down, never loops"
    assert "save_page_now needs archive.org credentials" in without_credentials.stderr
