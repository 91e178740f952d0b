"""Squashed title lines get their spaces back (linkcheck.titles)."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from linkcheck.article import parse_article
from linkcheck.titles import MAX_SQUASHED_TITLE, _Scorer, _segment, recover_title_words

DEV_TITLES = json.loads((Path(__file__).parent / "data" / "dev" / "titles.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("squashed", "body", "title"), [
    # the four of issue 15
    ("PutinwarntvorDekolonisierungRusslands", "Wladimir Putin sprach in Moskau.",
     "Putin warnt vor Dekolonisierung Russlands"),
    ("UNKritikanUS-EinsatzinVenezuela", "Die Vereinten Nationen kritisieren Washington.",
     "UN Kritik an US-Einsatz in Venezuela"),
    ("EZBvordemnächstenZinsentscheid", "Die Europäische Zentralbank berät in Frankfurt.",
     "EZB vor dem nächsten Zinsentscheid"),
    ("UKPMpromisesnewhousing", "The prime minister spoke in London on Monday.", "UK PM promises new housing"),
])
def test_the_issues_examples_are_recovered(squashed, body, title):
    assert recover_title_words(squashed, body) == title


def test_dev_titles_are_recovered():
    right = [c for c in DEV_TITLES if recover_title_words(c["squashed"], c["body"]) == c["title"]]
    assert len(DEV_TITLES) >= 20
    assert len(right) >= 0.9 * len(DEV_TITLES)


def test_a_word_the_body_writes_in_odd_case_stays_whole():
    assert recover_title_words("BVerfGkipptWahlrechtsreform", "Das BVerfG hat entschieden.") == \
        "BVerfG kippt Wahlrechtsreform"
    assert recover_title_words("AppleverkauftwenigeriPhonesinChina", "Apple und das iPhone.") == \
        "Apple verkauft weniger iPhones in China"


def test_words_the_body_writes_with_a_digit_are_joined_again():
    assert recover_title_words("G7-GipfelinKanadaberätüberZölle", "Der G7-Gipfel beginnt.") == \
        "G7-Gipfel in Kanada berät über Zölle"


def test_an_unknown_acronym_stays_whole_when_the_body_has_it():
    assert recover_title_words("LEAGschicktBlöckeindieReserve", "Der Energiekonzern LEAG plant.") == \
        "LEAG schickt Blöcke in die Reserve"


def test_german_nouns_are_capitalised_so_a_lower_case_piece_is_no_noun():
    # "Zins" + "entscheid" would be two frequent words; German would write "Entscheid"
    assert "Zinsentscheid" in recover_title_words("NotenbankvordemZinsentscheid", "Die Notenbank berät.").split()


def test_punctuation_sticks_to_its_side():
    assert recover_title_words("Merz:„WirmüssenjetzthandelnundsparenimHaushalt“", "Merz sagte das.") == \
        "Merz: „Wir müssen jetzt handeln und sparen im Haushalt“"
    assert recover_title_words('Trumpsays"wewillwin"inIowa', "Trump spoke in Iowa.") == \
        'Trump says "we will win" in Iowa'


def test_numbers_keep_their_separators():
    assert recover_title_words("Lufthansastreicht1.100Flügeab", "Die Lufthansa streicht Flüge.") == \
        "Lufthansa streicht 1.100 Flüge ab"


def test_titles_with_spaces_and_short_lines_are_kept():
    assert recover_title_words("  USA und NATO besorgt ") == "USA und NATO besorgt"
    assert recover_title_words("Kurzmeldung") == "Kurzmeldung"


def test_a_huge_line_without_spaces_is_left_alone_with_a_warning():
    title = "Wort" * (257_000 // 4)
    tracemalloc.start()
    article = parse_article(f"{title}\n\nDer Text des Artikels.\n")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert article.title == title
    assert any("without spaces" in w and str(MAX_SQUASHED_TITLE) in w for w in article.warnings)
    assert peak < 50_000_000  # the text itself is 0.26 MB; the old segmenter took gigabytes


def test_segmenting_keeps_memory_linear_in_the_length():
    scorer = _Scorer("Text", "de")
    recover_title_words("Wortwort" * 10, "Text")  # load the word lists before measuring
    letters = "Hausbau" * 300  # 2,100 letters: quadratic word lists would be millions of entries
    tracemalloc.start()
    words = _segment(letters, scorer)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "".join(words) == letters
    assert peak < 5_000_000
