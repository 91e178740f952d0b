"""The options users of link checkers expect, from the command line against a real local server:
--exclude and .linkcheckignore (a row that says excluded, no request), --accept, --header and
--cookie-file (what the server receives); bad values are one line and exit 2."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .faultserver import run_linkcheck
from .local_server import Handler, local_web, page
from .test_faults import json_lines, write_article


def test_exclude_ignore_file_accept_headers_and_cookies(tmp_path: Path):
    received: list[tuple[str, str | None, str | None]] = []

    def recording(handler: Handler) -> None:
        received.append((handler.path, handler.headers.get("X-Consent"), handler.headers.get("Cookie")))
        handler.answer(200, b"<html><body><p>Der Bundestag in Berlin</p></body></html>")

    with local_web(("127.0.0.2", "127.0.0.3")) as web:
        web.routes["/story"] = recording
        web.routes["/bot-walled"] = page(b"", status=999)
        urls = {name: web.url(f"/{name}", host="127.0.0.2") for name in ("story", "bot-walled", "skipped")}
        urls["social"] = web.url("/social", host="127.0.0.3")
        write_article(tmp_path / "articles", list(urls.values()))
        (tmp_path / ".linkcheckignore").write_text("# not sources\n^http://127\\.0\\.0\\.3:\n")
        (tmp_path / "cookies.txt").write_text("# Netscape HTTP Cookie File\n"
                                              "127.0.0.2\tFALSE\t/\tFALSE\t0\tconsent\tyes\n")
        run = run_linkcheck(["verify", str(tmp_path / "articles"), "--db", str(tmp_path / "a.db"), "--format", "json",
                             "--allow-private", "--timeout", "5", "--retries", "0", "--repair", "off",
                             "--exclude", "/skipped$", "--accept", "127.0.0.2=999", "-H", "X-Consent: yes",
                             "--cookie-file", str(tmp_path / "cookies.txt")], cwd=tmp_path)
    assert run.returncode in (0, 1) and "Traceback" not in run.stderr, run.stderr[-2000:]
    rows = {row["url"]: row for row in json_lines(run.stdout)}
    assert rows[urls["skipped"]]["verdict"] == "excluded"
    assert rows[urls["skipped"]]["reason"] == "not checked: exclude pattern: '/skipped$'"
    assert rows[urls["social"]]["verdict"] == "excluded" and ".linkcheckignore line 2" in rows[urls["social"]]["reason"]
    assert (rows[urls["bot-walled"]]["verdict"], rows[urls["bot-walled"]]["rule"]) == ("blocked", "accepted_status")
    assert received == [("/story", "yes", "consent=yes")], "the header or the cookie did not arrive"
    assert not {"/skipped", "/social"} & set(web.hits), web.hits


def test_bad_request_options_are_one_line_and_exit_2(tmp_path: Path):
    write_article(tmp_path / "articles", ["http://127.0.0.2:9/"])
    for option in (["-H", "no colon here"], ["--accept", "forbidden"], ["--exclude", "("],
                   ["--cookie-file", str(tmp_path / "missing.txt")], ["--ca-bundle", str(tmp_path / "none.pem")]):
        run = run_linkcheck(["verify", str(tmp_path / "articles"), "--db", str(tmp_path / "a.db"), "--repair", "off",
                             *option], cwd=tmp_path)
        assert run.returncode == 2, (option, run.stderr[-1000:])
        assert "Traceback" not in run.stderr and run.stderr.strip().startswith("linkcheck: error:"), run.stderr
        if (tmp_path / "a.db").exists():
            with sqlite3.connect(tmp_path / "a.db") as db:
                assert db.execute("SELECT count(*) FROM runs").fetchone() == (0,), f"{option} left a run behind"
