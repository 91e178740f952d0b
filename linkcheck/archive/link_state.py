"""A link's state across runs in the archive: stepped on by each check, or replayed over all its checks.

The history policy (`failures_to_break`, `broken_after_days`) is the Config of the run that records
the check; history.py decides, this module reads and saves the `links` and `checks` columns.
"""

from __future__ import annotations

from datetime import datetime

import sqlite_utils

from .. import history
from ..config import Config
from ..schema import utc_iso
from ..verdict import Verdict


def step(db: sqlite_utils.Database, link: dict, check_id: int, verdict: Verdict, at: str,
         policy: Config, network_up: bool) -> None:
    """Move the link (its `links` row as a dict) on by one check's verdict, observed at `at`."""
    after = history.step(_history_of(link), verdict, datetime.fromisoformat(at), policy,
                         network_up=network_up)
    _save(db, link["id"], after, at, verdict.value, check_id)


def replay(db: sqlite_utils.Database, link_id: int, policy: Config) -> None:
    """Recompute a link's state from all its checks (after a replaced check or a network-down run)."""
    rows = db.execute(
        "SELECT c.id, c.verdict, c.checked_at, r.network_up FROM checks c JOIN runs r "
        "ON r.id = c.run_id WHERE c.link_id = ? AND c.verdict IS NOT NULL "
        "ORDER BY c.checked_at, c.id", [link_id]).fetchall()
    state = history.LinkHistory()
    for check_id, verdict, at, network_up in rows:
        state = history.step(state, verdict, datetime.fromisoformat(at), policy,
                             network_up=network_up != 0)
        db.execute("UPDATE checks SET link_state = ? WHERE id = ?", [state.state.value, check_id])
    if rows:
        _, verdict, at, _ = rows[-1]
        _save(db, link_id, state, at, verdict, None)


def _save(db: sqlite_utils.Database, link_id: int, state: history.LinkHistory, at: str,
          verdict: str, check_id: int | None) -> None:
    db.execute(
        "UPDATE links SET state = ?, state_since = ?, consecutive_failures = ?, failing_since = ?, "
        "last_checked = ?, last_verdict = ? WHERE id = ?",
        [state.state.value, utc_iso(state.state_since) if state.state_since else None,
         state.consecutive_failures, utc_iso(state.failing_since) if state.failing_since else None,
         at, verdict, link_id])
    if check_id is not None:
        db.execute("UPDATE checks SET link_state = ? WHERE id = ?", [state.state.value, check_id])


def _history_of(link: dict) -> history.LinkHistory:
    def moment(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None
    return history.LinkHistory(history.LinkState(link["state"]), moment(link["state_since"]),
                               link["consecutive_failures"], moment(link["failing_since"]))
