"""Which capitalised words are common words: German and English lexicon checks."""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

from .gazetteer import descriptor_words, title_words
from .language import STOPWORDS

# Calendar words are capitalised in both languages and never entities on their own.
CALENDAR = frozenset("""Januar Februar März April Mai Juni Juli August September Oktober November
    Dezember Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonnabend Sonntag January
    February March May June July October December Monday Tuesday Wednesday Thursday Friday
    Saturday Sunday Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Okt Nov Dec Dez Euro Euros Dollar
    Dollars Cent Franken Pfund Prozent Uhr""".split())
# Words that make a multi-word name an organisation (first or last word; short ones whole).
ORG_HEADS = ("bank", "partei", "party", "kirche", "church", "union", "verband", "ministerium",
             "ministry", "gericht", "court", "institut", "institute", "universität", "university",
             "stiftung", "foundation", "konzern", "group", "gruppe", "club", "verein", "amt",
             "kommission", "commission", "committee", "council", "rat", "agency", "agentur",
             "department", "office", "bureau", "zeitung", "times", "post", "news", "reserve",
             "inc", "corp", "ag", "gmbh", "ltd", "holding", "holdings", "company", "technologies",
             "systems", "association", "organization", "organisation", "society", "gesellschaft",
             "network", "league", "liga", "fc", "united", "city", "bundestag", "parlament",
             "parliament", "senate", "house", "congress", "authority", "airlines", "airline",
             "airways", "airport", "division", "unit", "flughafen", "police", "polizei", "service", "services",
             "hostel", "hotel", "theatre", "theater", "museum", "school", "schule", "college",
             "hospital", "klinik", "klinikum", "guard", "guards", "army", "armee", "navy", "force",
             "forces",
             # German public bodies and media, mostly as the head of a compound (Bundesgerichtshof,
             # Generalstaatsanwaltschaft, Landesanstalt, Verbraucherzentrale, Bayerischer Rundfunk)
             "gerichtshof", "anwaltschaft", "anstalt", "kammer", "zentrale", "rundfunk",
             "werke", "bund",  # Stadtwerke Jena, Hamburger Energiewerke, Naturschutzbund Thüringen
             "landtag", "kreistag", "gemeindetag", "städtetag", "bundesrat", "kartellamt",
             "rundschau", "exchange", "energy", "tribune", "herald", "journal", "gazette", "telegraph",
             "chronicle", "observer", "dienst", "werk", "sparkasse", "fund", "trust", "community", "district",
             "forum", "tribunal", "gewerkschaft", "vereinigung", "bündnis")
# Heads of a name only as a whole word: Deutsche Bahn, Stadtwerke (but Autobahn, Feuerwerke).
_WHOLE_ORG_HEADS = frozenset({"bahn", "werke", "telekom"})
# Heads of public bodies (not of members' bodies: a Landesverband or Bundesverband is one of many).
_INSTITUTION_HEADS = ("gericht", "gerichtshof", "amt", "agentur", "anstalt", "anwaltschaft", "ministerium",
                      "kammer", "bank", "rat", "tag", "polizei", "zentrale", "institut", "kommission", "wehr")
# First parts that make a compound with an organisation head the name of one federal or state body
# (Bundeskartellamt, Landeskriminalamt, Oberlandesgericht), not a generic one (Amtsgericht).
INSTITUTION_PREFIXES = ("bundes", "landes", "ober", "general", "europa")
_COMPOUND_ORG_HEADS = tuple(head for head in ORG_HEADS if len(head) > 3)  # Landgericht, Zentralbank
_ROMAN = re.compile(r"^[IVXLC]+$")


@lru_cache(maxsize=1)
def _dictionaries() -> Any:
    """simplemma's dictionaries as MARISA tries (built once per simplemma version into the user's
    cache folder, then loaded in milliseconds): about 10 MB instead of 130 MB for German as a
    Python dict. Imported on first use: importing simplemma takes 0.3 s (its rule tables), which
    processes that never look a word up (the run itself, the page workers) need not pay."""
    from simplemma.strategies.dictionaries import TrieDictionaryFactory

    return TrieDictionaryFactory()


def _dictionary(lang: str) -> Any:
    """simplemma's form -> lemma mapping for `lang`."""
    return _dictionaries().get_dictionary(lang)


@lru_cache(maxsize=2)
def _frequencies(lang: str) -> dict[str, float]:
    """wordfreq's small list (words of Zipf 3 and more, about 4 MB a language; the large lists cost
    100 MB), loaded on first use."""
    from wordfreq import get_frequency_dict

    return get_frequency_dict(lang, wordlist="small")


def zipf(lower: str, lang: str) -> float:
    """How common a lower-case word is: log10 of its frequency per billion words, 0 if rare."""
    frequency = _frequencies(lang).get(lower.replace("ß", "ss") if lang == "de" else lower)
    return math.log10(frequency) + 9 if frequency else 0.0


def is_known(word: str, lang: str) -> bool:
    """True when the lexicon has this exact form (case-sensitive; it also knows some names)."""
    return word in _dictionary(lang)


def has_plural(word: str, lang: str, endings: tuple[str, ...] = ("e", "en", "er"),
               umlaut: bool = True) -> bool:
    """German common nouns have plural forms (Präsident -> Präsidenten); given names seldom do."""
    dictionary = _dictionary(lang)
    forms = [word + ending for ending in endings] + (_umlaut_plurals(word) if umlaut else [])
    return any(dictionary.get(form) == word for form in forms)


def _umlaut_plurals(word: str) -> list[str]:
    """Hauptstadt -> Hauptstädte, Rat -> Räte, Buch -> Bücher, Boden -> Böden, Vater -> Väter."""
    if word.endswith(("en", "el", "er")) and len(word) > 4:
        stem, ending = word[:-2], word[-2:]
        return [umlauted + ending for umlauted in _umlauted(stem)] + _umlaut_plurals_of(word)
    return _umlaut_plurals_of(word)


def _umlauted(stem: str) -> list[str]:
    for i in range(len(stem) - 1, 0, -1):
        if stem[i] in "aou":
            return [stem[:i] + {"a": "ä", "o": "ö", "u": "ü"}[stem[i]] + stem[i + 1:]]
        if stem[i] in "eiäöü":
            break
    return []


def _umlaut_plurals_of(word: str) -> list[str]:
    return [umlauted + ending for umlauted in _umlauted(word) for ending in ("", "e", "er")]


def has_inflections(word: str, lang: str) -> bool:
    """Any form besides the genitive -s points to a common noun (Gremium -> Gremien, Liga ->
    Ligen); names in the lexicon (Samsung, Heise, Ingolstadt) have at most a genitive."""
    dictionary = _dictionary(lang)
    forms = [word + e for e in ("e", "en", "er", "n", "nen", "es", "ern", "se", "sse", "ses")]
    forms += _umlaut_plurals(word)
    for old, new in (("um", "en"), ("us", "en"), ("a", "en"), ("ium", "ien"), ("on", "en")):
        if word.endswith(old):
            forms.append(word[:-len(old)] + new)
    return any(dictionary.get(form) == word for form in forms)


def is_noun_form(word: str, lang: str, strict: bool = False) -> bool:
    """A German common noun, or an inflected form of one (Millionen, Präsidenten, Schattenflotte).
    strict: only clear plurals of dictionary words, since surnames like Rutte have a plural -n
    form and names like Buschmann look like compounds."""
    lemma = _dictionary(lang).get(word)
    if lemma is None:
        return not strict and lang == "de" and "-" not in word and _is_compound(word, lang)
    if strict:
        return lemma != word or has_plural(word, lang, ("e", "en", "er"), umlaut=False)
    return lemma != word or has_plural(word, lang, ("e", "en", "er", "n", "nen"))


@lru_cache(maxsize=4096)
def is_common_word(word: str) -> bool:
    """A German or English common word, not only a name: Hof (Höfe), Weiden (Weide), Reading."""
    lower = word.lower()
    return is_known(lower, "de") or is_known(lower, "en") or has_inflections(word, "de") \
        or is_inflected(word, "de") or is_noun_form(word, "de", strict=True)


def is_inflected(word: str, lang: str) -> bool:
    """An inflected dictionary form of another word (Truppen -> Truppe, Schurkenstaaten)."""
    lemma = _dictionary(lang).get(word)
    return lemma is not None and lemma != word


def is_compound(word: str, lang: str) -> bool:
    return lang == "de" and "-" not in word and _is_compound(word, lang)


def is_capitalised_function_word(word: str, lang: str) -> bool:
    """A word capitalised only because it starts a sentence (Sowohl, Nach, Wenn)."""
    dictionary = _dictionary(lang)
    return word not in dictionary and word.lower() in dictionary


def is_stopword(word: str, lang: str) -> bool:
    return word.lower().replace("’", "'") in STOPWORDS[lang] or word in CALENDAR


def is_org_word(word: str) -> bool:
    """A word that heads an organisation's name (Bank, Partei, Landgericht, Authority)."""
    lower = word.lower()
    return lower in ORG_HEADS or lower in _WHOLE_ORG_HEADS or lower.endswith(_COMPOUND_ORG_HEADS) \
        or is_institution(word)


def institution_base(word: str) -> str:
    """The body a genitive names (Bundesgerichtshofs -> Bundesgerichtshof); other words as they are."""
    for ending in ("es", "s"):
        base = word[:-len(ending)]
        if word.endswith(ending) and is_institution(base):
            return base
    return word


def is_institution(word: str) -> bool:
    """One named federal or state body in one word: Bundesnetzagentur, Landeskriminalamt,
    Eisenbahn-Bundesamt (the last part decides), Oberverwaltungsgericht, des Bundesgerichtshofs."""
    last = word.rsplit("-", 1)[-1].lower()
    if last.endswith(("es", "s")) and not last.endswith(ORG_HEADS):
        last = last[:-2] if last.endswith("es") and last[:-2].endswith(ORG_HEADS) else last[:-1]
    return last.startswith(INSTITUTION_PREFIXES) and last not in ORG_HEADS \
        and last.endswith(_INSTITUTION_HEADS) and len(last) > 8


def is_title(word: str) -> bool:
    """A function noun that precedes a name: Präsident, US-Verteidigungsminister, Secretary."""
    words, suffixes = title_words()
    if word in words:
        return True
    head = word.rsplit("-", 1)[-1].lower()
    return head.endswith(suffixes) and len(head) > 3


def is_descriptor(word: str) -> bool:
    """An English noun for the kind of party a name stands for (Rival, Operator, Residents)."""
    return word.lower() in descriptor_words()


def is_acronym(word: str) -> bool:
    letters = word.replace(".", "")
    return 2 <= len(letters) <= 6 and letters.isupper() and letters.isalpha() \
        and not _ROMAN.match(letters)


def is_adjective_like(word: str, lang: str) -> bool:
    """A capitalised adjective starting a noun phrase (Deutsche Bank, Künstliche Intelligenz)."""
    lower = word.lower()
    if lang == "en":
        return False
    return lower.endswith(("e", "er", "en", "es", "em")) and is_known(lower, lang)


def is_common_noun(word: str, lang: str) -> bool:
    """German: a known word or a compound of known words; English: a known lower-case word."""
    if lang == "en":
        return is_known(word.lower(), lang)
    if "-" in word:
        return is_common_noun(word.rsplit("-", 1)[-1], lang)
    return is_known(word, lang) or is_known(word.lower(), lang) or _is_compound(word, lang)


# Endings of German place names: Sandhausen, Gundremmingen, Elmshorn are names, not compounds.
_TOPONYM_ENDINGS = ("hausen", "heim", "ingen", "dorf", "burg", "berg", "bach", "stedt", "furt",
                    "felde", "hagen", "hofen", "rode", "leben", "brück", "born", "horn", "ow",
                    "itz")


def _is_compound(word: str, lang: str) -> bool:
    """Sondertruppen = Sonder + Truppen: a head noun and a known first part (linking s allowed)."""
    if word.lower().endswith(_TOPONYM_ENDINGS):
        return False
    for cut in range(3, len(word) - 3):
        head = word[cut:].capitalize()
        lemma = _dictionary(lang).get(head)
        first = word[:cut]
        if lemma is None:
            continue
        if lemma == head and not has_plural(head, lang, ("e", "en", "er", "n", "nen")) \
                and not _is_noun_stem(first, lang) and not is_known(head.lower(), lang):
            continue  # the head must be a common noun, not a name (Anna+Lena)
        for stem in (first, first[:-1] if first.endswith(("s", "n")) else first):
            if len(stem) >= 3 and (is_known(stem, lang) or is_known(stem.lower(), lang)
                                   or is_known(stem.capitalize(), lang)):
                return True
    return False


def _is_noun_stem(first: str, lang: str) -> bool:
    """Spenden(komitee), Eskalations(stufe): the first part of a compound is itself a noun."""
    for stem in (first, first[:-1]):
        capital = stem.capitalize()
        if len(stem) >= 3 and capital in _dictionary(lang) and is_noun_form(capital, lang):
            return True
    return False
