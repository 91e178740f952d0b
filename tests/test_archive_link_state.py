"""A link's state across runs: broken only after enough failures over enough days, under the run's policy."""

from __future__ import annotations

import pytest

from linkcheck.archive import Archive, ArchiveError
from linkcheck.config import Config
from linkcheck.verdict import Verdict

from archive_fakes import day, one_run, result, rows

URL = "https://news.example/kim"
DEAD = "https://dead.example/gone"
IMPATIENT = Config(failures_to_break=1, broken_after_days=0)


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "archive" / "linkcheck.db") as opened:
        yield opened


def test_link_breaks_after_three_failures_spanning_three_days(archive):
    for n in (0, 1, 2):
        one_run(archive, result(DEAD, Verdict.DEAD, at=day(n), body=b"404"))
    assert archive.db["links"].get(1)["state"] == "flaky"
    assert archive.db["broken_citations"].count == 0
    assert archive.db["failing_citations"].count == 1
    one_run(archive, result(DEAD, Verdict.DEAD, at=day(3), body=b"404"))
    link = archive.db["links"].get(1)
    assert (link["state"], link["consecutive_failures"]) == ("broken", 4)
    assert link["failing_since"] == "2026-01-05T06:00:00Z"
    assert link["state_since"] == "2026-01-08T06:00:00Z"
    broken = rows(archive, "select url, verdict, broken_since from broken_citations")
    assert broken == [{"url": DEAD, "verdict": "dead", "broken_since": "2026-01-08T06:00:00Z"}]
    one_run(archive, result(DEAD, Verdict.OK, at=day(4)))
    assert archive.db["links"].get(1)["state"] == "healthy"
    assert archive.db["broken_citations"].count == 0


def test_network_down_run_changes_no_state(archive):
    one_run(archive, result(URL, at=day(0)))
    one_run(archive, result(URL, Verdict.UNREACHABLE, at=day(1)), network_up=False)
    link = archive.db["links"].get(1)
    assert (link["state"], link["consecutive_failures"]) == ("healthy", 0)
    history = rows(archive, "select verdict, link_state from link_history order by checked_at")
    assert history == [{"verdict": "ok", "link_state": "healthy"},
                       {"verdict": "unreachable", "link_state": "healthy"}]


def test_network_down_known_at_start_changes_no_state(archive):
    run_id = archive.start_run(Config(), [], network_up=False)
    archive.record_link(run_id, result(DEAD, Verdict.DEAD))
    assert archive.db["links"].get(1)["state"] == "unknown"


def test_drifted_source_is_listed_as_unsupported_not_broken(archive):
    one_run(archive, result(URL, Verdict.DRIFTED, main_text="Nur noch Kim."))
    unsupported = rows(archive, "select url, found, missing from unsupported_sources")
    assert unsupported == [{"url": URL, "found": '["Kim Jong Un"]', "missing": '["Nordkorea"]'}]
    assert archive.db["links"].get(1)["state"] == "healthy"


def test_invalid_url_is_recorded_and_broken_at_once(archive):
    one_run(archive, result("htp:/broken", Verdict.INVALID))
    check = rows(archive, "select status, snapshot_id, verdict from checks")[0]
    assert check == {"status": None, "snapshot_id": None, "verdict": "invalid"}
    assert archive.db["broken_citations"].count == 1


def test_the_runs_own_policy_decides_when_a_link_breaks(archive):
    run_id = archive.start_run(IMPATIENT, [])
    archive.record_link(run_id, result(DEAD, Verdict.DEAD, body=b"404"))
    assert archive.db["links"].get(1)["state"] == "broken"


def test_a_replayed_link_state_follows_the_runs_policy_too(archive):
    run_id = archive.start_run(IMPATIENT, [])
    archive.record_link(run_id, result(DEAD, Verdict.DEAD, body=b"404"))
    archive.record_link(run_id, result(DEAD, Verdict.DEAD, body=b"404"))  # replaces the check: a replay
    assert rows(archive, "select link_state from checks") == [{"link_state": "broken"}]


def test_a_run_must_be_opened_before_links_are_recorded_in_it(archive):
    with pytest.raises(ArchiveError, match="start_run"):
        archive.record_link(1, result(URL))
    with pytest.raises(ArchiveError, match="start_run"):
        archive.finish_run(1)
