"""The article's key entities: people, places, organisations, numbers, with weights and aliases."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .article import Article


class EntityKind(StrEnum):
    PERSON = "person"
    PLACE = "place"
    ORG = "org"
    NUMBER = "number"
    OTHER = "other"


@dataclass(frozen=True)
class Entity:
    """A key entity and the surface forms that count as a mention of it."""

    name: str                  # canonical name as the article writes it: "Robert Wood", "Nordkorea"
    kind: EntityKind
    weight: float              # salience; higher = more important to the article
    aliases: tuple[str, ...]   # other forms that count: "Wood", "North Korea", "nordkoreanisch", ...


def key_entities(article: Article) -> tuple[Entity, ...]:
    """The article's key entities, most salient first."""
    raise NotImplementedError
