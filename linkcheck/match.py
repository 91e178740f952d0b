"""Which key entities a page's main text mentions, where, and whether that supports the article."""

from __future__ import annotations

from dataclasses import dataclass

from .entities import Entity


@dataclass(frozen=True)
class Mention:
    """Evidence: one hit of an entity in the page."""

    entity: str      # Entity.name
    surface: str     # the text as it stands on the page ("Selenskyjs", "North Korea")
    where: str       # "title" or "main"
    offset: int      # character offset in that text
    snippet: str     # ~100 characters around the hit


@dataclass(frozen=True)
class Match:
    """Result of matching one article's key entities against one page."""

    found: tuple[str, ...]     # entity names mentioned, most salient first
    missing: tuple[str, ...]   # entity names not mentioned
    mentions: tuple[Mention, ...]
    score: float               # weighted share of the key entities found, 0..1
    supports: bool             # does the page support the article (score rule, see match.supports)


class EntityMatcher:
    """Built once per article (one automaton for all entities); matches any number of pages."""

    def __init__(self, entities: tuple[Entity, ...]) -> None:
        self.entities = entities

    def match(self, title: str, main_text: str) -> Match:
        raise NotImplementedError
