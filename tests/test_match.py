"""linkcheck.match: which key entities a page mentions, and whether it supports the article."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from linkcheck.article import parse_article
from linkcheck.entities import Entity, EntityKind, key_entities
from linkcheck.match import SUPPORT_MIN_SCORE, SUPPORT_MIN_SPECIFIC, EntityMatcher, Match, supports

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_5d9ab7691511e32e.txt"


@pytest.fixture(scope="module")
def seed_matcher() -> EntityMatcher:
    return EntityMatcher(key_entities(parse_article(SEED.read_text(encoding="utf-8"), str(SEED))))


def found(matcher: EntityMatcher, text: str, title: str = "") -> set[str]:
    return set(matcher.match(title, text).found)


# -- inflection, case and diacritics ---------------------------------------------------------------

def test_genitive_s_counts_as_mention(seed_matcher):
    assert found(seed_matcher, "Selenskyjs Rede und Russlands Antwort") >= {
        "Wolodymyr Selenskyj", "Russland"}


def test_german_adjective_endings_count(seed_matcher):
    assert "Nordkorea" in found(seed_matcher, "Die nordkoreanischen Soldaten sind angekommen.")


def test_adjective_needs_a_word_boundary(seed_matcher):
    assert "Russland" not in found(seed_matcher, "Die Weißrussischstunde fiel aus.")


def test_case_is_folded(seed_matcher):
    assert "Russland" in found(seed_matcher, "RUSSLAND WEIST ALLES ZURÜCK")


def test_umlaut_spelled_as_digraph_counts(seed_matcher):
    assert "Südkorea" in found(seed_matcher, "Suedkorea bestellte den Botschafter ein.")


def test_diacritics_folded(seed_matcher):
    assert "Nordkorea" in found(seed_matcher, "La Coree du Nord a envoye des soldats.")


def test_sharp_s_spelled_ss_counts():
    matcher = EntityMatcher((Entity("Weißes Haus", EntityKind.ORG, 1.0, ()),))
    assert found(matcher, "Das Weisses Haus schwieg.") == {"Weißes Haus"}


# -- word boundaries and compounds -----------------------------------------------------------------

def test_usa_inside_word_is_not_a_mention(seed_matcher):
    assert "USA" not in found(seed_matcher, "Pausanias beschrieb Griechenland; Usability zählt.")


def test_usa_as_a_word_is_a_mention(seed_matcher):
    assert "USA" in found(seed_matcher, "Die USA haben reagiert.")


def test_un_compound_mentions_un(seed_matcher):
    assert "UN" in found(seed_matcher, "Der UN-Sicherheitsrat tagte am Montag.")


def test_nato_compound_mentions_nato(seed_matcher):
    assert "NATO" in found(seed_matcher, "NATO-Generalsekretär sprach von Eskalation.")


def test_lowercase_un_is_not_the_un(seed_matcher):
    assert "UN" not in found(seed_matcher, "Il y a un soldat et une armée; und dann unten.")


def test_acronym_with_letters_after_is_not_a_mention(seed_matcher):
    assert "NATO" not in found(seed_matcher, "Die NATOXYZ-Gruppe ist eine Band.")


def test_compound_head_does_not_mention_the_modifier_alone():
    matcher = EntityMatcher((Entity("Kiew", EntityKind.PLACE, 1.0, ("Kyiv",)),))
    assert found(matcher, "Der Kiewer Bürgermeister") == {"Kiew"}  # adjective -er counts
    assert found(matcher, "Die Kiewskaja Straße") == set()


# -- other languages, adjectives, transliterations -------------------------------------------------

def test_north_korea_mentions_nordkorea(seed_matcher):
    assert "Nordkorea" in found(seed_matcher, "North Korea has sent troops to Russia.")


def test_english_adjective_mentions_country(seed_matcher):
    assert found(seed_matcher, "North Korean and South Korean officials met.") >= {
        "Nordkorea", "Südkorea"}


def test_zelensky_mentions_selenskyj(seed_matcher):
    for spelling in ("Zelensky", "Zelenskyy", "Zelenskiy", "Selenski", "Volodymyr Zelensky"):
        assert "Wolodymyr Selenskyj" in found(seed_matcher, f"{spelling} said on Monday."), spelling


def test_umerov_mentions_umjerow(seed_matcher):
    assert "Rustem Umjerow" in found(seed_matcher, "Defence minister Rustem Umerov arrived.")


def test_kyiv_and_moscow_mention_kiew_and_moskau(seed_matcher):
    assert found(seed_matcher, "talks in Kyiv, a reply from Moscow") >= {"Kiew", "Moskau"}
    assert "Kiew" in found(seed_matcher, "Gespräche in Kyjiw")


def test_unrelated_name_is_not_a_transliteration(seed_matcher):
    assert "Wolodymyr Selenskyj" not in found(seed_matcher, "Selena Gomez sang in Los Angeles.")


# -- people ----------------------------------------------------------------------------------------

def test_surname_alone_mentions_full_name(seed_matcher):
    assert found(seed_matcher, "Rutte sagte, Austin reise weiter.") >= {
        "Mark Rutte", "Lloyd Austin"}


def test_lowercase_surname_is_not_a_mention(seed_matcher):
    assert "Robert Wood" not in found(seed_matcher, "They burned wood and firewood.")


def test_given_name_alone_is_not_a_mention(seed_matcher):
    assert "Robert Wood" not in found(seed_matcher, "Robert Habeck sprach.")


# -- numbers ---------------------------------------------------------------------------------------

def test_number_in_other_notation_counts(seed_matcher):
    assert found(seed_matcher, "up to 12,000 soldiers and 1,500 special forces") >= {
        "12.000", "1500"}


def test_number_inside_a_larger_number_is_not_a_mention(seed_matcher):
    assert "12.000" not in found(seed_matcher, "112.000 Menschen und 12.000.000 Euro")


# -- evidence --------------------------------------------------------------------------------------

def test_mentions_carry_where_offset_and_snippet(seed_matcher):
    text = "Vorrede. " * 20 + "NATO-Generalsekretär Mark Rutte warnte vor einer Eskalation. " * 3
    result = seed_matcher.match("Rutte warnt", text)
    rutte = [m for m in result.mentions if m.entity == "Mark Rutte"]
    assert rutte[0].where == "title" and rutte[0].surface == "Rutte"
    main = [m for m in rutte if m.where == "main"]
    assert text[main[0].offset:].startswith("Mark Rutte")
    assert "Mark Rutte" in main[0].snippet and 60 <= len(main[0].snippet) <= 130


def test_found_and_missing_partition_the_entities(seed_matcher):
    result = seed_matcher.match("", "Nordkorea und Russland")
    assert set(result.found) | set(result.missing) == {e.name for e in seed_matcher.entities}
    assert not set(result.found) & set(result.missing)
    assert list(result.found) == ["Nordkorea", "Russland"]  # most salient first


# -- score and support -----------------------------------------------------------------------------

def test_score_is_weighted_share():
    entities = (Entity("Anna Muster", EntityKind.PERSON, 3.0, ("Muster",)),
                Entity("Berlin", EntityKind.PLACE, 1.0, ()))
    assert EntityMatcher(entities).match("", "Muster war in Hamburg").score == pytest.approx(0.75)


def test_page_sharing_only_usa_does_not_support(seed_matcher):
    result = seed_matcher.match("US election", "The USA votes today. Americans in the USA queue.")
    assert result.found == ("USA",) and not result.supports


def test_other_story_sharing_countries_does_not_support(seed_matcher):
    text = ("Russland und die Ukraine verhandeln über Getreide. Die USA und Südkorea "
            "beobachten die Gespräche in Istanbul.")
    assert not seed_matcher.match("Getreideabkommen", text).supports


def test_page_about_same_story_in_english_supports(seed_matcher):
    text = ("Nato chief Mark Rutte said on Monday that a deployment of North Korean troops to "
            "fight against Ukraine would mean a significant escalation. He spoke with South "
            "Korean President Yoon Suk Yeol. Russia and North Korea deny the reports.")
    result = seed_matcher.match("Rutte: North Korean troops would escalate war", text)
    assert result.supports, result


def test_page_about_part_of_the_story_supports(seed_matcher):
    text = ("US-Verteidigungsminister Lloyd Austin ist zu einem unangekündigten Besuch in Kiew "
            "eingetroffen. Er traf Präsident Selenskyj und Verteidigungsminister Umjerow. "
            "Die Ukraine erhält weitere Waffen; Nordkorea schickt Soldaten nach Russland.")
    assert seed_matcher.match("Austin in Kiew", text).supports


def test_supports_rule_needs_score_and_specific_entities():
    person = Entity("Anna Muster", EntityKind.PERSON, 1.0, ())
    city = Entity("Berlin", EntityKind.PLACE, 1.0, ())
    country = Entity("Frankreich", EntityKind.PLACE, 1.0, (), country=True)
    assert supports([person, city], SUPPORT_MIN_SCORE, available=5)
    assert not supports([person, city], SUPPORT_MIN_SCORE - 0.01, available=5)
    assert not supports([person, country], 0.9, available=5)  # a country is not specific
    assert supports([person], 0.9, available=1)  # the article has one specific entity only
    assert SUPPORT_MIN_SPECIFIC == 2


def test_article_without_entities_never_supports():
    result = EntityMatcher(()).match("title", "text")
    assert result == Match((), (), (), 0.0, False)


def test_empty_page_finds_nothing(seed_matcher):
    result = seed_matcher.match("", "")
    assert result.found == () and result.score == 0 and not result.supports


def test_matching_a_large_page_is_fast(seed_matcher):
    page = ("Die NATO und die USA beraten. Selenskyj spricht in Kyjiw mit Austin über 12.000 "
            "Soldaten aus Nordkorea. Unterdessen regnet es in Hamburg und Bremen. ") * 8000
    started = time.perf_counter()
    result = seed_matcher.match("", page)
    assert time.perf_counter() - started < 2.0  # about 1.3 MB; a worker needs MB/s
    assert "Nordkorea" in result.found
