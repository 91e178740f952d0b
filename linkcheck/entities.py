"""The article's key entities: people, places, organisations, numbers, with weights and aliases."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, replace
from enum import StrEnum

from .article import Article, recover_title_words
from .gazetteer import Place, place_index, places_by_key
from .language import guess_language
from .lexicon import (
    CALENDAR,
    institution_base,
    is_acronym,
    is_common_word,
    is_known,
    is_noun_form,
    is_org_word,
    is_stopword,
)
from .names import (
    candidates,
    is_org,
    is_person,
    is_place_cue,
    is_place_name,
    mid_sentence_capitals,
    place_aliases,
    single_is_name,
)
from .spelling import fold, transliterations
from .surface import NAME_ENDINGS, SurfaceForm, SurfaceIndex, surface_form


class EntityKind(StrEnum):
    PERSON = "person"
    PLACE = "place"
    ORG = "org"
    NUMBER = "number"
    OTHER = "other"


@dataclass(frozen=True, slots=True)  # slots: a run holds tens per article
class Entity:
    """A key entity and the surface forms that count as a mention of it."""

    name: str                  # canonical name as the article writes it: "Robert Wood", "Nordkorea"
    kind: EntityKind
    weight: float              # salience; higher = more important to the article
    aliases: tuple[str, ...]   # other forms that count: "Wood", "North Korea", "nordkoreanisch", ...
    country: bool = False      # a country or larger area: many stories share it, so it proves less
    common: bool = False       # a name frequent in general text (specificity.py): it proves little too


# Salience per kind: a person or a city names a story more precisely than a country does.
_BASE_WEIGHT = {EntityKind.PERSON: 1.0, EntityKind.ORG: 0.9, EntityKind.PLACE: 0.9,
                EntityKind.OTHER: 0.6, EntityKind.NUMBER: 0.4}
_COUNTRY_WEIGHT = 0.7
_LEAD_CHARS = 400
_MAX_ENTITIES = 50
_MAX_NUMBERS = 5

_NUMBER = re.compile(r"(?<![\d.,])(\d{1,3}(?:[.,  ]\d{3})+|\d{3,})(?![\d]|[.,]\d)")


def key_entities(article: Article) -> tuple[Entity, ...]:
    """The article's key entities, most salient first."""
    body = article.body
    lang = guess_language(body, sure=False) or "de"
    title = recover_title_words(article.title, body)  # a no-op once the parser did it
    names, inside_names, inside_runs = _name_entities(body, lang)
    name_words = {w for e in names if e.kind is EntityKind.PERSON for w in e.name.split()}
    names += _agencies(body, {e.name for e in names})
    places = _place_entities(title, body, lang, inside_names, name_words, inside_runs)
    # a town is found both ways (its runs are not covered): the gazetteer's entry is the one
    named = places + [e for e in names if e.name not in {p.name for p in places}] + _numbers(body)
    return _weighed(_one_per_name(named), title, body)


def _one_per_name(entities: list[Entity]) -> list[Entity]:
    """One entity per name: two places the article names alike ("Congo": both Congos) are one
    mention, so the first keeps the name and takes the other's aliases too."""
    by_name: dict[str, Entity] = {}
    for entity in entities:
        if (first := by_name.get(entity.name)) is None:
            by_name[entity.name] = entity
        else:
            aliases = tuple(dict.fromkeys((*first.aliases, *entity.aliases)))
            by_name[entity.name] = replace(first, aliases=aliases, country=first.country or entity.country)
    return list(by_name.values())


def surface_forms(entity: Entity) -> list[SurfaceForm]:
    """Every form that counts as a mention of the entity, keyed by its name."""
    number = entity.kind is EntityKind.NUMBER
    return [surface_form(alias, entity.name, number=number)
            for alias in (entity.name, *entity.aliases)]


# -- places and organisations from the gazetteer ---------------------------------------------------

def _place_entities(title: str, body: str, lang: str, inside_names: list[tuple[int, int]],
                    name_words: set[str] = frozenset(),  # type: ignore[assignment]
                    inside_runs: list[tuple[int, int]] = ()) -> list[Entity]:  # type: ignore[assignment]
    """Gazetteer places and organisations, except where they are part of a longer name
    (Deutsche Bank is not Germany, Real Madrid is not Madrid); a town whose name is also a word
    (Hof, Weiden) or a person's name (Burgdorf) only where a place cue stands before it."""
    by_key: dict[str, Counter[str]] = {}
    for text, spans in ((title, []), (body, inside_names)):
        for hit in place_index().find(text):
            if any(start <= hit.start < end for start, end in spans):
                continue
            place = places_by_key()[hit.key]
            if place.town and (text is body and _inside_longer(hit.start, hit.end, inside_runs)
                               or _not_the_town(place, text, hit.start, hit.end, lang, name_words)):
                continue
            core = text[hit.start:hit.end]
            standalone = not text[hit.end:hit.end + 1] == "-"
            by_key.setdefault(hit.key, Counter())[core] += 1.0 if standalone else 0.5  # type: ignore[assignment]
    entities = []
    for key, surfaces in by_key.items():
        place = places_by_key()[key]
        kind = EntityKind.ORG if place.kind == "org" else EntityKind.PLACE
        name = _place_name(place, surfaces, lang)
        aliases = tuple(a for a in _ordered_aliases(place, lang) if a != name)
        entities.append(Entity(name, kind, 0.0, aliases, place.is_country))
    return entities


def _inside_longer(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """Inside a longer run of capitalised words (Wolverhampton Wanderers, Landgericht Hof)."""
    return any(s <= start and end <= e and (s, e) != (start, end) for s, e in spans)


def _not_the_town(place: Place, text: str, start: int, end: int, lang: str, name_words: set[str]) -> bool:
    """A month (March), part of a longer name (Minden-Lübbecke, Wolverhampton Wanderers), or a
    common word or a person's name (Hof, Burgdorf) with no place cue before it."""
    if place.name_in("de") in CALENDAR or text[start - 1:start] == "-" or text[end:end + 1] == "-":
        return True
    return _needs_cue(place, name_words) and not is_place_cue(text, start, area=place.key.startswith("region:"))


def _needs_cue(place: Place, name_words: set[str]) -> bool:
    name = place.name_in("de")
    return name in name_words or " " not in name and is_common_word(name)


def _ordered_aliases(place: Place, lang: str) -> list[str]:
    """Names in the article's language, English, German and French first, then other names,
    then adjectives: the first few aliases are the ones a reader wants to see."""
    first = [place.names.get(code) for code in (lang, "en", "de", "fr")]
    ordered = list(dict.fromkeys(n for n in first if n))
    ordered += sorted(set(place.proper_names) - set(ordered))
    ordered += sorted(set(place.aliases) - set(ordered))
    return ordered


def _place_name(place: Place, surfaces: Counter, lang: str) -> str:
    """The name the article uses most (USA, not Vereinigte Staaten); adjectives never name it.
    Organisations keep their short name (UN) unless an English text only uses another one."""
    preferred = [place.names.get(lang), place.names.get("en"), place.names.get("*")]
    names = list(place.proper_names) + [n for n in preferred if n]
    folded_aliases = {fold(a): a for a in names}  # later entries win: the article's language
    usage: Counter = Counter()
    for surface, count in surfaces.items():
        for ending in sorted(NAME_ENDINGS, key=len):  # Russlands -> Russland, not Russ...
            core = surface[:len(surface) - len(ending)] if ending else surface
            if not fold(surface).endswith(ending):
                continue
            alias = core if core in names else folded_aliases.get(fold(core))
            if alias:
                usage[alias] += count
                break
    if place.key.startswith("org:"):
        key_name = place.key[4:]
        used = usage.most_common(1)[0][0] if usage else key_name
        return used if lang == "en" and fold(key_name) not in map(fold, usage) else key_name
    return usage.most_common(1)[0][0] if usage else place.name_in(lang)


# -- people, other organisations and other names from capitalised runs -----------------------------

def _name_entities(body: str, lang: str
                   ) -> tuple[list[Entity], list[tuple[int, int]], list[tuple[int, int]]]:
    """Named entities from capitalised runs, the spans of the multi-word ones (a gazetteer name
    inside them, Deutsche Bank, Mauricio Pochettino, is not counted as a place), and the spans of
    every multi-word run (a town inside one is part of a longer name: Nottingham Forest)."""
    # a town's name starts many longer names (Nottingham Forest, Tottenham Hotspur): runs see
    # only the other gazetteer names, and a town inside a found name is not counted on its own
    covered = {i for hit in place_index().find(body) if not places_by_key()[hit.key].town
               and not body.startswith("-", hit.end)  # Ostsee-Zeitung: the compound decides
               for i in range(hit.start, hit.end)}
    found = candidates(body, lang, covered)
    mid_sentence = mid_sentence_capitals(body) if lang == "en" else Counter()
    people = {c.words for c in found if is_person(c, lang)}
    part_of_person = {p[-1] for p in people} | {p[0] for p in people if len(p) >= 3}
    entities: dict[str, Entity] = {}
    inside_names = []
    for cand in found:
        words = cand.words
        name = " ".join(words)
        if name in entities:
            if len(words) > 1:
                inside_names.append(cand.span)
            continue
        if words in people:
            entities[name] = Entity(name, EntityKind.PERSON, 0.0, _person_aliases(words))
        elif len(words) > 1:
            if "&" in words:  # Haus & Grund, Marks & Spencer: firms and associations, of any words
                entities[name] = Entity(name, EntityKind.ORG, 0.0, ())
            elif is_place_name(words):
                entities[name] = Entity(name, EntityKind.PLACE, 0.0, place_aliases(words))
            elif is_org(words) or cand.has_place or cand.described:
                kind = EntityKind.ORG if is_org(words) or cand.described or cand.tokens[-1].covered \
                    else EntityKind.OTHER
                entities[name] = Entity(name, kind, 0.0, ())
            elif lang == "en" or not all(is_known(w, lang) for w in words) \
                    and not any(is_noun_form(w, lang, strict=True) for w in words):
                entities[name] = Entity(name, EntityKind.OTHER, 0.0, ())  # not Barrel Öl
        elif name not in part_of_person and single_is_name(cand, lang, body, mid_sentence):
            base = institution_base(name)
            if base != name:  # des Bundesgerichtshofs: the body, not its genitive
                entities[base] = Entity(base, EntityKind.ORG, 0.0, (name,))
                continue
            kind = EntityKind.ORG if is_acronym(name) or is_org_word(name) else \
                EntityKind.PERSON if cand.titled else EntityKind.OTHER
            aliases = () if kind is EntityKind.ORG else _spelling_aliases(name)
            entities[name] = Entity(name, kind, 0.0, aliases)
        if len(words) > 1 and name in entities:
            inside_names.append(cand.span)
    runs = [cand.span for cand in found if len(cand.tokens) > 1]
    return list(entities.values()), inside_names, runs


# News agencies write their names in lower case (dpa, afp, epd, kna): a short lower-case word alone
# in parentheses, after "laut" or "Agentur", or after an article where the phrase ends (sagte der
# dpa.), that is no function word, is one.
_AGENCY = re.compile(r"(?:\((?=[a-z]{3,4}\))|\b(?:[Ll]aut|Agentur|Nachrichtenagentur) (?=[a-z]{3,4}\b)"
                     r"|\b(?:der|die) (?=[a-z]{3,4}(?:[,.;)]| zufolge| berichtete| meldete)))([a-z]{3,4})\b")


def _agencies(body: str, known: set[str]) -> list[Entity]:
    found = []
    for match in _AGENCY.finditer(body):
        word = match.group(1)
        if word in known or is_stopword(word, "de") or is_stopword(word, "en") or is_known(word, "en"):
            continue
        known.add(word)
        found.append(Entity(word, EntityKind.ORG, 0.0, (word.upper(),)))
    return found


def _person_aliases(tokens: tuple[str, ...]) -> tuple[str, ...]:
    name_parts = [tokens[-1]] + ([tokens[0]] if len(tokens) >= 3 else [])
    aliases = {part for word in name_parts for part in _spelling_aliases(word) + (word,)}
    return tuple(sorted(aliases - {" ".join(tokens)}))


def _spelling_aliases(word: str) -> tuple[str, ...]:
    return tuple(sorted(v.capitalize() for v in transliterations(word) if v != fold(word)))


# -- numbers --------------------------------------------------------------------------------------

def _numbers(body: str) -> list[Entity]:
    """Significant numbers (12.000, 1500): a thousand or more, and not a year."""
    found: dict[int, str] = {}
    for match in _NUMBER.finditer(body):
        digits = re.sub(r"\D", "", match.group())
        value = int(digits)
        if value < 1000 or (len(match.group()) == 4 and 1900 <= value <= 2100):
            continue
        found.setdefault(value, match.group())
    return [Entity(text, EntityKind.NUMBER, 0.0, _number_aliases(value, text))
            for value, text in list(found.items())[:_MAX_NUMBERS]]


def _number_aliases(value: int, text: str) -> tuple[str, ...]:
    grouped = f"{value:,}"
    forms = {str(value), grouped, grouped.replace(",", "."), grouped.replace(",", " ")}
    return tuple(sorted(forms - {text}))


# -- weights ---------------------------------------------------------------------------------------

def _weighed(entities: list[Entity], title: str, body: str) -> tuple[Entity, ...]:
    """Weight = kind base x (1 + ln mentions), raised when the title or the lead names it."""
    index = SurfaceIndex(form for e in entities for form in surface_forms(e))
    counts = Counter(hit.key for hit in index.find(body))
    in_title = {hit.key for hit in index.find(title)}
    in_lead = {hit.key for hit in index.find(body[:_LEAD_CHARS])}
    weighed = []
    for entity in entities:
        base = _COUNTRY_WEIGHT if entity.country else _BASE_WEIGHT[entity.kind]
        mentions = max(counts[entity.name], 1)
        weight = base * (1 + math.log(mentions) + (entity.name in in_title)
                         + 0.5 * (entity.name in in_lead))
        weighed.append(Entity(entity.name, entity.kind, round(weight, 3), entity.aliases,
                              entity.country))
    weighed.sort(key=lambda e: (-e.weight, e.name))
    return tuple(weighed[:_MAX_ENTITIES])
