"""The SQLite archive (sqlite-utils): runs, articles, links, checks, snapshots, history.

The only module that writes the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .article import Article
from .config import Config
from .entities import Entity
from .verdict import LinkResult


class ArchiveError(RuntimeError):
    """The archive cannot be opened or written; the message says why."""


class ArchiveBusy(ArchiveError):
    """Another linkcheck run holds the archive's lock."""


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    started: datetime
    finished: datetime | None
    counts: dict[str, int]   # verdict -> number of citations
    network_up: bool


class Archive:
    """Open (creating and migrating as needed) the archive at `path`."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def lock(self):
        """Context manager: exclusive run lock; raises ArchiveBusy when another run holds it."""
        raise NotImplementedError

    def start_run(self, config: Config, inputs: Iterable[str]) -> int:
        raise NotImplementedError

    def add_article(self, article: Article, entities: tuple[Entity, ...]) -> int:
        raise NotImplementedError

    def record_link(self, run_id: int, result: LinkResult) -> None:
        """Store one link's check, snapshot, citation verdicts and evidence in one transaction."""
        raise NotImplementedError

    def urls_checked_since(self, since: datetime) -> set[str]:
        """URLs with a check newer than `since` (for --max-age)."""
        raise NotImplementedError

    def finish_run(self, run_id: int, counts: dict[str, int], network_up: bool) -> RunSummary:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError
