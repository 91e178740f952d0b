"""Spaces put back into a squashed title line: the article's own words first, then word frequencies."""

from __future__ import annotations

import math
import re

# A longer line without spaces is no title that lost its spaces: it is left as it is (the parser
# warns), and segmenting stays cheap whatever the input.
MAX_SQUASHED_TITLE = 300
_MIN_SQUASHED_TITLE = 16
_LONGEST_WORD = 30

# Costs are in units of log10 of a word's probability (wordfreq's Zipf scale tops out near 8): the
# best segmentation has the smallest total, so a known long word beats two short ones.
_TOP_ZIPF = 9.0
_WORD_COST = 1.0  # every boundary costs a little: of two equal readings, the one with fewer words
_DICTIONARY_ONLY_COST = 7.5   # a word simplemma knows but wordfreq's small list has not: rare
# A word nobody knows (a name, a compound) costs more the longer it is, so that a stretch of known
# words is not swallowed by one unknown word, but less than the short known pieces it could fall into.
_UNKNOWN_BASE = 2.0
_UNKNOWN_PER_LETTER = 1.5
_UNKNOWN_LOWER_CASE_PENALTY = 5.0
_UNKNOWN_ACRONYM_BASE = 7.0   # capitals nobody knows (LEAG) stay one acronym unless its parts are common
_UNKNOWN_ACRONYM_PER_LETTER = 0.75
_OTHER_LANGUAGE_PENALTY = 1.0
_LOWER_CASE_NOUN_PENALTY = 6.0  # German capitalises nouns: "entscheid" in a squashed title is no word
_BODY_WEIGHT = 0.25           # a word the article itself uses costs a quarter of its rarity, plus one
_ENDINGS = ("e", "en", "er", "es", "em", "n", "s", "ern", "ns")

_PIECE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+(?:[.,]\d+)*|\s+|.", re.UNICODE)
_LETTERS = re.compile(r"[^\W\d_]")
_GLUE_BOTH = frozenset("-/&+")
_GLUE_LEFT = frozenset(".,:;!?)]}%…’»")
_GLUE_RIGHT = frozenset("„‚([{«$€£")


def needs_recovery(title: str) -> bool:
    """A title line without spaces, long enough to have been several words."""
    stripped = title.strip()
    return " " not in stripped and len(stripped) >= _MIN_SQUASHED_TITLE


def recover_title_words(title: str, body: str = "") -> str:
    """Put the spaces back into a squashed title line ('NATObesorgt' -> 'NATO besorgt').

    Titles with spaces, and lines longer than MAX_SQUASHED_TITLE, are returned stripped.
    """
    stripped = title.strip()
    if not needs_recovery(stripped) or len(stripped) > MAX_SQUASHED_TITLE:
        return stripped
    from .language import guess_language

    scorer = _Scorer(body, guess_language(body, sure=True) if body else None)
    tokens: list[str] = []
    for piece in _PIECE.findall(stripped):
        if _LETTERS.match(piece):
            tokens.extend(_segment(piece, scorer))
        else:
            tokens.append(piece)
    return _join(_merge_body_words(tokens, scorer.body_tokens))


def _segment(letters: str, scorer: _Scorer) -> list[str]:
    """The cheapest split of a run of letters into words; memory linear in its length."""
    n = len(letters)
    cost = [0.0] + [math.inf] * n
    back = [0] * (n + 1)  # where the last word ending here starts: no growing word lists
    for start in range(n):
        if cost[start] == math.inf:
            continue
        for end in range(start + 1, min(n, start + _LONGEST_WORD) + 1):
            total = cost[start] + _WORD_COST + scorer.cost(letters[start:end])
            if total < cost[end]:
                cost[end], back[end] = total, start
    if cost[n] == math.inf:
        return [letters]
    words = []
    end = n
    while end > 0:
        words.append(letters[back[end]:end])
        end = back[end]
    return words[::-1]


class _Scorer:
    """The cost of a candidate word: its rarity in wordfreq's small lists, cheaper when the body
    uses it (or an inflected form of it), dearer when German case says it cannot be a word."""

    def __init__(self, body: str, lang: str | None) -> None:
        self.body_tokens = frozenset(t.strip(".,:;!?()[]\"'„“”‚‘’«»") for t in body.split())
        self._body_words = frozenset(w.lower() for w in re.findall(r"[^\W\d_]+", body))
        self._body_stems = frozenset(_stem(w) for w in self._body_words if len(w) >= 5)
        self._langs = (lang,) if lang else ("de", "en")
        self._other = [code for code in ("de", "en") if code not in self._langs]

    def cost(self, word: str) -> float:
        if self._written_in_body(word):  # as the article writes it, odd case and all (BVerfG, iPhones)
            return 1.0 + _BODY_WEIGHT * min(self._rarity(word, word.lower()), _TOP_ZIPF)
        if not _well_shaped(word):  # a word never holds a lower-case letter before a capital
            return math.inf
        lower = word.lower()
        rarity = self._rarity(word, lower)
        if self._in_body(lower):
            return 1.0 + _BODY_WEIGHT * min(rarity, _TOP_ZIPF)
        if len(word) == 1 and lower not in ("a", "i"):
            return math.inf
        if len(word) == 2 and rarity >= _DICTIONARY_ONLY_COST:
            return math.inf  # two letters nobody knows are no word
        if word.islower() and _is_capitalised_noun(word, self._langs):
            rarity += _LOWER_CASE_NOUN_PENALTY
        return rarity

    def _rarity(self, word: str, lower: str) -> float:
        zipf = max((_zipf(lower, lang) for lang in self._langs), default=0.0)
        zipf = max([zipf] + [_zipf(lower, lang) - _OTHER_LANGUAGE_PENALTY for lang in self._other])
        if zipf > 0:
            return _TOP_ZIPF - zipf
        if _in_dictionary(word, lower):
            return _DICTIONARY_ONLY_COST
        if word.isupper() and len(word) > 1:
            return _UNKNOWN_ACRONYM_BASE + _UNKNOWN_ACRONYM_PER_LETTER * len(word)
        unknown = _UNKNOWN_BASE + _UNKNOWN_PER_LETTER * len(word)
        # the lexicons know nearly every lower-case word (verbs, adjectives, function words): an
        # unknown one is mostly the tail of a cut name (Simmel|sdorf)
        return unknown + _UNKNOWN_LOWER_CASE_PENALTY if word.islower() else unknown

    def _written_in_body(self, word: str) -> bool:
        return word in self.body_tokens or any(
            word.endswith(ending) and word[:-len(ending)] in self.body_tokens for ending in _ENDINGS)

    def _in_body(self, lower: str) -> bool:
        if lower in self._body_words:
            return True
        return len(lower) >= 5 and _stem(lower) in self._body_stems


def _well_shaped(word: str) -> bool:
    """lower case, Capitalised or ALL CAPS: a squashed title keeps its letters' case."""
    return word.islower() or word.isupper() or (word[0].isupper() and word[1:].islower())


def _stem(word: str) -> str:
    for ending in sorted(_ENDINGS, key=len, reverse=True):
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[:-len(ending)]
    return word


def _is_capitalised_noun(word: str, langs: tuple[str, ...]) -> bool:
    """German nouns are capitalised: a lower-case form the dictionary knows only capitalised
    (entscheid, ausstieg) is part of a compound, not a word of its own."""
    from .lexicon import is_known

    if "de" not in langs or is_known(word, "de") or is_known(word, "en"):
        return False
    return is_known(word.capitalize(), "de")


def _in_dictionary(word: str, lower: str) -> bool:
    from .lexicon import is_known

    return any(is_known(form, lang) for lang in ("de", "en") for form in {word, lower, lower.capitalize()})


def _zipf(lower: str, lang: str) -> float:
    from .lexicon import zipf

    return zipf(lower, lang)


def _merge_body_words(tokens: list[str], body_tokens: frozenset[str]) -> list[str]:
    """Words the body writes as one (G7, McDonald's, iPhone) joined again after the split."""
    merged: list[str] = []
    i = 0
    while i < len(tokens):
        for j in range(min(len(tokens), i + 4), i + 1, -1):
            if "".join(tokens[i:j]) in body_tokens:
                merged.append("".join(tokens[i:j]))
                i = j
                break
        else:
            merged.append(tokens[i])
            i += 1
    return merged


def _join(tokens: list[str]) -> str:
    """Words with single spaces; punctuation sticks to its side, hyphens to both."""
    out = ""
    glue_next = True
    open_quote = False
    for token in tokens:
        if token.isspace():
            continue
        glue_left = token in _GLUE_LEFT or token in _GLUE_BOTH
        glue_right = token in _GLUE_RIGHT or token in _GLUE_BOTH
        if token in ('"', "“", "”"):  # German „…“, English “…”, straight "…"
            closing = open_quote or token == "”"
            glue_left, glue_right, open_quote = closing, not closing, not closing
        elif token in ("„", "‚"):
            open_quote = True
        out += token if glue_next or glue_left or not out else " " + token
        glue_next = glue_right
    return out
