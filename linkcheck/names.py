"""Proper names in running text: runs of capitalised words, cleaned of titles and common nouns."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from .gazetteer import place_index, places_by_key
from .lexicon import (
    ORG_HEADS,
    has_inflections,
    is_acronym,
    is_adjective_like,
    is_capitalised_function_word,
    is_common_noun,
    is_compound,
    is_descriptor,
    is_inflected,
    is_institution,
    is_known,
    is_noun_form,
    is_org_word,
    is_stopword,
    is_title,
    zipf,
)

_TOKEN = re.compile(r"[^\W\d_](?:[\w'’.-]*\w)?\.?")
_PARTICLES = frozenset({"von", "van", "de", "da", "di", "al", "bin", "del", "du", "la", "le"})
_ARTICLE_AFTER_PARTICLE = frozenset({"der", "den", "la", "van"})
_OF = frozenset({"of", "for"})
_SENTENCE_BREAK = set('.!?:;"„“”»«()[]\n–—|•/‘\'')
# Words after which a capitalised word names a place or a team (in Ingolstadt, gegen Sandhausen).
_LOCATIVES = frozenset({"in", "aus", "nach", "bei", "von", "im", "am", "auf", "gegen", "über",
                        "from", "at", "near", "to", "against", "vs"})
# First words of multi-word place names (North Tyneside, New York, San Francisco).
_PLACE_STARTS = frozenset({"North", "South", "East", "West", "New", "Upper", "Lower", "Greater",
                           "Saint", "St.", "San", "Santa", "Los", "Las", "Fort", "Port", "Mount",
                           "Lake", "Cape", "Bad", "Sankt", "River", "Loch"})
# German districts: Landkreis Wunsiedel, Kreis Minden-Lübbecke, Rhein-Sieg-Kreis.
_ORG_AFTER = re.compile(r" ([A-Z]\w+)(?=[\s.,;:])")
_DISTRICT_WORDS = frozenset({"Landkreis", "Kreis", "Regierungsbezirk", "Bezirk", "Kanton", "Region",
                             "Insel", "Halbinsel"})
# Last words of a place named after another (Tübinger Straße, Schaumburger Land, Cottbuser Ostsee).
_PLACE_HEADS = frozenset({"straße", "strasse", "platz", "allee", "weg", "gasse", "ring", "damm", "ufer",
                          "land", "kreis", "see", "wald", "bucht", "heide", "tal", "gebirge", "bahnhof"})
# English adjective endings that describe a place rather than name a body (Mountainous Nepal).
_DESCRIBING_SUFFIXES = ("ous", "ful", "ive", "ic", "less", "able", "ible", "ern", "ing", "ed")
# Last words of English places named after another (Milwaukee County, Tower Hamlets Borough).
_ENGLISH_PLACE_HEADS = frozenset({"County", "Borough", "Township", "Parish"})
# Verbs that say a name is a publication (Das Handelsblatt berichtete, die Frankenpost meldete).
_PUBLISHES = frozenset({"berichtete", "berichtet", "meldete", "meldet", "schrieb", "schreibt",
                        "berichteten", "meldeten", "schrieben",
                        "zitierte", "zitiert", "reported", "reports", "wrote"})
_MEDIA_HEADS = ("blatt", "post", "zeitung", "rundschau", "kurier", "anzeiger", "funk", "spiegel",
                "bote", "echo", "presse", "nachrichten", "magazin", "journal", "radio", "fernsehen")
_ROMANCE_PARTICLES = frozenset({"de", "da", "di", "del", "du", "la", "le"})
_SHORT_WORD = 3
# Legal forms end a company's name, whatever words stand before them (Sonnenkapital GmbH).
_LEGAL_FORMS = frozenset({"GmbH", "AG", "KG", "KGaA", "SE", "mbH", "OHG", "UG", "eG", "Co.", "Ltd", "plc",
                          "PLC", "Inc", "LLC", "LLP"})
_LEGAL_AFTER_CO = re.compile(r" (?:KG|KGaA|OHG)\b")
# Heads of German nouns for the kind of party a name stands for (des Energiekonzerns RWE, die
# Polizeibehörde Europol, der Verein Mehr Demokratie): the noun is not part of the name.
_KIND_HEADS = ("konzern", "behörde", "zulieferer", "versorger", "betreiber", "hersteller", "unternehmen",
               "verein", "club", "kanzlei", "initiative", "bündnis", "verband", "händler", "anbieter")
_WORD = re.compile(r"\w+")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f'’.-]+")
_ROMAN = re.compile(r"^[IVX]+$")
_CONTRACTION = re.compile(r"['’](?:ll|re|ve|m|d|t)$", re.IGNORECASE)


@dataclass(frozen=True)
class Token:
    word: str
    start: int
    initial: bool    # first word of a sentence (its capital says nothing)
    covered: bool    # the gazetteer already names it (a country, city, organisation)


@dataclass(frozen=True)
class Candidate:
    """A cleaned run of capitalised tokens that may name someone or something."""

    tokens: tuple[Token, ...]
    titled: bool     # a title or function (Präsident, Minister) stood before it
    described: bool = False  # a noun for its kind stood before it (des Energiekonzerns RWE)

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(t.word for t in self.tokens)

    @property
    def span(self) -> tuple[int, int]:
        last = self.tokens[-1]
        return self.tokens[0].start, last.start + len(last.word)

    @property
    def has_place(self) -> bool:
        return any(t.covered for t in self.tokens)


def candidates(body: str, lang: str, covered: set[int]) -> list[Candidate]:
    """Every name candidate in the body, in order."""
    words = set(re.findall(r"\w+", body))
    headlines = _headline_case_spans(body) if lang == "en" else []
    found = []
    for run in _runs(body, covered):
        if any(start <= run[0].start < end for start, end in headlines):
            continue
        for part in _split(run, lang, words, body):
            if (cand := _clean(part, lang)) is not None:
                found.append(cand)
    return _numbered(_joined(found, body, lang), body)


_NUMBER_AFTER = re.compile(r" (\d{1,3})(?=['’]s\b|[^\w%.,]|[.,](?!\d)|$)")
# Broadcasters number their channels and stations (BBC Radio 4, Channel 5, ZDF Kanal 2).
_NUMBERED_HEADS = frozenset({"radio", "channel", "kanal", "tv", "one", "programm"})


def _numbered(found: list[Candidate], body: str) -> list[Candidate]:
    """Names that end in a number (BBC Radio 4, BBC Radio 5 Live, Hornsea 4): after a broadcaster's
    word, or where the text names it with the number again; a name that goes on after the
    number (5 Live) takes that word too."""
    out: list[Candidate] = []
    skip = -1
    for i, cand in enumerate(found):
        if i == skip:
            continue
        end = cand.span[1]
        match = _NUMBER_AFTER.match(body, end)
        if match and (cand.words[-1].lower() in _NUMBERED_HEADS
                      or body.count(body[cand.span[0]:match.end()]) > 1):
            tokens = cand.tokens + (Token(match.group(1), match.start(1), False, False),)
            after = found[i + 1] if i + 1 < len(found) else None
            if after is not None and after.span[0] == match.end() + 1 and len(after.tokens) == 1 \
                    and not after.tokens[0].initial:
                tokens += after.tokens
                skip = i + 1
            cand = Candidate(tokens, cand.titled, cand.described)
        out.append(cand)
    return out


_ARTICLES_DE = frozenset({"die", "der", "das", "den", "dem", "des"})
_ADJECTIVE_ENDINGS = ("e", "en", "er", "es", "em")
_LONGEST_FUER_TAIL = 8


def _joined(found: list[Candidate], body: str, lang: str) -> list[Candidate]:
    """Names that run over a small word: German bodies "für" a field (Bundesamt für Seeschifffahrt
    und Hydrographie), English ones of two parts (Devon and Cornwall Police, Department of Health
    and Social Care)."""
    out: list[Candidate] = []
    taken_until = -1
    for i, cand in enumerate(found):
        if cand.span[0] < taken_until:
            continue  # swallowed by the name before
        if lang == "de" and cand.described and len(cand.tokens) == 1 \
                and is_capitalised_function_word(cand.words[0], lang):
            joined = _motto_name(cand, found[i + 1] if i + 1 < len(found) else None, body)
            if joined is None:
                continue  # Verein Rettet ...: a motto cut short is no name
            cand = joined
        if lang == "de" and is_org_word(cand.words[-1]):
            cand = _with_fuer_tail(cand, body)
        elif lang == "en":
            cand = _with_and_part(cand, found[i + 1:], body)
        taken_until = cand.span[1]
        out.append(cand)
    return out


_MOTTO_GAP = re.compile(r" ((?:[a-zäöüß]+ ){1,2})")


def _motto_name(cand: Candidate, after: Candidate | None, body: str) -> Candidate | None:
    """An association named by a motto after the noun for its kind (Verein Rettet den Rheingau,
    Verein Studieren ohne Hürden): a word normally written small, capitalised mid-sentence, then
    small function words, then the rest of the name."""
    end = cand.span[1]
    gap = _MOTTO_GAP.match(body, end)
    if after is None or gap is None or gap.end() != after.span[0] \
            or not all(is_stopword(w, "de") for w in gap.group(1).split()):
        return None
    small = [Token(m.group(), end + 1 + m.start(), False, False) for m in re.finditer(r"\S+", gap.group(1))]
    return Candidate(cand.tokens + tuple(small) + after.tokens, cand.titled, True)


def _with_and_part(cand: Candidate, following: list[Candidate], body: str) -> Candidate:
    """Department of Health and Social Care, Kent Fire and Rescue Service, the Competition and
    Markets Authority, Department for Environment, Food and Rural Affairs: one name with two or more
    fields (but not Emirates and Qatar Airways, a list of two names)."""
    end = cand.span[1]
    fields: list[Candidate] = []  # the ", Food" parts of a body named after a list of fields
    if any(w in _OF for w in cand.words) and is_org(cand.words):
        while len(fields) < len(following) - 1 and body[end:following[len(fields)].span[0]] == ", " \
                and len(following[len(fields)].words) == 1:
            end = following[len(fields)].span[1]
            fields.append(following[len(fields)])
    after = following[len(fields)] if len(fields) < len(following) else None
    if after is None or body[end:after.span[0]] != " and ":
        return cand
    if is_org_word(after.words[-1]) and len(after.words) > 1 \
            and all(_is_place(w) for w in cand.words + after.words[:-1]):
        # Devon and Cornwall Police: one body of two places
        return Candidate(cand.tokens + (Token("and", end + 1, False, False),) + after.tokens,
                         cand.titled, cand.described)
    if any(t.covered for t in after.tokens):
        return cand
    last = cand.tokens[-1]
    field = is_known(last.word.lower(), "en") and not last.covered
    if any(w in _OF for w in cand.words) and is_org(cand.words) or is_org_word(after.words[-1]) and field \
            and (len(cand.words) > 1 and not is_org_word(last.word)
                 or len(cand.words) == 1 and body[max(0, cand.span[0] - 4):cand.span[0]].lower() == "the "):
        # Kent Fire and Rescue Service: the part before "and" ends in a field (fire), not a name;
        # a lone field word needs "the" before it (the Competition and Markets Authority); a name
        # with a head of its own is complete (Aberystwyth University and Bangor University: two)
        tokens = cand.tokens
        for part in fields:  # the comma stays in the name: Department for Environment, Food
            tokens = tokens[:-1] + (Token(tokens[-1].word + ",", tokens[-1].start, False, False),) + part.tokens
        return Candidate(tokens + (Token("and", end + 1, False, False),) + after.tokens, cand.titled, cand.described)
    return cand


# Heads of members' bodies, whose names also run over "der" or "pro" (Bund der Steuerzahler,
# Gewerkschaft der Polizei, Allianz pro Schiene).
_MEMBERS_HEADS = ("bund", "verband", "gewerkschaft", "allianz", "vereinigung", "bündnis", "verein")


def _with_fuer_tail(cand: Candidate, body: str) -> Candidate:
    end = cand.span[1]
    links = ("für", "der", "pro") if cand.words[-1].lower().endswith(_MEMBERS_HEADS) else ("für",)
    link = next((w for w in links if body.startswith(f" {w} ", end)), None)
    if link is None:
        return cand
    tokens = list(cand.tokens)
    tail: list[Token] = []
    pos = end + 1
    last_end = end
    for match in re.finditer(r"\S+", body[pos:pos + 200]):
        word, start = match.group(), pos + match.start()
        if body[last_end:start] != " " or len(tail) > _LONGEST_FUER_TAIL:
            break
        last_end = start + len(word)
        bare = word.rstrip(".,;:!?)")
        lower = bare.lower()
        fits = lower == link and not tail or lower in _ARTICLES_DE or lower == "und" \
            or bare[:1].isupper() and _TOKEN.fullmatch(bare) \
            or bare.islower() and bare.endswith(_ADJECTIVE_ENDINGS) and not is_stopword(bare, "de")
        if fits and tail and bare[:1].isupper() and _is_place(bare.removesuffix("s")):
            tail.append(Token(bare, start, False, True))
            break  # the country or state it serves ends the name (Bund für Umwelt und Naturschutz Deutschland)
        if not fits or tail and bare[:1].isupper() and tail[-1].word[:1].isupper() \
                and not is_adjective_like(tail[-1].word, "de") and not tail[-1].word.endswith("er"):
            break  # two nouns in a row end the field (für Finanzdienstleistungsaufsicht Ende 2024),
            # an adjective does not (für die Lüneburger Heide)
        tail.append(Token(bare, start, False, False))
        if bare != word:
            break  # punctuation ends the name
    while tail and not tail[-1].word[:1].isupper():
        tail.pop()
    if not any(t.word[:1].isupper() for t in tail) or any(
            t.word == "und" and (j + 1 >= len(tail) or not tail[j + 1].word[:1].isupper())
            for j, t in enumerate(tail)):
        return cand
    return Candidate(tuple(tokens + tail), cand.titled, cand.described)


def is_person(cand: Candidate, lang: str) -> bool:
    """Two to four name words, no organisation head, no place inside, not all common words."""
    words = cand.words
    if not 2 <= len(words) <= 4 or cand.has_place or is_org(words) or words[0] in _PLACE_STARTS or "&" in words \
            or words[-1].isdigit() or words[-1] in _ENGLISH_PLACE_HEADS \
            or any(is_acronym(w) or _lower_head(w, lang) for w in words):
        return False
    names = [w for w in words if w not in _PARTICLES | _ARTICLE_AFTER_PARTICLE]
    if lang == "en":  # English capitalises names only; an all-lexicon run is a thing (Star Wars)
        return not all(is_known(w.lower(), lang) for w in names)
    # a given name is no common noun, and no part is an inflected noun (Drogenterrorismus von
    # Schurkenstaaten); surnames may look like nouns (Buschmann, Rutte)
    return not is_noun_form(names[0], lang) and not any(is_inflected(w, lang) for w in names[1:])


def place_aliases(words: tuple[str, ...]) -> tuple[str, ...]:
    """Insel Usedom is Usedom, Landkreis Wunsiedel is Wunsiedel: the district word is a descriptor."""
    return (" ".join(words[1:]),) if len(words) > 1 and words[0] in _DISTRICT_WORDS else ()


def is_place_name(words: tuple[str, ...]) -> bool:
    """North Tyneside, Santa Clara, New York: a multi-word place the gazetteer may not know; and
    German districts and streets (Landkreis Grafschaft Bentheim, Tübinger Straße, Schaumburger Land)."""
    if len(words) < 2:
        return False
    first, last = words[0], words[-1].lower()
    return first in _PLACE_STARTS or words[-1] in _ENGLISH_PLACE_HEADS or first in _DISTRICT_WORDS \
        or last in _PLACE_HEADS \
        and first.endswith("er") and not first.lower().endswith("ischer") and len(first) > 4


def is_org(words: tuple[str, ...] | list[str]) -> bool:
    """Bank of England, Deutsche Bank, Bayerischer Rundfunk, IG Metall, Royal Courts of Justice."""
    return len(words) > 1 and (is_org_word(words[-1]) or is_acronym(words[-1])
                               or is_org_word(words[0]) or is_acronym(words[0])
                               or any(w in _OF and _is_org_head(words[i - 1]) for i, w in enumerate(words) if i))


def _is_org_head(word: str) -> bool:
    """An organisation head before "of", also in the plural (Royal Courts of Justice)."""
    return is_org_word(word) or word.endswith("s") and is_org_word(word[:-1])


def single_is_name(cand: Candidate, lang: str, body: str, mid_sentence: Counter) -> bool:
    """A lone capitalised word counts as a name when the lexicon does not know it as a common
    word, or when the text treats it as one (capitalised mid-sentence, never lower case)."""
    token = cand.tokens[0]
    word = token.word
    if cand.described and not is_stopword(word, lang):
        return True  # des Energiekonzerns RWE, die Polizeibehörde Europol
    if len(word) < 3 and not (is_acronym(word) and not is_known(word, lang)
                              and _whole_word_count(word, body) > 1) or _lower_head(word, lang):
        return False  # but a two-letter acronym the text repeats is a name (BP, HP)
    if is_acronym(word):
        return not is_known(word, lang) or body.count(word) > 1
    if len(word) == _SHORT_WORD and _whole_word_count(word, body) < 2:
        return False  # a lone three-letter word said once is an abbreviation or a cut-off word (Str, Ver)
    lowered = _whole_word_count(word.lower(), body) > 0
    if not word.isascii() and not _LATIN.fullmatch(word):
        # Outside the Latin script the lexicon cannot vouch: only the text's own use can.
        return not lowered and mid_sentence[word] > 0
    if lang == "en":
        return not lowered and (mid_sentence[word] > 0 or not is_known(word.lower(), lang))
    if is_institution(word) or word.endswith("-Kreis"):
        return True  # Bundeskartellamt, Eisenbahn-Bundesamt, Rhein-Sieg-Kreis: one body, one district
    if "-" in word and word.lower().endswith(_MEDIA_HEADS) and not is_common_noun(word.split("-")[0], lang):
        return True  # Ostsee-Zeitung, Rhein-Zeitung: a paper named after a place
    if _named_org_compound(word, lang):
        return True  # Commerzbank: an organisation head after a first part that is no word
    if word.lower().endswith(_MEDIA_HEADS) and _next_word(body, token.start + len(word)) in _PUBLISHES:
        return True  # a compound that reports is a publication: das Handelsblatt berichtete
    if "-" in word:
        return not is_common_noun(word, lang)  # Samsung-Smartphones, SVB-Kollaps: compounds
    if not is_common_noun(word, lang):
        return True
    if is_known(word.lower(), lang) or is_noun_form(word, lang) or has_inflections(word, lang):
        return False
    if is_known(word.lower(), "en"):
        # an English word in German text (Internet, Team) is common in English; one that is rare
        # there, that the text keeps capitalised and names again, is a name (Siemens, Lufthansa)
        return zipf(word.lower(), "en") < _COMMON_ENGLISH_ZIPF and _whole_word_count(word, body) > 1
    if is_compound(word, lang) and _named_after_place(word):
        return True  # Deutschlandfunk, Bayernwerk: a body named after its place
    if is_compound(word, lang) and not (_is_region_compound(word, lang) and _after_locative(body, token.start)):
        return False  # but in der Oberpfalz, im Fichtelgebirge: a region
    # known to the lexicon, but as a name (Samsung, Heise, Ingolstadt): repeated or a place cue
    return body.count(word) > 1 or cand.titled or _after_locative(body, token.start)


# Nouns that stand before a place's name (die Stadt Hof, im Landkreis Weiden, the town of Reading).
_PLACE_NOUNS = frozenset({"stadt", "landkreis", "kreis", "gemeinde", "region", "bezirk", "kanton",
                          "town", "city", "county", "village", "borough"})
_LIST_WORDS = frozenset({"und", "oder", "sowie", "and", "or"})


def is_place_cue(text: str, start: int, area: bool = False) -> bool:
    """Does a word before `start` say that a place follows: a locative (in, aus, near), a place noun
    (Stadt, Landkreis, town of), an organisation head (Landgericht Hof), or a list after a place?
    An area (a region, a river) also after a locative and "der" (an der Saale, in der Oberpfalz);
    a town is not named so (an der Stelle, in der Hölle)."""
    before = text[max(0, start - 60):start]
    words = re.findall(r"[\w-]+|,", before)
    if not words:
        return False
    if area and len(words) > 1 and words[-1] == "der" and words[-2].lower() in _LOCATIVES | {"an"}:
        return True  # an der Saale, in der Oberpfalz (but auf dem Hof is a farmyard)
    last = words[-1].lower()
    if last in _LOCATIVES or last in _PLACE_NOUNS or is_org_word(words[-1]) and words[-1][:1].isupper():
        return True
    if last in _OF and len(words) > 1 and words[-2].lower() in _PLACE_NOUNS:
        return True
    if (last in _LIST_WORDS or last == ",") and len(words) > 1:
        item_start = before.rfind(words[-2]) + max(0, start - 60)  # the list's item before this one
        return words[-2][:1].isupper() and bool(place_index().find(words[-2])) and \
            is_place_cue(text, item_start, area)
    return False


_COMMON_ENGLISH_ZIPF = 4.0  # once per 100,000 words: internet 5.1, team 5.7; siemens 3.3, lufthansa 0
_LONG_ORG_HEADS = tuple(h for h in ORG_HEADS if len(h) > 3)


def _named_after_place(word: str) -> bool:
    """A compound of a place and an organisation or media head: Deutschlandfunk, Bayernwerk."""
    lower = word.lower()
    if not lower.endswith(_MEDIA_HEADS + _LONG_ORG_HEADS):
        return False
    places = _place_names()
    return any(word[:cut] in places for cut in range(4, len(word) - 3))


@lru_cache(maxsize=1)
def _place_names() -> frozenset[str]:
    from .gazetteer import places

    return frozenset(name for place in places() if place.kind == "place" for name in place.proper_names)


def _named_org_compound(word: str, lang: str) -> bool:
    """Commerzbank, Frankenpost-like names: an organisation head after a first part that is no
    word of the lexicon (Gaskraftwerk and Volksbank are compounds of known words)."""
    lower = word.lower()
    if lang != "de" or not lower.endswith(_LONG_ORG_HEADS):
        return False
    head = next((h for h in _LONG_ORG_HEADS if lower.endswith(h) and len(lower) > len(h) + 3), None)
    return head is not None and "-" not in word and lang == "de" and not is_compound(word, lang) \
        and not is_known(word[:-len(head)].rstrip("s"), lang) and not is_known(word[:-len(head)].lower(), lang)


_REGION_HEADS = ("land", "gebirge", "wald", "heide", "tal", "mark", "gau", "marsch", "pfalz", "franken")
_REGION_PREFIXES = ("ober", "nieder", "unter", "mittel")


def _is_region_compound(word: str, lang: str) -> bool:
    """Oberpfalz, Fichtelgebirge, Emsland: a region's compound, not Ausland or Hinterland (their first
    part is a common word written in lower case)."""
    lower = word.lower()
    if lower.startswith(_REGION_PREFIXES):
        return True
    for head in _REGION_HEADS:
        if lower.endswith(head) and len(lower) > len(head) + 2:
            return not is_known(lower[:-len(head)], lang)
    return False


def _whole_word_count(word: str, text: str) -> int:
    """How often `word` stands in `text` as a whole word (no word character on either side)."""
    if _WORD.fullmatch(word):
        return _word_counts(text)[word]
    return len(re.findall(rf"\b{re.escape(word)}\b", text))


@lru_cache(maxsize=4)
def _word_counts(text: str) -> Counter:
    # Counted once per article: a pattern per word (hundreds per article) thrashed re's cache.
    return Counter(_WORD.findall(text))


def _has_caseless_letters(word: str) -> bool:
    return any(c.isalpha() and not c.isupper() and not c.islower() for c in word)


def _after_locative(body: str, start: int) -> bool:
    before = body[max(0, start - 12):start].split()
    if before and before[-1].lower() in ("der", "dem", "den", "des") and len(before) > 1:
        before.pop()  # in der Oberpfalz, aus dem Emsland, an der Regnitz
        return before[-1].lower() in _LOCATIVES | {"an"}
    return bool(before) and before[-1].lower() in _LOCATIVES


def _next_word(body: str, end: int) -> str:
    after = body[end:end + 20].split()
    return after[0].strip(".,;:") if after else ""


def _headline_case_spans(body: str) -> list[tuple[int, int]]:
    """English sentences in Title Case (teasers, headlines pasted into the text): every word is
    capitalised there, so capitals say nothing about names."""
    spans = []
    for sentence in re.finditer(r"[^.!?\n]+", body):
        words = re.findall(r"[A-Za-z']+", sentence.group())
        capitalised = [w for w in words[1:] if w[:1].isupper() and w != "I"]
        capitalised_common = sum(1 for w in capitalised if is_stopword(w, "en")
                                 or is_capitalised_function_word(w, "en"))
        if capitalised_common >= 5 and len(capitalised) >= 0.6 * len(words):
            spans.append(sentence.span())
    return spans


def mid_sentence_capitals(runs_text: str) -> Counter:
    """How often each capitalised word stands mid-sentence (English: a sign of a proper noun)."""
    counts: Counter = Counter()
    for run in _runs(runs_text, set()):
        for token in run:
            if not token.initial:
                counts[token.word] += 1
    return counts


def _runs(body: str, covered: set[int]) -> Iterator[list[Token]]:
    """Runs of capitalised tokens joined by single spaces (and name particles)."""
    run: list[Token] = []
    last_end = -1
    for match in _TOKEN.finditer(body):
        raw, start = match.group(), match.start()
        word = raw[:-1] if raw.endswith(".") and not re.fullmatch(r"(?:\w\.)+", raw) else raw
        if raw == "Co." and _LEGAL_AFTER_CO.match(body, start + len(raw)):
            word = raw  # GmbH & Co. KG: the name goes on
        if raw.endswith(".") and (is_title(raw) or len(word) <= 5 and word[:1].isupper()
                                  and body[start + len(raw):start + len(raw) + 1] in (",", ")")):
            if run:
                yield run
            run, last_end = [], start + len(raw)
            continue  # Sen., Rep., (Conn.), (D., Ariz.): abbreviations, not names
        end = start + len(raw)
        possessive = word.endswith(("'s", "’s"))
        if possessive and (after := _ORG_AFTER.match(body, end)) and is_org_word(after.group(1)):
            possessive = False  # The King's Fund, Ben & Jerry's Foundation: the name goes on
        elif possessive or word.endswith(("'", "’")):
            word = word[:-2] if possessive else word[:-1]
        truncated = body[end:end + 2] in ("- ", "-,")  # Empörungs- und Symboldebatten
        contiguous = last_end >= 0 and body[last_end:start] in (" ", "\u00a0", " & ")
        # 2B, 3D: a capital glued to a digit is part of a code; kana and hanzi have no case, so a
        # word holding them (Apple社は) is a run of unsegmented text, not a capitalised name.
        glued = start > 0 and body[start - 1].isalnum()
        upper = word[:1].isupper() and not truncated and not _CONTRACTION.search(word) \
            and not glued and not _has_caseless_letters(word)
        joins = word in _PARTICLES or word in _OF or (
            word in _ARTICLE_AFTER_PARTICLE and run and run[-1].word in _PARTICLES) or (
            word == "the" and len(run) > 1 and run[-1].word in _OF and (
                is_org_word(run[-2].word) or not run[-2].initial and not is_title(run[-2].word)))
        # Friends of the Mendips: a capitalised word mid-sentence is a name's first word
        # Department of the Interior, but not Director of the Financial Crime Prevention agency
        if run and contiguous and (upper or joins):
            if body[last_end:start] == " & ":  # Marks & Spencer, Haus & Grund: one name
                run.append(Token("&", last_end + 1, False, False))
            run.append(Token(word, start, False, start in covered))
        else:
            if run:
                yield run
            run = [Token(word, start, _sentence_initial(body, start), start in covered)] \
                if upper else []
        if run and (possessive or raw.endswith(".") and not word.endswith(".")):
            yield run  # a name ends at a possessive or at the end of a sentence
            run = []
        last_end = end
    if run:
        yield run


def _sentence_initial(body: str, start: int) -> bool:
    before = body[max(0, start - 3):start].rstrip(" \u00a0")
    return not before or before[-1] in _SENTENCE_BREAK


def _split(run: list[Token], lang: str, words: set[str], body: str) -> list[list[Token]]:
    """Cut a run where it holds two names: at a genitive (Putins Sieg), at a particle that does
    not start a noble name (Yabusele von Real Madrid), at 'of' after a person (McNally of X)."""
    parts: list[list[Token]] = [[]]
    for i, token in enumerate(run):
        word = token.word
        current = parts[-1]
        if token.covered and word.endswith("s") and len(run) > 1 and _is_place(word[:-1]):
            token = Token(word[:-1], token.start, token.initial, True)
            word = token.word
            current.append(token)
            if i + 1 < len(run) and is_org_word(run[i + 1].word):
                parts.append([])  # Rumäniens Staatsanwaltschaft: a place's body, not a name
        elif lang == "de" and word.endswith("s") and not is_known(word, lang) \
                and not is_acronym(word[:-1]) and (word[:-1] in words or i + 1 < len(run)
                                                   and is_noun_form(run[i + 1].word, lang, True)):
            # the bare name is in the text, or a noun follows (Netanjahus Politik)
            parts += [[Token(word[:-1], token.start, token.initial, token.covered)], []]
        elif word in _PARTICLES or word in _ARTICLE_AFTER_PARTICLE and current \
                and current[-1].word in _PARTICLES:
            rest = [t for t in run[i + 1:] if t.word not in _PARTICLES | _ARTICLE_AFTER_PARTICLE]
            named = [t for t in current if t.word not in _PARTICLES and not is_title(t.word)]
            # a noble name (Ursula von der Leyen): one name before, one after that never
            # stands without the particle (Foul von Llull: Llull stands alone elsewhere)
            if len(named) <= 1 and len(rest) == 1 and (
                    rest[0].covered and word in _ROMANCE_PARTICLES or not rest[0].covered
                    and body.count(rest[0].word)
                    <= body.count(f"{word} {rest[0].word}") + body.count(f"der {rest[0].word}")):
                current.append(token)
            else:
                parts.append([])
        elif word in _OF:
            left = current[-1].word if current else ""
            # Bank of England, Age of Possibility, Secretary of State; not McNally of Third Bridge
            if left and (is_org_word(left) or is_title(left) or is_known(left.lower(), lang)
                         and not (current[-1].initial and (is_stopword(left, lang)
                                                           or lang == "en" and is_descriptor(left)))):
                current.append(token)
            else:
                parts.append([])
        elif current and current[-1].covered and not token.covered and _unknown(word, lang):
            # a gazetteer word before an unknown one is a given name (Mauricio Pochettino)
            current[-1] = Token(current[-1].word, current[-1].start, current[-1].initial, False)
            current.append(token)
        elif current and current[-1].covered and not token.covered \
                and not is_org(_w(current + run[i:])) and not _ROMAN.match(word):
            parts.append([token])  # Moskaus Angriffskrieg, Deutschland Probleme: two things
        else:
            current.append(token)
    return [part for part in parts if part]


def _is_place(word: str) -> bool:
    hits = place_index().find(word)
    return bool(hits) and hits[0].start == 0 and hits[0].end == len(word)


_COMPASS_PREFIXES = ("Ost", "West", "Nord", "Süd", "Mittel", "Ober", "Nieder")


def _is_place_adjective(word: str) -> bool:
    """A German adjective of a city, region or country: its name and -er (Thüringer, Ostthüringer)."""
    if not word.endswith("er") or len(word) < 6:
        return False
    stem = word[:-2]
    for prefix in _COMPASS_PREFIXES:
        if stem.startswith(prefix) and len(stem) > len(prefix) + 3 and stem[len(prefix)].islower():
            stem = stem[len(prefix)].upper() + stem[len(prefix) + 1:]
            break
    # towns only where they are no part of a common noun too (Sender is no adjective of Senden)
    return any(_is_larger_place(stem + ending) for ending in ("", "en", "n", "e"))


def _is_larger_place(word: str) -> bool:
    """A city, region or country the gazetteer names (not a town: many are common words too)."""
    hits = place_index().find(word)
    return bool(hits) and hits[0].start == 0 and hits[0].end == len(word) \
        and not places_by_key()[hits[0].key].town


def _unknown(word: str, lang: str) -> bool:
    return not is_known(word, lang) and not is_known(word.lower(), lang) \
        and not is_compound(word, lang) and not is_acronym(word)


def _clean(run: list[Token], lang: str) -> Candidate | None:
    """Strip titles, stop words and common nouns from the run's ends; None if nothing is left."""
    tokens = list(run)
    titled = False
    while tokens and (tokens[-1].word in _PARTICLES | _OF | _ARTICLE_AFTER_PARTICLE
                      or len(tokens) > 1 and is_title(tokens[-1].word) and not is_org(_w(tokens))
                      or _lower_head(tokens[-1].word, lang)):
        tokens.pop()
    while lang == "de" and len(tokens) > 1 and is_org_word(tokens[-2].word) and not is_org_word(tokens[-1].word) \
            and is_noun_form(tokens[-1].word, lang, strict=True) and not _is_place(tokens[-1].word):
        tokens.pop()  # das Eisenbahn-Bundesamt Einwendungen (eingereicht): the name ends at its head
    last_title = max((i for i, t in enumerate(tokens[:-1]) if is_title(t.word)), default=-1)
    if last_title > 0 and not is_org_word(tokens[-1].word):
        tokens, titled = tokens[last_title + 1:], True  # House Minority Leader Hakeem Jeffries
        if len(tokens) == 2 and tokens[0].word in _OF:
            return None  # Cabinet Member for Finance: a role and its field, no name
    described = False
    while tokens and _strip_first(tokens, lang, titled):
        described = _describes(tokens, lang)
        titled = titled or is_title(tokens[0].word)
        tokens.pop(0)
        if described:
            break  # the name starts after the noun for its kind, whatever its first word (Mehr)
    if not tokens or all(t.covered for t in tokens):
        return None  # a place alone: the gazetteer has it
    words = _w(tokens)
    if any(is_stopword(w, lang) and w not in _PARTICLES | _OF | _ARTICLE_AFTER_PARTICLE
           and not (w == "the" and i and words[i - 1] in _OF) and not (described and i == 0)
           for i, w in enumerate(words)):
        return None
    if len(words) > 1 and is_adjective_like(words[0], lang) and not is_org(words) \
            and not tokens[0].covered:
        return None  # Künstliche Intelligenz, Nationaler Veteranentag
    return Candidate(tuple(tokens), titled, described)


def _describes(tokens: list[Token], lang: str) -> bool:
    """A German noun for the party's kind before a name that is no place (Verein Mehr Demokratie,
    Energiekonzerns RWE; but Universität Greifswald, Stadtwerke Jena are names)."""
    if lang != "de" or len(tokens) < 2:
        return False
    word, following = tokens[0].word, tokens[1]
    bare = word[:-1] if word.endswith("s") and not word.endswith("ss") else word
    return bare.lower().endswith(_KIND_HEADS) and is_common_noun(bare, lang) and not is_institution(word) \
        and not following.covered and not _is_place(following.word) and following.word not in _LEGAL_FORMS \
        and (is_acronym(following.word) or not is_adjective_like(following.word, lang)
             and not _is_place_adjective(following.word))


def _lower_head(word: str, lang: str) -> bool:
    """USA-weit, London-based, Bafta-award: a modifier, not a name (but Son Heung-min is one)."""
    head = word.rsplit("-", 1)[-1] if "-" in word else ""
    return head[:1].islower() and len(head) >= 4 and is_known(head, lang)


def _w(tokens: list[Token]) -> list[str]:
    return [t.word for t in tokens]


def _strip_first(tokens: list[Token], lang: str, titled: bool) -> bool:
    """Is the run's first word not part of the name: a stop word, a title, a common noun?"""
    first = tokens[0]
    word = first.word
    following = tokens[1] if len(tokens) > 1 else None
    if following is not None and (word in _DISTRICT_WORDS or is_place_name(tuple(_w(tokens)))
                                  or following.word == "&"):
        return False  # Landkreis Grafschaft Bentheim, Tübinger Straße, Haus & Grund
    if is_stopword(word, lang) or word in _PARTICLES | _OF or _lower_head(word, lang):
        return True
    if _describes(tokens, lang):
        return True
    if following is not None and tokens[-1].word in _LEGAL_FORMS and not is_title(word):
        return False  # Sonnenkapital GmbH, Westtrasse Netzbau GmbH
    if lang == "en" and following is not None and first.initial and is_descriptor(word):
        return True  # Rival Shell said, Operator Hanson UK said: the kind of party, then its name
    if is_title(word) and not is_org_word(tokens[-1].word):
        return True  # but General Civil Aviation Authority, Premier League keep their first word
    if word in _PLACE_STARTS and len(tokens) > 1:
        return False
    if following is None:  # BP, not bp: capitals are no function word
        return is_capitalised_function_word(word, lang) and first.initial and not is_acronym(word)
    if lang == "de" and "-" in word and is_common_noun(word, lang) \
            and not (is_org_word(word) and (following.covered or _is_place(following.word))):
        return True  # EU-Gesetz, US-Präsident: a compound noun, whatever its first part (but
        # Friedrich-Schiller-Universität Jena is a name)
    if first.covered:  # Swedish Prime Minister X, Iranische Sicherheitskräfte; not Deutsche Bank
        return not is_org(_w(tokens)) and (is_title(following.word) or (
            lang == "de" and not following.covered and is_noun_form(following.word, lang)))
    if is_capitalised_function_word(word, lang) and first.initial and (
            lang == "de" or is_title(following.word) or following.covered
            and not (len(tokens) == 2 and following.word in _place_names()
                     and not word.lower().endswith(_DESCRIBING_SUFFIXES))):
        # but Sport England, Natural England are names (Mountainous Nepal is not)
        return True  # Sowohl, Nach, Whether (American), Former (President) starting a sentence
    if lang == "de":
        if is_org_word(word) and (following.covered or _is_place(following.word)):
            return False  # Landgericht München, Universität Hamburg, Landgericht Hof
        if (is_adjective_like(word, lang) or _is_place_adjective(word)) and is_org(_w(tokens)):
            return False  # Bayerischer Rundfunk, Europäische Zentralbank, Thüringer Umweltministerium
        return is_noun_form(word, lang)
    # after a title, the ordinary words before a name (Secretary of State Marco Rubio)
    return titled and len(tokens) > 2 and is_known(word.lower(), lang) and not is_known(word, lang)
