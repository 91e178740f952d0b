"""An article's sources section rewritten for the editor: each broken or drifted source followed by
its verified archived copy and the copy's date, in the article's own language and layout."""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .archive.reader import SourceState
from .article import SOURCES_HEADING
from .language import guess_language

_NOTE = {"de": "archiviert am {date}: {url}", "en": "archived on {date}: {url}"}
_DATE = {"de": "%d.%m.%Y", "en": "%Y-%m-%d"}


@dataclass(frozen=True)
class Rewrite:
    """The article's text with its sources annotated, and what changed."""

    text: str
    sources_section: str          # the rewritten section as it now reads
    annotated: tuple[SourceState, ...]   # sources that got an archived copy
    unrepaired: tuple[SourceState, ...]  # not ok, and no verified copy (yet)


def rewrite_sources(text: str, sources: list[SourceState]) -> Rewrite:
    """`text` with every source that is not ok and has a replacement followed by
    " (archiviert am 01.03.2024: <capture URL>)" (or the English form), inside the sources section."""
    heading = SOURCES_HEADING.search(text)
    start = heading.start() if heading else len(text)
    head, section = text[:start], text[start:]
    lang = guess_language(head, sure=False) or "de"
    annotated, unrepaired = [], []
    for source in sources:
        if source.verdict == "ok":
            continue
        if source.replacement_url is None or source.captured_at is None:
            unrepaired.append(source)
            continue
        note = _NOTE[lang].format(date=datetime.fromisoformat(source.captured_at).strftime(_DATE[lang]),
                                  url=source.replacement_url)
        found = _cited_at(section, source.url)
        if found is None or section[found:].startswith(f"{source.url} ({note})"):
            continue
        end = found + len(source.url)
        section = f"{section[:end]} ({note}){section[end:]}"
        annotated.append(source)
    return Rewrite(head + section, section.strip(), tuple(annotated), tuple(unrepaired))


def _cited_at(section: str, url: str) -> int | None:
    """Where `url` stands in the section as a whole token (not as the start of a longer URL)."""
    for found in re.finditer(re.escape(url), section):
        after = section[found.end():found.end() + 1]
        if not after or after.isspace() or after in ".,;:!?)]}>\"'»“”":
            return found.start()
    return None


def write_atomically(path: Path, text: str) -> Path:
    """Replace `path` with `text` in one rename, keeping the original beside it as `<name>.orig`;
    returns the kept original's path."""
    original = path.with_name(path.name + ".orig")
    original.write_bytes(path.read_bytes())
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return original


def as_json(path: str, rewrite: Rewrite, sources: list[SourceState]) -> str:
    """One JSON object for the article: every source with its verdict and replacement."""
    return json.dumps({"article": path, "sources": [
        {"url": s.url, "verdict": s.verdict, "reason": s.reason,
         "replacement": None if s.replacement_url is None else {
             "url": s.replacement_url, "captured_at": s.captured_at, "found": list(s.capture_mentions)},
         "why_no_replacement": s.repair_reason if s.replacement_url is None and s.verdict != "ok" else None}
        for s in sources]}, ensure_ascii=False)


def as_markdown(path: str, rewrite: Rewrite, sources: list[SourceState]) -> str:
    """A Markdown list of the article's sources, each broken one with its archived copy."""
    lines = [f"### {path}", ""]
    for s in sources:
        if s.verdict == "ok":
            lines.append(f"- <{s.url}>")
        elif s.replacement_url:
            when = s.captured_at[:10] if s.captured_at else "?"
            lines.append(f"- <{s.url}> ({s.verdict}) → [archived copy of {when}](<{s.replacement_url}>)")
        else:
            lines.append(f"- <{s.url}> ({s.verdict}): no verified archived copy ({s.repair_reason or 'not looked up'})")
    return "\n".join(lines)
