"""The claim an inline citation backs: the sentence the URL stands in, as rarity-weighted content
words and its numbers, and how much of it a page's main text contains.

A source cited in a list at the end ("Quellen:") backs the article as a whole, and the article's key
entities decide (match.py). A URL cited inline, in or right after a sentence, backs that sentence:
in the article's own language, a page that supports it contains most of its content words (rare
words weighing more than common ones, since those are what set a claim apart) and every number it
states. Word rarity comes from wordfreq, loaded only by the article loaders and only when an article
cites inline; the page workers need only the precomputed terms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .language import STOPWORDS

CLAIM_MIN_COVERAGE = 0.65   # share of the claim's weighted content words a supporting page contains
# ... and of them, this share must stand together in one passage of PASSAGE_SENTENCES sentences (a
# paragraph or two): a page that has the claim's words scattered over unrelated paragraphs ("five
# years", "the film", "to write") does not state the claim. Chosen on the WiCE dev split (see
# bench/wice.py), where it takes not-supported pages called ok from 3 to 2 of 43.
PASSAGE_MIN_COVERAGE = 0.5
PASSAGE_SENTENCES = 8
STEM = 6                    # characters compared: enough to tell words apart, short enough for inflection
_COMMONEST_ZIPF = 7.5       # a word's weight is how much rarer it is than the commonest words
_WORD = re.compile(r"[^\W\d_]{3,}")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n\s*\n")


@dataclass(frozen=True, slots=True)
class ClaimTerms:
    """What a page must contain to back one claim."""

    lang: str                                # the article's language
    terms: tuple[tuple[str, float], ...]     # (word stem, weight)
    numbers: tuple[str, ...]                 # digits as written, separators dropped


def claim_terms(sentence: str, lang: str) -> ClaimTerms:
    """The content-word stems of `sentence` (stopwords dropped) weighted by rarity, and its numbers."""
    stop = STOPWORDS.get(lang, frozenset())
    weights: dict[str, float] = {}
    for word in _WORD.findall(sentence.lower()):
        if word in stop:
            continue
        stem = word[:STEM]
        weights[stem] = max(weights.get(stem, 0.0), max(0.5, _COMMONEST_ZIPF - _zipf(word, lang)))
    numbers = tuple(dict.fromkeys(_digits(n) for n in _NUMBER.findall(sentence)))
    return ClaimTerms(lang, tuple(weights.items()), numbers)


def coverage(claim: ClaimTerms, text: str) -> tuple[float, bool]:
    """The weighted share of the claim's words in `text`, and whether every number it states is there."""
    stems = {word[:STEM] for word in _WORD.findall(text.lower())}
    total = sum(weight for _, weight in claim.terms)
    share = sum(weight for stem, weight in claim.terms if stem in stems) / total if total else 0.0
    numbers = {_digits(n) for n in _NUMBER.findall(text)}
    return share, all(number in numbers for number in claim.numbers)


def passage_coverage(claim: ClaimTerms, text: str, sentences: int = PASSAGE_SENTENCES) -> float:
    """The highest weighted share of the claim's words within any run of `sentences` consecutive
    sentences of `text`: how much of the claim stands together in one place."""
    weight = dict(claim.terms)
    total = sum(weight.values())
    if not total:
        return 0.0
    found = [{stem for word in _WORD.findall(sentence.lower()) if (stem := word[:STEM]) in weight}
             for sentence in _SENTENCE_END.split(text)]
    best = 0.0
    for start in range(max(1, len(found) - sentences + 1)):
        stems = set().union(*found[start:start + sentences])
        best = max(best, sum(weight[stem] for stem in stems) / total)
        if best >= 1.0:
            break
    return best


def _digits(number: str) -> str:
    return number.replace(".", "").replace(",", "")


@lru_cache(maxsize=65536)
def _zipf(word: str, lang: str) -> float:
    from wordfreq import zipf_frequency  # its word lists take a second and 100 MB: loaded on first use

    return float(zipf_frequency(word, lang))
