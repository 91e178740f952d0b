"""Spelling variants: length-preserving case/diacritic folding and transliteration variants."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# German umlaut and ß spellings; the folded text keeps one char per char, so these are generated
# as alias variants (Müller -> muller and mueller) instead of being expanded in the page text.
_DIGRAPHS = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}


def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x00C0, 0x0250):
        char = chr(code)
        base = unicodedata.normalize("NFKD", char)[0].lower()
        if base.isascii() and base.isalpha():
            table[code] = base
    table[ord("ß")] = "s"
    table[ord("ø")] = table[ord("Ø")] = "o"
    table[ord("đ")] = table[ord("Đ")] = "d"
    table[ord("ł")] = table[ord("Ł")] = "l"
    for quote in "’‘ʼ`´":
        table[ord(quote)] = "'"
    for dash in "‐‑‒–—":
        table[ord(dash)] = "-"
    table[0x00AD] = " "  # soft hyphen
    table[0x00A0] = " "
    table[0x202F] = " "
    return table


_FOLD = _build_fold_table()
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _fold_char(match: re.Match) -> str:
    char = match.group()
    return _FOLD.get(ord(char), char)


def fold(text: str) -> str:
    """Lower case, diacritics and typographic quotes folded; the result has the same length."""
    # only the few non-ASCII chars need the table: three times faster than str.translate
    return _NON_ASCII.sub(_fold_char, lower_in_place(text))


def lower_in_place(text: str) -> str:
    """Lower case with one char per char, so offsets stay aligned (a few chars, İ, lower to two)."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return lowered


def spellings(name: str) -> set[str]:
    """Folded spellings of one name: plain folding and the German digraph spelling (ü -> ue)."""
    out = {fold(name)}
    lowered = name.lower()
    if any(c in lowered for c in _DIGRAPHS):
        for umlaut, digraph in _DIGRAPHS.items():
            lowered = lowered.replace(umlaut, digraph)
        out.add(fold(lowered))
    return out


# German <-> English transliteration of Cyrillic (and a few Korean/Arabic habits), on folded text.
# Each rule is tried on every variant made so far; the order keeps the longest patterns first.
_TRANSLIT_RULES: tuple[tuple[str, str], ...] = (
    ("tsch", "ch"), ("sch", "sh"), ("sh", "zh"), ("ch", "kh"),
    ("yj", "y"), ("yj", "yy"), ("yj", "iy"), ("yj", "i"), ("ij", "iy"), ("ij", "y"), ("ij", "i"),
    ("je", "ye"), ("je", "e"), ("ja", "ya"), ("ju", "yu"), ("jo", "yo"), ("j", "y"),
    ("ow", "ov"), ("ew", "ev"), ("w", "v"), ("z", "ts"), ("ss", "s"),
    # English -> German
    ("kh", "ch"), ("zh", "sh"), ("sh", "sch"), ("ch", "tsch"), ("yy", "yj"), ("iy", "ij"),
    ("y", "j"), ("v", "w"), ("ts", "z"),
)
_MAX_VARIANTS = 48


# Signs that a name was transliterated (from Cyrillic, mostly): only then are variants made, so
# Wood does not become Vood.
_TRANSLITERATED = ("j", "y", "sch", "ch", "sh", "zh", "kh", "ow", "ew", "ov", "ev", "ij", "iy")


@lru_cache(maxsize=4096)
def transliterations(word: str) -> frozenset[str]:
    """Folded transliteration variants of one name token: Selenskyj -> zelenskyy, zelensky, ..."""
    base = fold(word)
    variants = {base: None}  # a dict keeps the order, so the cap keeps the same variants every run
    if not any(sign in base for sign in _TRANSLITERATED):
        return frozenset(variants)
    if base[:1] == "s" and base[1:2] in "aeiouy":
        variants["z" + base[1:]] = None
    elif base[:1] == "z" and base[1:2] in "aeiouy":
        variants["s" + base[1:]] = None
    if base.endswith("ky"):  # Zelensky -> Selenskyj
        variants[base + "j"] = None
    for old, new in _TRANSLIT_RULES:
        for variant in list(variants):
            if old in variant and len(variants) < _MAX_VARIANTS:
                variants[variant.replace(old, new)] = None
    return frozenset(v for v in variants if len(v) >= 3 and "jj" not in v)
