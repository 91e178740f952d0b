"""One citation check as an editor reads it: verdict, reason, rule, redirect chain, the key
entities found (each hit with the words around it) and missing, the previous check and the
change of the page's text since. Read from a plain sqlite3 connection (Datasette's too)."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass

from ..fetch import Hop
from ..match import SNIPPET_CHARS
from .reader import diff_texts


@dataclass(frozen=True)
class Snippet:
    """The words around one hit, split so the hit can be highlighted."""

    before: str
    hit: str
    after: str


@dataclass(frozen=True)
class EntityEvidence:
    """A key entity the page mentions, with where and how."""

    entity: str
    mentions: tuple[tuple[str, str, Snippet], ...]  # (found_in: title or main, surface, snippet)


@dataclass(frozen=True)
class CitationEvidence:
    """Everything the citation check page shows, with the ids it links to."""

    citation_check_id: int
    verdict: str
    verdict_meaning: str | None
    reason: str | None
    rule: str | None
    rule_explained: str | None
    score: float | None
    supports: bool | None
    article_id: int
    article: str
    article_title: str | None
    citation_id: int
    link_id: int
    url: str
    link_state: str
    check_id: int
    run_id: int
    checked_at: str
    status: int | None
    final_url: str | None
    error: str | None
    error_detail: str | None
    chain: tuple[Hop, ...]
    snapshot_id: int | None
    content_type: str | None
    page_text_id: int | None
    page_title: str | None
    main_text: str | None
    found: tuple[EntityEvidence, ...]
    missing: tuple[str, ...]
    previous_citation_check_id: int | None
    previous_checked_at: str | None
    previous_verdict: str | None
    text_diff: str | None  # unified diff from the previous check's text: "" the same, None nothing to compare


def _rows(conn: sqlite3.Connection, sql: str, params: list) -> list[dict]:
    cursor = conn.execute(sql, params)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def citation_evidence(conn: sqlite3.Connection, citation_check_id: int) -> CitationEvidence | None:
    """The evidence of citation check `citation_check_id`, or None when there is no such check."""
    found = _rows(conn, """
        SELECT cc.id, cc.verdict, v.meaning, cc.reason, cc.rule, r.explanation, cc.score, cc.supports,
               cc.found, cc.missing, a.id AS article_id, a.path, a.title AS article_title, ci.id AS citation_id,
               l.id AS link_id, l.url, l.state, c.id AS check_id, c.run_id, c.checked_at, c.status, c.final_url,
               c.error, c.error_detail, c.chain, c.snapshot_id, s.content_type, c.page_text_id, pt.title,
               pt.main_text
        FROM citation_checks cc JOIN checks c ON c.id = cc.check_id
        JOIN citations ci ON ci.id = cc.citation_id JOIN articles a ON a.id = ci.article_id
        JOIN links l ON l.id = ci.link_id
        LEFT JOIN verdicts v ON v.name = cc.verdict LEFT JOIN rules r ON r.name = cc.rule
        LEFT JOIN snapshots s ON s.id = c.snapshot_id LEFT JOIN page_texts pt ON pt.id = c.page_text_id
        WHERE cc.id = ?""", [citation_check_id])
    if not found:
        return None
    row = found[0]
    previous = _rows(conn, """
        SELECT cc.id, c.checked_at, cc.verdict, pt.main_text FROM citation_checks cc
        JOIN checks c ON c.id = cc.check_id LEFT JOIN page_texts pt ON pt.id = c.page_text_id
        WHERE cc.citation_id = ? AND (c.checked_at < ? OR (c.checked_at = ? AND c.id < ?))
        ORDER BY c.checked_at DESC, c.id DESC LIMIT 1""",
                     [row["citation_id"], row["checked_at"], row["checked_at"], row["check_id"]])
    before = previous[0] if previous else None
    # A caption's offset is one in the main text too (it stands there, but does not count as found).
    texts = {"title": row["title"] or "", "main": row["main_text"] or "", "caption": row["main_text"] or ""}
    mentions: dict[str, list[tuple[str, str, Snippet]]] = {}
    for mention in _rows(conn, 'SELECT entity, surface, found_in, "offset", snippet FROM mentions '
                               "WHERE citation_check_id = ? ORDER BY id", [citation_check_id]):
        mentions.setdefault(mention["entity"], []).append(
            (mention["found_in"], mention["surface"],
             highlight(texts.get(mention["found_in"], ""), mention["surface"], mention["offset"],
                       mention["snippet"] or "")))
    names = json.loads(row["found"]) if row["found"] else list(mentions)
    return CitationEvidence(
        citation_check_id=row["id"], verdict=row["verdict"], verdict_meaning=row["meaning"],
        reason=row["reason"], rule=row["rule"], rule_explained=row["explanation"], score=row["score"],
        supports=None if row["supports"] is None else bool(row["supports"]),
        article_id=row["article_id"], article=row["path"], article_title=row["article_title"],
        citation_id=row["citation_id"], link_id=row["link_id"], url=row["url"], link_state=row["state"],
        check_id=row["check_id"], run_id=row["run_id"], checked_at=row["checked_at"], status=row["status"],
        final_url=row["final_url"], error=row["error"], error_detail=row["error_detail"],
        chain=tuple(Hop(h["url"], h.get("status"), h.get("location")) for h in json.loads(row["chain"] or "[]")),
        snapshot_id=row["snapshot_id"], content_type=row["content_type"], page_text_id=row["page_text_id"],
        page_title=row["title"], main_text=row["main_text"],
        found=tuple(EntityEvidence(name, tuple(mentions.get(name, ()))) for name in names),
        missing=tuple(json.loads(row["missing"])) if row["missing"] else (),
        previous_citation_check_id=before["id"] if before else None,
        previous_checked_at=before["checked_at"] if before else None,
        previous_verdict=before["verdict"] if before else None,
        text_diff=(diff_texts(before["main_text"], row["main_text"], f"text at {before['checked_at']}",
                              f"text at {row['checked_at']}")
                   if before and before["main_text"] is not None and row["main_text"] is not None else None),
    )


def highlight(text: str, surface: str, offset: int | None, stored: str) -> Snippet:
    """The words around the hit of `surface` at `offset` in `text`; from the stored snippet when
    the text no longer holds the hit there (the hit unmarked when the snippet lacks it too)."""
    end = (offset or 0) + len(surface)
    if offset is not None and text[offset:end] == surface:
        margin = max(0, (SNIPPET_CHARS - len(surface)) // 2)
        left, right = max(0, offset - margin), min(len(text), end + margin)
        return Snippet(("…" if left > 0 else "") + _squeeze(text[left:offset]), surface,
                       _squeeze(text[end:right]) + ("…" if right < len(text) else ""))
    at = stored.find(surface)
    if at < 0:
        at = stored.lower().find(surface.lower())
    if at < 0:
        return Snippet(stored, "", "")
    return Snippet(stored[:at], stored[at:at + len(surface)], stored[at + len(surface):])


def _squeeze(text: str) -> str:
    """Runs of white space as one space, kept at the ends (they part the hit from its neighbours)."""
    return re.sub(r"\s+", " ", text)
