"""Inline citations back the sentence they stand in: that sentence's words and numbers decide."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from linkcheck.archive import Archive
from linkcheck.article import parse_article
from linkcheck.article_loader import with_claim_terms
from linkcheck.claims import (
    CLAIM_MIN_COVERAGE,
    PASSAGE_MIN_COVERAGE,
    ClaimTerms,
    claim_terms,
    coverage,
    passage_coverage,
)
from linkcheck.config import Config
from linkcheck.match import Match, judge_claim
from linkcheck.pipeline import verify

ARTICLE = """12.05.2025
Kiel baut mehr Wohnungen

Die Stadt Kiel hat im vergangenen Jahr rund 1.200 neue Wohnungen genehmigt, teilte Oberbürgermeister
Ulf Kämpfer mit https://kiel.example/bauantraege. Die meisten entstehen im Stadtteil Gaarden.

Quellen: https://news.example/kiel-wohnungen
"""
BACKING = ("<html lang='de'><body><main><p>Kiel: Im vergangenen Jahr hat die Stadt rund 1.200 neue Wohnungen "
           "genehmigt, die meisten in Gaarden. Das teilte Oberbürgermeister Ulf Kämpfer am Montag mit.</p>"
           "</main></body></html>")
SAME_NAMES = ("<html lang='de'><body><main><p>Kiel: Oberbürgermeister Ulf Kämpfer hat am Montag die Kieler Woche "
              "eröffnet, mit Seglern aus vierzig Ländern und einem Feuerwerk am Abend.</p></main></body></html>")


def test_an_inline_url_backs_the_sentence_it_stands_in():
    article = parse_article(ARTICLE)
    inline = next(c for c in article.cited_urls if c.url == "https://kiel.example/bauantraege")
    assert inline.claim.startswith("Die Stadt Kiel hat im vergangenen Jahr rund 1.200 neue Wohnungen")
    listed = next(c for c in article.cited_urls if c.url == "https://news.example/kiel-wohnungen")
    assert listed.claim is None, "a source in the list backs the article as a whole"


def test_a_url_after_the_sentence_backs_that_sentence():
    article = parse_article("Titel\n\nDer Bundestag hat das Gesetz am Freitag mit großer Mehrheit beschlossen. "
                            "(https://bundestag.example/gesetz)\n")
    assert article.cited_urls[0].claim == "Der Bundestag hat das Gesetz am Freitag mit großer Mehrheit beschlossen."


def test_claim_terms_weigh_rare_words_more_and_keep_numbers():
    terms = claim_terms("Die Stadt hat 1.200 neue Wohnungen genehmigt", "de")
    weights = dict(terms.terms)
    assert weights["genehm"] > weights["stadt"], "a rare word sets a claim apart more than a common one"
    assert "die" not in weights and terms.numbers == ("1200",)


def test_coverage_counts_words_and_numbers():
    terms = claim_terms("Die Stadt hat 1.200 neue Wohnungen genehmigt", "de")
    assert coverage(terms, "Die Stadt genehmigte 1200 neue Wohnungen.") == (1.0, True)
    share, numbers_found = coverage(terms, "Die Stadt genehmigte 900 neue Wohnungen.")
    assert share == 1.0 and not numbers_found


def test_the_claim_decides_only_in_its_own_language():
    terms = ClaimTerms("de", (("wohnun", 3.0), ("genehm", 4.0)), ())
    unsupported = Match(("Kiel",), (), (), 1.0, supports=True)
    assert judge_claim(unsupported, terms, "Kiel feiert.", "de").supports is False
    across = judge_claim(unsupported, terms, "Kiel feiert.", "en")
    assert across.supports is True, "across languages the entities decide"
    assert judge_claim(unsupported, None, "Kiel feiert.", "de") is unsupported


def test_a_page_with_the_same_names_but_not_the_claim_has_drifted(tmp_path: Path):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "kiel.txt").write_text(ARTICLE)
    pages = {"https://kiel.example/bauantraege": SAME_NAMES, "https://news.example/kiel-wohnungen": BACKING}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text=pages.get(str(request.url), ""), headers={"content-type": "text/html"})

    archive = Archive(tmp_path / "archive.db")
    results = []
    try:
        with archive.lock():
            asyncio.run(verify([tmp_path / "articles"], Config(workers=1, repair="off"), archive, results.append,
                               transport=httpx.MockTransport(handler)))
    finally:
        archive.close()
    verdicts = {r.url: (r.citations[0].decision.verdict.value, r.citations[0].match.claim_coverage) for r in results}
    assert verdicts["https://kiel.example/bauantraege"][0] == "drifted"
    assert verdicts["https://kiel.example/bauantraege"][1] < 0.65
    assert verdicts["https://news.example/kiel-wohnungen"] == ("ok", None)


def test_claim_terms_are_filled_by_the_article_loader():
    (inline, _) = sorted(with_claim_terms(parse_article(ARTICLE)), key=lambda c: c.claim is None)
    assert inline.claim_terms is not None and inline.claim_terms.lang == "de"


FILLER = ("Das Wetter an der Küste blieb am Wochenende wechselhaft und kühl. " * 9)
SCATTERED_PAGE = ("Die Stadt stellte am Montag ihren Haushalt vor. " + FILLER
                  + "Neue Radwege wurden im Norden eröffnet. " + FILLER
                  + "Das Bauamt hat mehr Personal eingestellt und Anträge schneller genehmigt. " + FILLER
                  + "Vor dem Rathaus standen rund 1.200 Menschen. " + FILLER + "Auch Wohnungen sind knapp.")
TOGETHER_PAGE = FILLER + "Die Stadt hat rund 1.200 neue Wohnungen genehmigt, teilte das Bauamt mit. " + FILLER


@pytest.mark.parametrize(("text", "together"), [
    (TOGETHER_PAGE, True),     # the claim stands in one sentence
    (SCATTERED_PAGE, False),   # the same words, each in another paragraph
])
def test_passage_coverage_asks_for_the_claims_words_in_one_place(text, together):
    terms = claim_terms("Die Stadt hat 1.200 neue Wohnungen genehmigt", "de")
    share, numbers_found = coverage(terms, text)
    assert share >= CLAIM_MIN_COVERAGE and numbers_found, "both pages hold the words and the number"
    assert (passage_coverage(terms, text) >= PASSAGE_MIN_COVERAGE) is together
    match = judge_claim(Match(("Stadt",), (), (), 1.0, supports=True), terms, text, "de")
    assert match.supports is together
