"""How much a mention of an entity proves: a name frequent in general text (a capital, a big
party, the union, a city everyone writes about) is shared by many unrelated stories; a full
personal name or a named organisation is not.

Frequency comes from wordfreq's small lists (zipf scale: 4.3 is about 20 occurrences per million
words, the frequency of "Berlin" in English or "Moskau" in German). The small lists hold only words
above zipf ~3, which is all this needs, and load in a third of a second and 10 MB (the full lists
take a second and 100 MB).
"""

from __future__ import annotations

from functools import lru_cache

COMMON_ZIPF = 4.3


@lru_cache(maxsize=65536)
def is_common_name(name: str, lang: str) -> bool:
    """Whether a name is frequent in general text of the article's language (zipf >= COMMON_ZIPF).
    A name of several words counts as a phrase (wordfreq combines its words' frequencies), so "New
    York" is common and "Federal Reserve" is not; the article's own language, since another's
    frequency says nothing ("hart" is a German word, "Hart Island" no German name)."""
    from wordfreq import zipf_frequency  # loaded on first use: page workers never need it

    return zipf_frequency(name, lang, wordlist="small") >= COMMON_ZIPF
