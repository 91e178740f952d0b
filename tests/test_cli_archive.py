"""`linkcheck diff`, `export` and `serve` on archives that are not what they should be: one line on
stderr and a non-zero exit status, never a traceback, and the config file read as verify reads it."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkcheck import serve as serve_module
from linkcheck.archive import Archive
from linkcheck.cli import app
from linkcheck.config import Config
from linkcheck.verdict import Verdict

from archive_fakes import ENTITIES, article, day, result

CHANGED = "https://news.example/kim"
SAME = "https://dead.example/gone"
runner = CliRunner()


def make_archive(path: Path) -> Path:
    """Two runs: CHANGED's text changes between them, SAME's does not."""
    art = article(urls=(CHANGED, SAME))
    with Archive(path) as archive:
        archive.add_article(art, ENTITIES)
        for n, text in enumerate(["Kim Jong Un besucht Nordkorea.", "Kim Jong Un besucht Nordkorea wieder."]):
            run_id = archive.start_run(Config(), ["articles"])
            archive.record_link(run_id, result(CHANGED, at=day(n), articles=(art,), main_text=text,
                                               body=f"<html><body>{text}</body></html>".encode()))
            archive.record_link(run_id, result(SAME, Verdict.DEAD, at=day(n), articles=(art,),
                                               main_text="Seite nicht gefunden", body=b"404"))
            archive.finish_run(run_id, None, True)
    return path


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return make_archive(tmp_path_factory.mktemp("cli-archive") / "linkcheck.db")


def not_a_database(tmp_path: Path) -> Path:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n")
    return path


def foreign_sqlite(tmp_path: Path) -> Path:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.close()
    return path


def invoke(*args: str):
    return runner.invoke(app, list(args))


def assert_one_line_error(outcome, *words: str, status: int = 2) -> None:
    assert outcome.exit_code == status, outcome.output
    assert outcome.exception is None or isinstance(outcome.exception, SystemExit), outcome.exception
    assert "Traceback" not in outcome.output
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("linkcheck: "), outcome.stderr
    for word in words:
        assert word in lines[0]


COMMANDS = {"diff": ("diff", CHANGED), "export": ("export", "--warc", "{tmp}/out.warc"), "serve": ("serve",)}


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("archive, words", [
    (not_a_database, ("not a linkcheck archive", "file is not a database")),
    (foreign_sqlite, ("without linkcheck's tables",)),
    (lambda tmp: tmp, ("is a folder",)),
    (lambda tmp: tmp / "missing.db", ("no archive at", "linkcheck verify")),
])
def test_what_is_not_an_archive_is_one_line_and_exit_2(tmp_path, command, archive, words):
    args = [a.format(tmp=tmp_path) for a in COMMANDS[command]]
    outcome = invoke(*args, "--db", str(archive(tmp_path)))
    assert_one_line_error(outcome, *words)
    assert not (tmp_path / "out.warc").exists()


def test_diff_shows_the_changed_sentence(db):
    outcome = invoke("diff", CHANGED, "--db", str(db))
    assert outcome.exit_code == 0, outcome.output
    assert "-Kim Jong Un besucht Nordkorea.\n+Kim Jong Un besucht Nordkorea wieder." in outcome.stdout


def test_diff_of_a_url_with_one_version_only_says_so_and_exits_1(db):
    outcome = invoke("diff", SAME, "--db", str(db))
    assert_one_line_error(outcome, "only one version archived", SAME, status=1)
    assert outcome.stdout == ""


def test_diff_of_a_url_never_archived_exits_2(db):
    outcome = invoke("diff", "https://never.example/seen", "--db", str(db))
    assert_one_line_error(outcome, "https://never.example/seen is not in the archive")


def test_export_of_a_run_that_does_not_exist_writes_nothing_and_exits_2(db, tmp_path):
    outcome = invoke("export", "--warc", str(tmp_path / "out.warc"), "--db", str(db), "--run", "999")
    assert_one_line_error(outcome, "no run 999", "runs 1 to 2")
    assert list(tmp_path.iterdir()) == []


def test_export_to_a_folder_exits_2(db, tmp_path):
    assert_one_line_error(invoke("export", "--warc", str(tmp_path), "--db", str(db)), "is a folder")


def test_export_where_no_file_can_be_made_exits_2_and_leaves_nothing(db, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    outcome = invoke("export", "--warc", str(blocker / "out.warc"), "--db", str(db))
    assert_one_line_error(outcome, "cannot write", "Not a directory")
    assert [p.name for p in tmp_path.iterdir()] == ["a-file"]


def test_export_over_the_archive_itself_is_refused(db):
    before = db.read_bytes()
    assert_one_line_error(invoke("export", "--warc", str(db), "--db", str(db)), "the archive itself")
    assert db.read_bytes() == before


def test_failed_export_keeps_the_previous_warc_whole(db, tmp_path, monkeypatch):
    from linkcheck import warc

    target = tmp_path / "out.warc"
    target.write_bytes(b"the previous export")

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(warc, "_write_check", broken)
    outcome = invoke("export", "--warc", str(target), "--db", str(db))
    assert_one_line_error(outcome, "cannot write", "No space left on device")
    assert target.read_bytes() == b"the previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["out.warc"]


def test_export_writes_one_run(db, tmp_path):
    outcome = invoke("export", "--warc", str(tmp_path / "run2.warc"), "--db", str(db), "--run", "2")
    assert outcome.exit_code == 0, outcome.output
    assert "wrote 7 record(s)" in outcome.stderr
    assert (tmp_path / "run2.warc").read_bytes().startswith(b"WARC/1.0")


@pytest.mark.parametrize("command", COMMANDS)
def test_the_archive_path_comes_from_linkcheck_toml_as_for_verify(tmp_path, monkeypatch, command):
    make_archive(tmp_path / "kept" / "news.db")
    # Found in a parent folder too, as verify finds it (a relative db_path is taken from the working folder).
    (tmp_path / "linkcheck.toml").write_text(f'db_path = "{tmp_path / "kept" / "news.db"}"\n')
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    monkeypatch.setattr(serve_module, "check_port_free", lambda host, port: None)
    served = tmp_path / "served.txt"
    monkeypatch.setattr(serve_module, "datasette_command", lambda db_path, *rest, **kw: [
        sys.executable, "-c", "import sys; open(sys.argv[1], 'w').write(sys.argv[2])", str(served), str(db_path)])
    args = [a.format(tmp=tmp_path) for a in COMMANDS[command]]
    outcome = invoke(*args)
    assert outcome.exit_code == 0, outcome.output
    if command == "diff":
        assert "+Kim Jong Un besucht Nordkorea wieder." in outcome.stdout
    elif command == "export":
        assert "wrote 13 record(s)" in outcome.stderr
    else:
        assert Path(served.read_text()).resolve() == (tmp_path / "kept" / "news.db").resolve()


@pytest.mark.parametrize("command", COMMANDS)
def test_explicit_db_wins_over_linkcheck_toml(tmp_path, monkeypatch, command):
    (tmp_path / "linkcheck.toml").write_text('db_path = "nowhere/missing.db"\n')
    monkeypatch.chdir(tmp_path)
    args = [a.format(tmp=tmp_path) for a in COMMANDS[command]]
    assert_one_line_error(invoke(*args), "nowhere/missing.db")
    assert_one_line_error(invoke(*args, "--db", str(not_a_database(tmp_path))), "notes.db")


@pytest.mark.parametrize("command", COMMANDS)
def test_a_bad_config_file_is_one_line_and_exit_2(tmp_path, monkeypatch, command):
    (tmp_path / "linkcheck.toml").write_text("db_pth = 'x.db'\n")
    monkeypatch.chdir(tmp_path)
    args = [a.format(tmp=tmp_path) for a in COMMANDS[command]]
    assert_one_line_error(invoke(*args), "db_pth")
