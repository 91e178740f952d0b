"""linkcheck.specificity and its use in match: names frequent in general text prove little."""

from __future__ import annotations

import pytest

from linkcheck.article import parse_article
from linkcheck.article_loader import with_commonness
from linkcheck.entities import Entity, EntityKind
from linkcheck.match import EntityMatcher, is_distinctive, supports
from linkcheck.specificity import is_common_name


@pytest.mark.parametrize(("name", "lang", "common"), [
    ("Berlin", "de", True),            # a capital
    ("Moskau", "de", True),
    ("München", "de", True),
    ("SPD", "de", True),               # a big party
    ("New York", "en", True),          # several words: the phrase's frequency
    ("Kreml", "de", False),
    ("Straßburg", "de", False),
    ("Federal Reserve", "de", False),
    ("Olaf Meister", "de", False),     # a full personal name, though "Meister" is a word
    ("Hart Island", "en", False),      # "hart" is frequent in German, not in English
    ("Grosbliederstroff", "de", False),
])
def test_common_names(name, lang, common):
    assert is_common_name(name, lang) is common


def test_a_page_needs_one_distinctive_name_when_the_article_has_one():
    city = Entity("Berlin", EntityKind.PLACE, 1.0, (), common=True)
    party = Entity("SPD", EntityKind.ORG, 1.0, (), common=True)
    town = Entity("Schwedt", EntityKind.PLACE, 1.0, ())
    assert not is_distinctive(city)
    assert is_distinctive(town)
    assert not supports([city, party], 0.9, available=3, distinctive=1)
    assert supports([city, town], 0.9, available=3, distinctive=1)
    assert supports([city, party], 0.9, available=2, distinctive=0)  # the article has no other names


def test_with_commonness_uses_the_articles_language():
    article = parse_article("Titel\n\nIn Berlin und in Schwedt an der Oder sprach die Ministerin mit den "
                            "Beschäftigten der Raffinerie über die Zukunft des Standorts.\n", "a.txt")
    entities = with_commonness((Entity("Berlin", EntityKind.PLACE, 1.0, ()),
                                Entity("Schwedt", EntityKind.PLACE, 1.0, ())), article)
    assert [e.common for e in entities] == [True, False]


def test_page_sharing_only_common_names_with_the_article_does_not_support():
    entities = (Entity("Markus Söder", EntityKind.PERSON, 1.0, ()),
                Entity("Hubert Aiwanger", EntityKind.PERSON, 1.0, ()),
                Entity("Bayern", EntityKind.PLACE, 1.0, (), common=True),
                Entity("München", EntityKind.PLACE, 1.0, (), common=True),
                Entity("CSU", EntityKind.ORG, 1.0, (), common=True))
    matcher = EntityMatcher(entities)
    other_story = "In München stellte die CSU ihr Programm für Bayern vor; Busse sollen mit Altfett fahren."
    same_story = "Markus Söder und Hubert Aiwanger regieren in Bayern weiter, sagte die CSU in München."
    assert not matcher.match("", other_story).supports
    assert matcher.match("", same_story).supports
