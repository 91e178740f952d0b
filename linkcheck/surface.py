"""One-pass search for many surface forms in a text: folding, word boundaries, endings, casing."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

from .spelling import fold, spellings

# Inflectional endings a name may carry on the page: genitive -s (Selenskyjs, Russlands), German
# adjective and noun endings (nordkoreanischen, Kremls). The English 's is a separate word here.
NAME_ENDINGS = frozenset({"", "s", "es", "e", "en", "n", "ns", "er", "em", "ern", "ers"})
ACRONYM_ENDINGS = frozenset({"", "s"})
NO_ENDINGS = frozenset({""})

_ACRONYM = re.compile(r"^(?:[A-ZÄÖÜ]\.?){2,6}$")
_NON_WORD = re.compile(r"[\W_]")
_LONGEST_ENDING = 3


@dataclass(frozen=True)
class SurfaceForm:
    """A form to look for, and what it stands for."""

    text: str        # as written: "USA", "nordkoreanisch", "Selenskyj"
    key: str         # what a hit means (an entity name or a gazetteer key)
    casing: str      # "upper": the hit must be upper case; "cap": capitalised; "any"
    endings: frozenset[str]


def surface_form(text: str, key: str, *, number: bool = False) -> SurfaceForm:
    """The surface form with casing and endings inferred from how it is written."""
    if number:
        return SurfaceForm(text, key, "any", NO_ENDINGS)
    if _ACRONYM.match(text) and len(text.replace(".", "")) <= 4:
        return SurfaceForm(text, key, "upper", ACRONYM_ENDINGS)
    if text[:1].isupper():
        return SurfaceForm(text, key, "cap", NAME_ENDINGS)
    return SurfaceForm(text, key, "any", NAME_ENDINGS)


@dataclass(frozen=True)
class Hit:
    """A surface form found in a text; start/end are offsets in the original text."""

    key: str
    start: int
    end: int        # includes the inflectional ending
    surface: str    # the original text of the hit


def word_text(text: str) -> str:
    """Folded text with every non-word character turned into a space; offsets are unchanged."""
    folded = fold(text)
    if _NON_ASCII_WORD_CHAR.search(folded) is None:
        # Nearly always, once folded: the non-ASCII chars left are quotes, dashes and signs, which
        # become "?" and then spaces like every non-word char. bytes.translate beats a regex 50x.
        return folded.encode("ascii", "replace").translate(_ASCII_NON_WORD_TO_SPACE).decode("ascii")
    return _NON_WORD.sub(" ", folded)


_NON_ASCII_WORD_CHAR = re.compile(r"[^\W\x00-\x7f]")
_ASCII_NON_WORD_TO_SPACE = bytes(c if chr(c).isalnum() else 32 for c in range(256))


class SurfaceIndex:
    """An Aho-Corasick automaton over folded surface forms; built once, searched many times.

    Patterns start with a space and run over the text with punctuation blanked, so the automaton
    itself enforces the word start (USA is not found in Pausanias) and Python only sees real
    candidates: that keeps a page of several MB in the tens of milliseconds.
    """

    def __init__(self, forms: Iterable[SurfaceForm]) -> None:
        table: dict[str, list[SurfaceForm]] = {}
        for form in forms:
            for spelling in spellings(form.text):
                pattern = _NON_WORD.sub(" ", spelling).rstrip()
                if len(pattern.replace(" ", "")) < 2:
                    continue
                bucket = table.setdefault(pattern, [])
                if all((f.key, f.casing) != (form.key, form.casing) for f in bucket):
                    bucket.append(form)
        self._automaton = ahocorasick.Automaton()
        for pattern, bucket in table.items():
            self._automaton.add_word(" " + pattern, (len(pattern), tuple(bucket)))
        self._empty = not table
        if not self._empty:
            self._automaton.make_automaton()

    def find(self, text: str, words: str | None = None) -> list[Hit]:
        """All hits in text, overlapping hits resolved in favour of the longest."""
        if self._empty or not text:
            return []
        words = word_text(text) if words is None else words
        candidates: list[Hit] = []
        for last, (length, bucket) in self._automaton.iter(" " + words):
            start, core_end = last - length, last
            end = _word_end(words, core_end)
            ending = words[core_end:end]
            seen: set[str] = set()
            for form in bucket:
                if form.key in seen or ending not in form.endings:
                    continue
                if form.endings is NO_ENDINGS and _inside_number(text, start, core_end):
                    continue
                if not _casing_ok(text, start, core_end, form.casing):
                    continue
                seen.add(form.key)
                candidates.append(Hit(form.key, start, end, text[start:end]))
        return _longest_first(candidates)


def _word_end(words: str, pos: int) -> int:
    end = pos
    while end < len(words) and words[end] != " ":
        end += 1
        if end - pos > _LONGEST_ENDING:  # longer than any ending: the hit starts a longer word
            break
    return end


def _inside_number(text: str, start: int, end: int) -> bool:
    """12.000 is not a mention of 12 (nor of 000): digits grouped by . or , continue the number."""
    before = text[max(0, start - 2):start]
    after = text[end:end + 2]
    return (len(before) == 2 and before[1] in ".," and before[0].isdigit()) \
        or (len(after) == 2 and after[0] in ".," and after[1].isdigit())


def _casing_ok(text: str, start: int, end: int, casing: str) -> bool:
    if casing == "any":
        return True
    if casing == "upper":
        return not any(c.islower() for c in text[start:end])
    return not text[start].islower()


def _longest_first(hits: list[Hit]) -> list[Hit]:
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    kept: list[Hit] = []
    last_end = -1
    last_span: tuple[int, int] | None = None
    for hit in hits:
        if (hit.start, hit.end) == last_span:  # same text, another key: keep both
            if all(k.key != hit.key for k in kept if (k.start, k.end) == last_span):
                kept.append(hit)
        elif hit.start >= last_end:
            kept.append(hit)
            last_end, last_span = hit.end, (hit.start, hit.end)
    return kept
