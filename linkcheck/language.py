"""Which language a text is written in, from its stopwords (German and English: the articles' languages)."""

from __future__ import annotations

import re

STOPWORDS = {
    "de": frozenset("""der die das den dem des ein eine einer einen einem eines und oder aber
        in im am an auf aus bei mit nach von vom zu zum zur für über unter vor hinter neben ist
        sind war waren wird werden hat haben es er sie wir ihr ich du man wie was wer wo wenn
        dass daß als auch noch nur nicht so doch schon sein seine ihre ihren unser diese dieser
        dieses jene alle viele mehr laut bis seit gegen ohne durch um""".split()),
    "en": frozenset("""the a an and or but in on at of for to from by with as is are was were be
        been has have had it he she they we you i this that these those his her their its our
        not no so if when while after before over under about into than then there here who
        what which where why how all more most some any each every one two i'm i've i'll
        i'd it's that's now still yet meanwhile however today yesterday tomorrow although
        though because since despite during until unless whether thousands hundreds many
        much few several""".split()),
}
WORD = re.compile(r"[a-zäöüß]+")
_WINDOW = 5000      # characters read: the start of a text says which language it is in
_SURE_HITS = 5      # stopwords needed before a guess is trusted over a declared language


def guess_language(text: str, sure: bool = True) -> str | None:
    """The language ('de' or 'en') whose stopwords the start of `text` uses most.

    With `sure`, only when the words say enough (5 stopwords, more than twice the other
    language's), else None; without, German unless English has more."""
    words = WORD.findall(text[:_WINDOW].lower())
    counts = {lang: sum(map(stops.__contains__, words)) for lang, stops in STOPWORDS.items()}
    if not sure:
        return "en" if counts["en"] > counts["de"] else "de"
    best = max(counts, key=counts.__getitem__)
    others = sum(counts.values()) - counts[best]
    return best if counts[best] >= _SURE_HITS and counts[best] > 2 * others else None
