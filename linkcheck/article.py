"""Parse an article file: date, title, body, cited URLs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


class ArticleError(ValueError):
    """An article file cannot be read or parsed; the message says why."""


@dataclass(frozen=True)
class CitedUrl:
    """One URL as the article cites it (trailing punctuation stripped)."""

    url: str
    problem: str | None = None  # why the URL is malformed; None when it is a usable http(s) URL

    @property
    def is_valid(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class Article:
    """A parsed article."""

    path: str                 # as given on the command line
    title: str                # words recovered when the title line was squashed
    date: date | None
    body: str                 # the text without the title, date and sources section
    cited_urls: tuple[CitedUrl, ...]
    content_hash: str         # sha256 of the raw file bytes
    warnings: tuple[str, ...] = ()  # things a user should know (no sources section, ...)
