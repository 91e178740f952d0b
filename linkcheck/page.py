"""Bytes to text: charset, main content without boilerplate, PDF text, and page signals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class PageKind(StrEnum):
    HTML = "html"
    PDF = "pdf"
    TEXT = "text"      # text/plain and other text documents
    OTHER = "other"    # images, binaries: nothing to read


@dataclass(frozen=True)
class PageText:
    """What a page says, separated from how it is dressed."""

    kind: PageKind
    title: str
    main_text: str                       # the article's own text; boilerplate removed
    charset: str | None                  # the charset used to decode
    language: str | None                 # <html lang> or a guess ("de", "en")
    canonical_url: str | None            # <link rel=canonical>
    meta_refresh_url: str | None         # target of <meta http-equiv=refresh>, absolute
    not_found_cues: tuple[str, ...]      # phrases that say "not found" ("Seite nicht gefunden")
    bot_wall_cues: tuple[str, ...]       # signs of a challenge / captcha / consent wall
    paywall: bool                        # the page says its text is behind a paywall
    visible_text_length: int = 0         # length of all visible text (for density comparisons)


def extract_page(body: bytes, headers: Mapping[str, str], url: str) -> PageText:
    """Decode and read a fetched body; never raises on bad bytes."""
    raise NotImplementedError
