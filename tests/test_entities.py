"""linkcheck.entities: key entities of an article, their kinds, weights and aliases."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkcheck.article import Article, parse_article
from linkcheck.entities import Entity, EntityKind, key_entities
from linkcheck.gazetteer import place_index
from linkcheck.spelling import fold, transliterations

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_5d9ab7691511e32e.txt"


def article(body: str, title: str = "") -> Article:
    return Article(path="test", title=title, date=None, body=body, cited_urls=(), content_hash="")


@pytest.fixture(scope="module")
def seed_entities() -> dict[str, Entity]:
    entities = key_entities(parse_article(SEED.read_text(encoding="utf-8"), str(SEED)))
    return {entity.name: entity for entity in entities}


@pytest.mark.parametrize("name", ["Robert Wood", "Mark Rutte", "Yoon Suk Yeol", "Lloyd Austin",
                                  "Wolodymyr Selenskyj", "Rustem Umjerow", "Reinhard Veser"])
def test_seed_people(seed_entities, name):
    assert seed_entities[name].kind is EntityKind.PERSON


@pytest.mark.parametrize("name", ["Nordkorea", "Russland", "Ukraine", "Südkorea", "Kiew", "Moskau"])
def test_seed_places(seed_entities, name):
    assert seed_entities[name].kind is EntityKind.PLACE


@pytest.mark.parametrize("name", ["NATO", "USA", "UN"])
def test_seed_organisations_and_acronyms(seed_entities, name):
    assert name in seed_entities


@pytest.mark.parametrize("noun", ["Soldaten", "Entwicklung", "Botschafter", "Geheimdienst",
                                  "Präsident", "Training", "Truppen", "Gespräche", "Hauptstadt"])
def test_seed_common_nouns_are_not_entities(seed_entities, noun):
    assert not any(noun in name.split() for name in seed_entities)


def test_seed_titles_are_stripped_from_names(seed_entities):
    assert "Lloyd Austin" in seed_entities and "Reinhard Veser" in seed_entities
    assert not any("minister" in name.lower() or "Redakteur" in name for name in seed_entities)


def test_seed_numbers_are_significant_only(seed_entities):
    numbers = {n for n, e in seed_entities.items() if e.kind is EntityKind.NUMBER}
    assert numbers == {"12.000", "1500"}  # not the year 2022, not the 21. of October


def test_title_words_raise_weight(seed_entities):
    # Nordkorea, USA and NATO are in the squashed title; Moskau and Kiew only in the body
    assert seed_entities["Nordkorea"].weight > seed_entities["Moskau"].weight
    assert seed_entities["NATO"].weight > seed_entities["Kiew"].weight


def test_most_salient_first():
    entities = key_entities(parse_article(SEED.read_text(encoding="utf-8"), str(SEED)))
    weights = [e.weight for e in entities]
    assert weights == sorted(weights, reverse=True)


def test_squashed_title_still_raises_weight():
    parsed = parse_article(SEED.read_text(encoding="utf-8"), str(SEED))
    squashed = Article(path="seed", title="NordkoreanischeSoldateninUkraineUSAundNATObesorgt",
                       date=None, body=parsed.body, cited_urls=(), content_hash="")
    weights = {e.name: e.weight for e in key_entities(squashed)}
    assert weights["NATO"] > weights["UN"] and weights["Nordkorea"] > weights["Moskau"]


def test_country_aliases_cross_language_and_adjectives(seed_entities):
    aliases = set(seed_entities["Nordkorea"].aliases)
    assert {"North Korea", "Corée du Nord", "nordkoreanisch", "North Korean"} <= aliases


def test_person_aliases_surname_and_transliterations(seed_entities):
    aliases = {fold(a) for a in seed_entities["Wolodymyr Selenskyj"].aliases}
    assert {"selenskyj", "zelensky", "zelenskyy", "zelenskiy", "selenski"} <= aliases
    assert "umerov" in {fold(a) for a in seed_entities["Rustem Umjerow"].aliases}
    assert "Rutte" in seed_entities["Mark Rutte"].aliases


def test_city_aliases_from_cldr(seed_entities):
    assert {"Kyiv", "Kyjiw", "Kiev"} <= set(seed_entities["Kiew"].aliases)
    assert "Moscow" in seed_entities["Moskau"].aliases


def test_un_named_as_vereinte_nationen_is_the_un():
    names = {e.name for e in key_entities(article(
        "Der Botschafter sprach vor den Vereinten Nationen in New York über die Lage."))}
    assert "UN" in names


def test_adjective_alone_yields_the_country():
    names = {e.name for e in key_entities(article(
        "Der südkoreanische Geheimdienst berichtete von russischen Plänen."))}
    assert {"Südkorea", "Russland"} <= names


@pytest.mark.parametrize("adjective, country", [
    ("nordkoreanischen", "country:KP"), ("ukrainische", "country:UA"), ("russischer", "country:RU"),
    ("iranischen", "country:IR"), ("North Korean", "country:KP"), ("Ukrainian", "country:UA")])
def test_demonyms_map_to_their_country(adjective, country):
    assert [h.key for h in place_index().find(f"die {adjective} Seite")] == [country]


def test_english_article_people_places_orgs():
    entities = {e.name: e for e in key_entities(article(
        "President Joe Biden met Chancellor Olaf Scholz in Washington on Monday. Biden said the "
        "Federal Reserve and the European Union would act. Scholz flew back to Berlin.",
        title="Biden and Scholz meet in Washington"))}
    assert entities["Joe Biden"].kind is EntityKind.PERSON
    assert entities["Olaf Scholz"].kind is EntityKind.PERSON
    assert {"Washington", "Berlin", "European Union"} <= set(entities)  # named as written
    assert "EU" in entities["European Union"].aliases
    assert "President" not in " ".join(entities) and "Chancellor" not in " ".join(entities)


def test_genitive_name_is_split_from_its_noun():
    names = {e.name for e in key_entities(article(
        "Wladimir Putin hielt eine Rede. Putins Sieg bei der Wahl gilt als sicher, sagte "
        "der Politologe Dmitri Oreschkin in Moskau."))}
    assert {"Wladimir Putin", "Dmitri Oreschkin", "Moskau"} <= names
    assert not any("Sieg" in name or "Politologe" in name for name in names)


def test_place_inside_an_organisation_name_is_not_the_place():
    entities = {e.name: e for e in key_entities(article(
        "Der Aufsichtsrat der Deutschen Bank tagte. Die Deutsche Bank nominierte Alexander "
        "Wynaendts erneut."))}
    assert entities["Deutsche Bank"].kind is EntityKind.ORG or "Deutschen Bank" in entities
    assert "Deutschland" not in entities


def test_noble_particle_stays_in_the_name():
    names = {e.name for e in key_entities(article(
        "EU-Kommissionspräsidentin Ursula von der Leyen mahnte zur Eile."))}
    assert "Ursula von der Leyen" in names


def test_unknown_capitalised_word_is_a_name_but_compounds_are_not():
    names = {e.name for e in key_entities(article(
        "Die Sondertruppen wurden verlegt. Laut Baerbock ist die Eskalationsstufe erreicht. "
        "Baerbock reiste weiter."))}
    assert "Baerbock" in names
    assert "Sondertruppen" not in names and "Eskalationsstufe" not in names


def test_lone_three_letter_word_said_once_is_no_name():
    names = {e.name for e in key_entities(article(
        "Die Stadt verklagt die Baufirma. Laut Baerbock ist das Ver\n"
        "Der Kim reiste weiter, und Kim sprach mit Baerbock. Die NRW-Regierung schweigt. Str"))}
    assert "Ver" not in names and "Str" not in names
    assert {"Kim", "Baerbock"} <= names


def test_capital_glued_to_a_digit_is_no_name_start():
    names = {e.name for e in key_entities(article(
        "As co-creator of the weight-loss program 2B Mindset, I want to help you enjoy game day. "
        "Sarah Miller agreed."))}
    assert "B Mindset" not in names and "Sarah Miller" in names


def test_unsegmented_caseless_script_is_no_name():
    names = {e.name for e in key_entities(article(
        "Apple社は、App Storeにない非公式アプリを利用することもできるようになるとのことです。"))}
    assert not any("社" in name or "アプリ" in name for name in names)


def test_non_latin_word_capitalised_only_at_a_line_start_is_no_name():
    names = {e.name for e in key_entities(article(
        "Характеристики бега можно увеличить за счет кодов\nстандартная скорость"))}
    assert "Характеристики" not in names


def test_empty_body_has_no_entities():
    assert key_entities(article("")) == ()


def test_transliteration_variants_only_for_transliterated_names():
    assert transliterations("Wood") == frozenset({"wood"})
    assert {"zelensky", "zelenskyy"} <= transliterations("Selenskyj")


def test_english_names_made_of_common_words_are_kept():
    names = {e.name for e in key_entities(article(
        "Two people were arrested after Just Stop Oil protesters disrupted a West End "
        "performance of The Tempest starring Sigourney Weaver on Monday night."))}
    assert {"Just Stop Oil", "Sigourney Weaver"} <= names


def test_title_case_teaser_text_is_not_mined_for_names():
    names = {e.name for e in key_entities(article(
        "Donna Kelce praised the new album in Las Vegas. Trending Billie Eilish Would Like to "
        "Reintroduce Herself Team Trump Is Ready to Lose the Supreme Court Immunity Case"))}
    assert "Donna Kelce" in names
    assert not any(word in name for name in names for word in ("Lose", "Would", "Immunity"))


def test_two_places_named_alike_are_one_entity_with_both_names():
    # Both Congos are "Congo" in English: one key entity (the archive keys entities by name).
    found = key_entities(parse_article(
        "03.12.2026\nFighting in Congo\n\nRebels in Congo took Goma, officials in Kinshasa said. "
        "Leaders across Asia called for a ceasefire in Congo.\n\nSources:\n- https://example.org/a\n", "x.txt"))
    names = [e.name for e in found]
    assert len(names) == len(set(names))
    congo = next(e for e in found if e.name == "Congo")
    assert {"Congo-Kinshasa", "Congo-Brazzaville"} <= set(congo.aliases)
