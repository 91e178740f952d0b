"""verdict.decide on small hand-written pages, read and matched as a run reads them: one table per
family of issue 15 (walls reached by redirect, refreshes, paywall flags, wording in many languages)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from linkcheck.article import parse_article
from linkcheck.article_loader import with_commonness
from linkcheck.entities import key_entities
from linkcheck.fetch import FetchResult, Hop
from linkcheck.match import EntityMatcher
from linkcheck.page import extract_page
from linkcheck.verdict import Decision, Verdict, decide

FIXTURES = Path(__file__).parent / "fixtures"
CITED = "https://news.example/politik/scholz-macron-paris-123.html"
HOME = "https://news.example/"
ARTICLE = parse_article((FIXTURES / "article_fixture_site.txt").read_text().replace("{URLS}", CITED))
MATCHER = EntityMatcher(with_commonness(key_entities(ARTICLE), ARTICLE))  # as the article loader hands them
STORY = (FIXTURES / "site" / "story.html").read_text()
OTHER_STORY = (FIXTURES / "site" / "other-story.html").read_text()
HTML = {"content-type": "text/html; charset=utf-8"}


def judged(html: str, *chain: tuple[str, int]) -> Decision:
    """The decision on `html`, served at the end of `chain` ((url, status) per hop; the cited URL
    answering 200 when no chain is given)."""
    chain = chain or ((CITED, 200),)
    hops = tuple(Hop(url, status, chain[i + 1][0] if i + 1 < len(chain) else None)
                 for i, (url, status) in enumerate(chain))
    final_url, status = chain[-1]
    fetch = FetchResult(url=chain[0][0], final_url=final_url, status=status, chain=hops,
                        headers=tuple(HTML.items()), body=html.encode(), truncated=False, error=None,
                        error_detail="", started_at=datetime(2026, 1, 1, tzinfo=UTC),
                        elapsed=0.1, attempts=1)
    page = extract_page(html.encode(), HTML, final_url)
    return decide(fetch, page, MATCHER.match(page.title, page.main_text, page.caption_spans))


def simple_page(title: str, text: str, lang: str = "de") -> str:
    return (f"<!doctype html><html lang='{lang}'><head><title>{title}</title></head><body>"
            f"<header><nav><a href='/'>Start</a> <a href='/politik'>Politik</a></nav></header>"
            f"<main><h1>{title}</h1><p>{text}</p></main><footer>Impressum</footer></body></html>")


def assert_decided(decision: Decision, verdict: Verdict, rule: str) -> None:
    assert (decision.verdict, decision.rule) == (verdict, rule), decision.reason
    assert decision.reason and "\n" not in decision.reason


# -- not-found wording in many languages, depublished broadcaster pages ---------------------------

NOT_FOUND_PAGES = [
    ("depublished_broadcaster_item_is_soft_404",
     simple_page("Beitrag nicht mehr verfügbar", "Dieser Beitrag ist nicht mehr verfügbar. Er wurde "
                 "gemäß den Vorgaben des Medienstaatsvertrags depubliziert.")),
    ("item_no_longer_online_is_soft_404",
     simple_page("tagesschau.de", "Dieses Video ist leider nicht mehr online. Hier finden Sie "
                 "aktuelle Nachrichten.")),
    ("french_not_found_page_is_soft_404",
     simple_page("Page introuvable", "La page que vous recherchez n’existe pas.", "fr")),
    ("spanish_not_found_page_is_soft_404",
     simple_page("Página no encontrada", "Lo sentimos, esta página no existe.", "es")),
    ("italian_not_found_page_is_soft_404",
     simple_page("Pagina non trovata", "La pagina richiesta non esiste.", "it")),
    ("dutch_not_found_page_is_soft_404",
     simple_page("Pagina niet gevonden", "Deze pagina bestaat niet (meer).", "nl")),
    ("polish_not_found_page_is_soft_404",
     simple_page("Nie znaleziono strony", "Strona nie istnieje.", "pl")),
    ("portuguese_not_found_page_is_soft_404",
     simple_page("Página não encontrada", "A página que você procura não existe.", "pt")),
]


@pytest.mark.parametrize("html", [case[1] for case in NOT_FOUND_PAGES],
                         ids=[case[0] for case in NOT_FOUND_PAGES])
def test_not_found_page(html):
    assert_decided(judged(html), Verdict.SOFT_404, "not_found_cue")


def test_article_about_depublishing_that_supports_the_article_is_ok():
    story = STORY.replace("</article>", "<p>Ältere Beiträge werden depubliziert, sagte Scholz.</p></article>")
    assert_decided(judged(story), Verdict.OK, "entities_found")


# -- a paywall flag on a page whose text is there -------------------------------------------------

PAYWALL_FLAG = ('<script type="application/ld+json">{"@context": "https://schema.org", '
                '"@type": "NewsArticle", "isAccessibleForFree": false}</script>')
SUBSCRIBE_BOX = ("<div class='paywall'><p>Lesen Sie weiter mit Ihrem Abo. Jetzt einen Monat für "
                 "1 € testen.</p></div>")
FLOOD = ("<p>Die Pegel an der Elbe steigen weiter. In Dresden rechnet die Stadtverwaltung mit "
         "einem Höchststand von mehr als sechs Metern am Samstag, Feuerwehr und Technisches "
         "Hilfswerk haben Sandsäcke verteilt.</p>")


def flagged_page(paragraphs: str, flag: str = PAYWALL_FLAG, box: str = "") -> str:
    return (f"<!doctype html><html lang='de'><head><title>Hochwasser an der Elbe</title>{flag}</head>"
            f"<body><main><article><h1>Hochwasser an der Elbe</h1>{paragraphs}{box}</article></main>"
            "</body></html>")


PAYWALL_PAGES = [
    ("readable_other_story_with_paywall_flag_is_drifted", flagged_page(FLOOD * 8),
     Verdict.DRIFTED, "entities_missing"),
    ("readable_other_story_with_subscribe_box_is_drifted", flagged_page(FLOOD * 8, "", SUBSCRIBE_BOX),
     Verdict.DRIFTED, "entities_missing"),
    ("teaser_of_another_story_behind_paywall_is_blocked", flagged_page(FLOOD * 2, box=SUBSCRIBE_BOX),
     Verdict.BLOCKED, "paywall"),
    ("readable_cited_story_with_paywall_flag_is_ok",
     STORY.replace("</head>", PAYWALL_FLAG + "</head>"), Verdict.OK, "entities_found"),
]


@pytest.mark.parametrize(("html", "verdict", "rule"), [case[1:] for case in PAYWALL_PAGES],
                         ids=[case[0] for case in PAYWALL_PAGES])
def test_paywall_flag(html, verdict, rule):
    assert_decided(judged(html), verdict, rule)


# -- refreshes followed by the pipeline: a 2xx hop that names a location --------------------------

HOME_PAGE = (FIXTURES / "site" / "home.html").read_text()
NEW_PATH = "https://news.example/neu/2024/scholz-macron.html"

REFRESH_CHAINS = [
    ("refresh_to_the_same_story_at_a_new_path_is_ok", STORY, ((CITED, 200), (NEW_PATH, 200)),
     Verdict.OK, "entities_found"),
    ("refresh_to_the_home_page_is_moved", HOME_PAGE, ((CITED, 200), (HOME, 200)),
     Verdict.MOVED, "meta_refresh_to_home"),
    ("refresh_to_a_section_front_is_moved", HOME_PAGE, ((CITED, 200), ("https://news.example/politik/", 200)),
     Verdict.MOVED, "meta_refresh_to_section"),
    ("refresh_to_another_story_is_moved", OTHER_STORY,
     ((CITED, 200), ("https://news.example/politik/elbe-hochwasser.html", 200)),
     Verdict.MOVED, "meta_refresh_to_other"),
    ("http_redirect_then_refresh_to_home_is_moved_by_refresh", HOME_PAGE,
     ((CITED, 301), ("https://news.example/alt/scholz.html", 200), (HOME, 200)),
     Verdict.MOVED, "meta_refresh_to_home"),
]


@pytest.mark.parametrize(("html", "chain", "verdict", "rule"), [case[1:] for case in REFRESH_CHAINS],
                         ids=[case[0] for case in REFRESH_CHAINS])
def test_followed_refresh(html, chain, verdict, rule):
    assert_decided(judged(html, *chain), verdict, rule)


# -- walls reached by redirect ---------------------------------------------------------------------

CONSENT_DIALOG = (FIXTURES / "page" / "consent_wall.html").read_text()
SCRIPT_SHELL = "<html><head><title>news.example</title><script src='/cmp.js'></script></head><body></body></html>"
LOGIN_FORM = simple_page("Anmelden", "<form method='post'><input name='email'><input type='password' "
                         "name='pw'><button>Anmelden</button></form>")
REGISTER_FORM = simple_page("Willkommen zurück", "<form><input name='email'><input type='password' "
                            "name='pw'><button>Weiter</button></form>")
OFFERS = simple_page("Jetzt weiterlesen mit News+", "Alle Artikel, E-Paper und App: 4 Wochen für 1 €, "
                     "danach 9,99 € im Monat. Jederzeit kündbar.")
ENCODED = "https%3A%2F%2Fnews.example%2Fpolitik%2Fscholz-macron-paris-123.html"
HOME_WITH_LOGIN_BOX = HOME_PAGE.replace("<body>", "<body><form><input type='password'></form>", 1)

WALL_CHAINS = [
    ("consent_page_carrying_the_cited_url_is_a_consent_wall", CONSENT_DIALOG,
     ((CITED, 302), (f"https://news.example/zustimmung?url={ENCODED}", 200)),
     Verdict.BLOCKED, "consent_wall_redirect"),
    ("consent_host_of_a_third_party_is_a_consent_wall", SCRIPT_SHELL,
     ((CITED, 302), (f"https://consent.cmp-provider.example/?redirect_url={ENCODED}&site=1", 200)),
     Verdict.BLOCKED, "consent_wall_redirect"),
    ("consent_path_on_a_page_without_text_is_a_consent_wall", SCRIPT_SHELL,
     ((CITED, 307), ("https://news.example/einwilligung/", 200)),
     Verdict.BLOCKED, "consent_wall_redirect"),
    ("consent_page_reached_by_refresh_is_a_consent_wall", CONSENT_DIALOG,
     ((CITED, 200), (f"https://news.example/privacy-center?back={ENCODED}", 200)),
     Verdict.BLOCKED, "consent_wall_redirect"),
    ("see_other_to_a_login_page_is_a_login_wall", LOGIN_FORM,
     ((CITED, 303), ("https://news.example/login", 200)), Verdict.BLOCKED, "login_redirect"),
    ("redirect_to_single_sign_on_with_the_path_carried_back_is_a_login_wall", LOGIN_FORM,
     ((CITED, 302), ("https://sso.news.example/authorize?return_to=/politik/scholz-macron-paris-123.html", 200)),
     Verdict.BLOCKED, "login_redirect"),
    ("password_form_carrying_the_cited_url_is_a_login_wall", REGISTER_FORM,
     ((CITED, 302), (f"https://news.example/willkommen?ziel={ENCODED}", 200)),
     Verdict.BLOCKED, "login_redirect"),
    ("redirect_to_a_subscription_offer_is_a_paywall", OFFERS,
     ((CITED, 302), (f"https://news.example/abo/angebote?ref={ENCODED}", 200)),
     Verdict.BLOCKED, "subscription_redirect"),
    ("subscription_shop_without_article_text_is_a_paywall", SCRIPT_SHELL,
     ((CITED, 302), ("https://abo.news.example/", 200)), Verdict.BLOCKED, "subscription_redirect"),
    # Moves stay moves
    ("redirect_to_the_home_page_is_moved_despite_its_login_box", HOME_WITH_LOGIN_BOX,
     ((CITED, 301), (HOME, 200)), Verdict.MOVED, "redirect_to_home"),
    ("redirect_to_the_home_page_carrying_the_cited_url_is_moved", HOME_PAGE,
     ((CITED, 302), (f"{HOME}?from={ENCODED}", 200)), Verdict.MOVED, "redirect_to_home"),
    ("redirect_to_a_section_front_is_moved", HOME_PAGE,
     ((CITED, 301), ("https://news.example/politik/", 200)), Verdict.MOVED, "redirect_to_section"),
    ("redirect_to_another_story_with_a_wall_word_in_its_address_is_moved", OTHER_STORY,
     ((CITED, 301), ("https://news.example/wirtschaft/abo-fallen-im-netz-123.html", 200)),
     Verdict.MOVED, "redirect_to_other"),
    ("consent_bounce_back_to_the_story_is_ok", STORY,
     ((CITED, 302), (f"https://news.example/zustimmung?url={ENCODED}", 302), (CITED, 200)),
     Verdict.OK, "entities_found"),
    ("redirect_through_a_login_word_to_the_story_is_ok", STORY,
     ((CITED, 302), ("https://news.example/login-und-weiter/scholz-macron-paris-123.html", 200)),
     Verdict.OK, "entities_found"),
]


@pytest.mark.parametrize(("html", "chain", "verdict", "rule"), [case[1:] for case in WALL_CHAINS],
                         ids=[case[0] for case in WALL_CHAINS])
def test_redirect_to_a_wall(html, chain, verdict, rule):
    assert_decided(judged(html, *chain), verdict, rule)


def test_wall_reason_names_the_wall_and_its_evidence():
    reason = judged(CONSENT_DIALOG, (CITED, 302), (f"https://news.example/zustimmung?url={ENCODED}", 200)).reason
    assert "consent page" in reason and "zustimmung" in reason and "carries the cited URL back" in reason


# -- drift through generic names and captions ---------------------------------------------------

def story_page(title: str, paragraphs: list[str], figure: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!doctype html><html lang='de'><head><title>{title}</title></head><body>"
            f"<header><nav><a href='/'>Start</a></nav></header><main><article><h1>{title}</h1>"
            f"{figure}{body}</article></main><footer>Impressum</footer></body></html>")


RENT_STORY = ["Das Landgericht hat am Mittwoch über die Klage einer Mieterin aus Neukölln entschieden. Die "
              "Vermieterin hatte Eigenbedarf für ihren Neffen geltend gemacht, der in der Wohnung ein Büro "
              "einrichten wollte.",
              "Die Richter wiesen die Kündigung zurück: Ein Büro sei kein Wohnbedarf. Der Mieterverein sprach "
              "von einem wichtigen Signal für tausende ähnliche Fälle in der Stadt."]
# A gallery's caption long enough to be kept as prose (a short one is dropped as furniture anyway).
GALLERY = ("<figure><img src='/a.jpg' alt=''><figcaption>Archivbild: Olaf Scholz und Emmanuel Macron bei einem "
           "Treffen in Paris im vergangenen Jahr. Damals sprachen beide über die Lage in der Ukraine, über neue "
           "Hilfen der Europäischen Union und über die Finanzierung von Flugabwehrsystemen, die Deutschland und "
           "Frankreich gemeinsam beschaffen wollen. Die Aufnahme entstand im Hof des Élysée-Palasts, kurz bevor "
           "die beiden vor die Presse traten und ihre Pläne für das kommende Jahr vorstellten.</figcaption></figure>")
SAME_STORY_NEW_HEADLINE = [
    "Bei ihrem Treffen in Paris haben Bundeskanzler Olaf Scholz und Präsident Emmanuel Macron der Ukraine "
    "weitere Unterstützung zugesagt. Deutschland will 1500 Flugabwehrraketen liefern.",
    "Macron kündigte an, Frankreich werde sich an den Kosten beteiligen. In Moskau stieß das auf Kritik.",
    "Am Abend reiste Scholz weiter nach Brüssel, wo die Staats- und Regierungschefs über den Haushalt der "
    "Union beraten. Dort soll auch über neue Sanktionen gesprochen werden."]
DRIFT_PAGES = [
    ("names_only_in_a_caption_of_another_story_is_drifted", story_page("Urteil zu Eigenbedarf", RENT_STORY, GALLERY),
     Verdict.DRIFTED, "entities_missing"),
    ("only_generic_names_shared_is_drifted",
     story_page("Gasspeicher gut gefüllt", [
         "Die Gasspeicher in Deutschland sind zu Beginn des Winters fast voll. Auch in Frankreich liegt der "
         "Füllstand über dem Durchschnitt, teilte die EU-Kommission mit.",
         "Seit Moskau die Lieferungen eingestellt hat, kommt das Gas vor allem aus Norwegen. Händler in Paris "
         "erwarten stabile Preise, solange der Winter mild bleibt; die Ukraine speichert Gas für Nachbarländer."]),
     Verdict.DRIFTED, "entities_missing"),
    ("same_story_with_a_new_headline_and_new_paragraphs_is_ok",
     story_page("Paris: Neue Zusagen für Kiew", SAME_STORY_NEW_HEADLINE), Verdict.OK, "entities_found"),
    ("same_story_with_a_caption_naming_them_too_is_ok",
     story_page("Paris: Neue Zusagen für Kiew", SAME_STORY_NEW_HEADLINE, GALLERY), Verdict.OK, "entities_found"),
]


@pytest.mark.parametrize(("html", "verdict", "rule"), [case[1:] for case in DRIFT_PAGES],
                         ids=[case[0] for case in DRIFT_PAGES])
def test_drift_through_generic_names_and_captions(html, verdict, rule):
    assert_decided(judged(html), verdict, rule)


def test_caption_mentions_are_kept_as_evidence_but_not_found():
    html = story_page("Urteil zu Eigenbedarf", RENT_STORY, GALLERY)
    page = extract_page(html.encode(), HTML, CITED)
    match = MATCHER.match(page.title, page.main_text, page.caption_spans)
    assert page.caption_spans and page.main_text[slice(*page.caption_spans[0])].startswith("Archivbild")
    assert {m.where for m in match.mentions} == {"caption"}
    assert "Olaf Scholz" not in match.found and "Olaf Scholz" in match.missing
