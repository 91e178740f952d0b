"""Which key entities a page's main text mentions, where, and whether that supports the article."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .claims import CLAIM_MIN_COVERAGE, PASSAGE_MIN_COVERAGE, ClaimTerms, coverage, passage_coverage
from .entities import Entity, EntityKind, surface_forms
from .surface import SurfaceIndex, word_text

SNIPPET_CHARS = 100
MENTIONS_PER_ENTITY = 3   # evidence enough; a page can name a country hundreds of times

# The support rule, calibrated by bench/entities_eval.py on 1324 (article, page) pairs built from
# 35 hand-labelled articles (the seed and 34 corpus articles, 21 de / 14 en): positives are each
# article's own page, each third of it (a source that covers only part of the story) and other
# pages on the same story, across languages (146); negatives are the other articles' pages
# (1178). Over a grid of both thresholds, the point with the best F1 at precision >= 0.98 (a
# false "ok" hides a broken source, a false "drifted" only costs a look; F1 ties go to precision)
# is score >= 0.28 with 2 specific entities: precision 0.99, recall 0.88, F1 0.935; leave-one-
# article-out (calibrated without the article, judged on its pairs) 0.955 / 0.86.
# Specific entities are people, organisations, cities and other names; countries, continents
# and numbers do not count, since unrelated stories share them ("USA", "Ukraine"). An article
# with fewer specific entities than that needs all of them.
SUPPORT_MIN_SCORE = 0.28
SUPPORT_MIN_SPECIFIC = 2


@dataclass(frozen=True)
class Mention:
    """Evidence: one hit of an entity in the page."""

    entity: str      # Entity.name
    surface: str     # the text as it stands on the page ("Selenskyjs", "North Korea")
    where: str       # "title", "main" or "caption" (a picture caption in the main text: not counted)
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
    claim_coverage: float | None = None  # for an inline citation: share of its claim's words (claims.py)


def is_specific(entity: Entity) -> bool:
    """People, organisations, cities and other names single out a story; countries and numbers
    are shared by many stories."""
    return not entity.country and entity.kind is not EntityKind.NUMBER


def is_distinctive(entity: Entity) -> bool:
    """A specific name that is not frequent in general text (Entity.common: a capital, a big
    party, a city everyone writes about): a mention of it proves the story, not just the region."""
    return is_specific(entity) and not entity.common


def supports(found: list[Entity], score: float, available: int,
             min_score: float = SUPPORT_MIN_SCORE,
             min_specific: int = SUPPORT_MIN_SPECIFIC, distinctive: int = 0) -> bool:
    """The calibrated rule (see SUPPORT_MIN_SCORE): a weighted share of at least 0.28 of the key
    entities, and at least 2 specific ones (all of them when the article has fewer); and, when the
    article has `distinctive` names, at least one of them: a page that shares only generic names
    with the article (the country, the capital, the party in power) is about another story."""
    specific = sum(1 for entity in found if is_specific(entity))
    distinct = any(is_distinctive(entity) for entity in found)
    return score >= min_score and specific >= min(min_specific, available) and (distinct or not distinctive)


class EntityMatcher:
    """Built once per article (one automaton for all entities); matches any number of pages."""

    def __init__(self, entities: tuple[Entity, ...]) -> None:
        self.entities = entities
        self._index = SurfaceIndex(form for e in entities for form in surface_forms(e))
        self._total_weight = sum(e.weight for e in entities) or 1.0
        self._specific = sum(1 for e in entities if is_specific(e))
        self._distinctive = sum(1 for e in entities if is_distinctive(e))

    def match(self, title: str, main_text: str, captions: tuple[tuple[int, int], ...] = ()) -> Match:
        """Find every key entity in the page's title and main text in one pass over each. A mention
        inside a picture caption (`captions`: spans of main_text, PageText.caption_spans) is kept
        as evidence but does not count as found: galleries and symbol photos name other stories."""
        mentions: list[Mention] = []
        per_entity: dict[str, int] = {}
        in_captions: dict[str, int] = {}
        for where, text in (("title", title or ""), ("main", main_text or "")):
            for hit in self._index.find(text, word_text(text)):
                place = "caption" if where == "main" and _inside(hit.start, captions) else where
                counts = in_captions if place == "caption" else per_entity
                if counts.get(hit.key, 0) >= MENTIONS_PER_ENTITY:
                    continue
                counts[hit.key] = counts.get(hit.key, 0) + 1
                mentions.append(Mention(hit.key, hit.surface, place, hit.start,
                                        _snippet(text, hit.start, hit.end)))
        found = [e for e in self.entities if e.name in per_entity]
        score = sum(e.weight for e in found) / self._total_weight
        return Match(
            found=tuple(e.name for e in found),
            missing=tuple(e.name for e in self.entities if e.name not in per_entity),
            mentions=tuple(mentions),
            score=round(score, 4),
            supports=bool(self.entities) and supports(found, score, self._specific, distinctive=self._distinctive),
        )


def judge_claim(match: Match, claim: ClaimTerms | None, page_text: str, page_language: str | None) -> Match:
    """The match, decided by the claim when the citation is inline and the page is in the claim's
    language (across languages the entities and their other-language forms still decide): most of
    its weighted words on the page, half of them together in one passage, and all its numbers."""
    if claim is None or not claim.terms or page_language not in (None, claim.lang):
        return match
    share, numbers_found = coverage(claim, page_text)
    backed = (share >= CLAIM_MIN_COVERAGE and numbers_found
              and passage_coverage(claim, page_text) >= PASSAGE_MIN_COVERAGE)
    return replace(match, supports=backed, claim_coverage=round(share, 4))


def _inside(offset: int, spans: tuple[tuple[int, int], ...]) -> bool:
    return any(start <= offset < end for start, end in spans)


def _snippet(text: str, start: int, end: int) -> str:
    margin = max(0, (SNIPPET_CHARS - (end - start)) // 2)
    left, right = max(0, start - margin), min(len(text), end + margin)
    snippet = " ".join(text[left:right].split())
    return ("…" if left > 0 else "") + snippet + ("…" if right < len(text) else "")
