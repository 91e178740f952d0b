"""verdict.decide: one table of cases, each named for the rule it pins down."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from linkcheck.cues import Cue, CueKind
from linkcheck.fetch import FetchError, FetchResult, Hop
from linkcheck.match import Match
from linkcheck.page import PageKind, PageText
from linkcheck.verdict import NotFoundProbe, Verdict, decide

CITED = "https://news.example/politik/2024/selenskyj-besucht-berlin-123.html"
ARTICLE_TEXT = "Selenskyj traf in Berlin Olaf Scholz. " * 20


def fetched(status: int | None = 200, final_url: str = CITED, error: FetchError | None = None,
            url: str = CITED) -> FetchResult:
    chain = (Hop(url, 301, final_url), Hop(final_url, status or 0)) if final_url != url else (
        Hop(url, status or 0),)
    return FetchResult(url=url, final_url=final_url, status=status, chain=chain, headers=(),
                       body=b"", truncated=False, error=error, error_detail="",
                       started_at=datetime(2026, 1, 1, tzinfo=UTC), elapsed=0.1, attempts=1)


def page(**changes) -> PageText:
    base = PageText(kind=PageKind.HTML, title="Selenskyj besucht Berlin", main_text=ARTICLE_TEXT,
                    charset="utf-8", language="de", canonical_url=None, meta_refresh_url=None,
                    not_found_cues=(), bot_wall_cues=(), paywall=False)
    return replace(base, **changes)


SUPPORTS = Match(found=("Selenskyj", "Berlin", "Olaf Scholz"), missing=(), mentions=(), score=1.0,
                 supports=True)
UNSUPPORTED = Match(found=("Berlin",), missing=("Selenskyj", "Olaf Scholz"), mentions=(), score=0.2,
                    supports=False)
NO_TEXT = Match(found=(), missing=("Selenskyj",), mentions=(), score=0.0, supports=False)
NO_ENTITIES = Match(found=(), missing=(), mentions=(), score=0.0, supports=False)


def probe(status: int = 200, final_url: str = "https://news.example/",
          main_text: str = "Die Seite gibt es nicht, hier unsere Startseite mit Nachrichten. " * 5
          ) -> NotFoundProbe:
    url = "https://news.example/politik/2024/qwertzuiopasdfghjklyxcvbn"
    return NotFoundProbe(url=url, fetch=fetched(status, final_url, url=url),
                         page=page(main_text=main_text, title="Startseite"))


CASES = [
    # name, fetch, page, match, probe, verdict, rule
    ("invalid_url", fetched(None, error=FetchError.INVALID_URL), None, None, None,
     Verdict.INVALID, "invalid_url"),
    ("private_address_is_invalid", fetched(None, error=FetchError.PRIVATE_ADDRESS), None, None, None,
     Verdict.INVALID, "private_address"),
    ("dns_failure_is_dead", fetched(None, error=FetchError.DNS), None, None, None,
     Verdict.DEAD, "dns"),
    ("timeout_is_unreachable", fetched(None, error=FetchError.TIMEOUT), None, None, None,
     Verdict.UNREACHABLE, "timeout"),
    ("refused_is_unreachable", fetched(None, error=FetchError.CONNECT), None, None, None,
     Verdict.UNREACHABLE, "connect"),
    ("reset_is_unreachable", fetched(None, error=FetchError.RESET), None, None, None,
     Verdict.UNREACHABLE, "reset"),
    ("redirect_loop_is_unreachable", fetched(None, error=FetchError.REDIRECT_LOOP), None, None, None,
     Verdict.UNREACHABLE, "redirect_loop"),
    ("too_many_redirects_is_unreachable", fetched(None, error=FetchError.TOO_MANY_REDIRECTS), None,
     None, None, Verdict.UNREACHABLE, "too_many_redirects"),
    ("bad_redirect_is_unreachable", fetched(None, error=FetchError.BAD_REDIRECT), None, None, None,
     Verdict.UNREACHABLE, "bad_redirect"),
    ("broken_body_is_unreachable", fetched(None, error=FetchError.BODY), None, None, None,
     Verdict.UNREACHABLE, "body"),
    ("http_404_is_dead", fetched(404), page(), UNSUPPORTED, None, Verdict.DEAD, "http_404"),
    ("http_410_is_dead", fetched(410), None, None, None, Verdict.DEAD, "http_410"),
    ("other_4xx_is_dead", fetched(400), None, None, None, Verdict.DEAD, "http_4xx"),
    ("http_401_is_blocked", fetched(401), None, None, None, Verdict.BLOCKED, "http_401"),
    ("http_403_is_blocked", fetched(403), None, None, None, Verdict.BLOCKED, "http_403"),
    ("http_451_is_blocked", fetched(451), None, None, None, Verdict.BLOCKED, "http_451"),
    ("http_429_is_blocked", fetched(429), None, None, None, Verdict.BLOCKED, "http_429"),
    ("challenge_with_403_is_bot_wall", fetched(403),
     page(main_text="", title="Just a moment...", bot_wall_cues=(Cue(CueKind.TITLE, "Just a moment..."),)),
     None, None, Verdict.BLOCKED, "bot_wall"),
    ("http_500_is_unreachable", fetched(500), None, None, None, Verdict.UNREACHABLE, "http_5xx"),
    ("http_503_is_unreachable", fetched(503), None, None, None, Verdict.UNREACHABLE, "http_5xx"),
    ("no_status_is_unreachable", fetched(None), None, None, None, Verdict.UNREACHABLE, "no_response"),
    ("supporting_page_is_ok", fetched(), page(), SUPPORTS, None, Verdict.OK, "entities_found"),
    ("unsupporting_page_is_drifted", fetched(), page(), UNSUPPORTED, None,
     Verdict.DRIFTED, "entities_missing"),
    ("empty_page_is_drifted", fetched(), page(main_text=""), NO_TEXT, None,
     Verdict.DRIFTED, "no_main_text"),
    ("challenge_with_200_is_blocked", fetched(), page(bot_wall_cues=(Cue(CueKind.MARKER, "cf_chl_"),)), None,
     None, Verdict.BLOCKED, "bot_wall"),
    ("consent_wall_is_blocked", fetched(), page(bot_wall_cues=(Cue(CueKind.CONSENT),)), NO_TEXT, None,
     Verdict.BLOCKED, "bot_wall"),
    ("not_found_title_with_200_is_soft_404", fetched(),
     page(title="Seite nicht gefunden", not_found_cues=(Cue(CueKind.HEADING, "Seite nicht gefunden"),)),
     UNSUPPORTED, None, Verdict.SOFT_404, "not_found_cue"),
    ("not_found_title_beats_entities", fetched(),
     page(not_found_cues=(Cue(CueKind.HEADING, "Fehler 404"),)), SUPPORTS, None, Verdict.SOFT_404, "not_found_cue"),
    ("weak_heading_word_in_supporting_article_is_ok", fetched(),
     page(not_found_cues=(Cue(CueKind.WORD_IN_HEADING, "nicht verfügbar", "Impfstoff nicht verfügbar"),)),
     SUPPORTS, None, Verdict.OK, "entities_found"),
    ("weak_heading_word_without_support_is_soft_404", fetched(),
     page(not_found_cues=(Cue(CueKind.WORD_IN_HEADING, "404", "404"),)), UNSUPPORTED, None,
     Verdict.SOFT_404, "not_found_cue"),
    ("not_found_words_in_supporting_text_are_ok", fetched(),
     page(not_found_cues=(Cue(CueKind.TEXT, "page not found"),)), SUPPORTS, None, Verdict.OK, "entities_found"),
    ("redirect_like_probe_is_soft_404", fetched(final_url="https://news.example/"), page(),
     UNSUPPORTED, probe(), Verdict.SOFT_404, "same_as_not_found_probe"),
    ("text_like_probe_is_soft_404", fetched(),
     page(main_text="Die Seite gibt es nicht, hier unsere Startseite mit Nachrichten! " * 5),
     UNSUPPORTED, probe(final_url=probe().url), Verdict.SOFT_404, "like_not_found_probe"),
    ("probe_with_404_teaches_nothing", fetched(), page(), SUPPORTS, probe(status=404),
     Verdict.OK, "entities_found"),
    ("different_text_from_probe_is_not_soft_404", fetched(), page(), UNSUPPORTED,
     probe(final_url=probe().url), Verdict.DRIFTED, "entities_missing"),
    ("cited_home_page_like_probe_is_ok", fetched(url="https://news.example/",
                                                  final_url="https://news.example/"),
     page(main_text=probe().page.main_text), SUPPORTS, probe(), Verdict.OK, "entities_found"),
    ("redirect_to_root_is_moved", fetched(final_url="https://news.example/"), page(), UNSUPPORTED,
     None, Verdict.MOVED, "redirect_to_home"),
    ("redirect_to_section_is_moved", fetched(final_url="https://news.example/politik/"), page(),
     UNSUPPORTED, None, Verdict.MOVED, "redirect_to_section"),
    ("redirect_to_unrelated_page_is_moved",
     fetched(final_url="https://news.example/sport/2024/fussball-9.html"), page(), UNSUPPORTED, None,
     Verdict.MOVED, "redirect_to_other"),
    ("meta_refresh_to_root_is_moved", fetched(),
     page(main_text="", meta_refresh_url="https://news.example/"), NO_TEXT, None,
     Verdict.MOVED, "meta_refresh_to_home"),
    ("canonical_to_root_is_moved", fetched(), page(canonical_url="https://news.example/"),
     UNSUPPORTED, None, Verdict.MOVED, "canonical_to_home"),
    ("canonical_to_root_of_another_host_is_no_move", fetched(),
     page(canonical_url="https://original-publisher.example/"), UNSUPPORTED, None,
     Verdict.DRIFTED, "entities_missing"),
    ("syndicated_copy_with_canonical_to_original_is_ok", fetched(),
     page(canonical_url="https://original-publisher.example/selenskyj-in-berlin"), SUPPORTS, None,
     Verdict.OK, "entities_found"),
    ("canonical_to_section_on_same_host_with_www_is_moved", fetched(),
     page(canonical_url="https://www.news.example/politik/"), UNSUPPORTED, None,
     Verdict.MOVED, "canonical_to_section"),
    ("article_without_key_entities_is_ok_by_status", fetched(), page(), NO_ENTITIES, None,
     Verdict.OK, "no_key_entities"),
    ("article_without_key_entities_redirected_to_other_page_is_ok",
     fetched(final_url="https://news.example/politik/2024/selenskyj-in-berlin-123-neu.html"), page(),
     NO_ENTITIES, None, Verdict.OK, "no_key_entities"),
    ("article_without_key_entities_redirected_to_root_is_moved",
     fetched(final_url="https://news.example/"), page(), NO_ENTITIES, None,
     Verdict.MOVED, "redirect_to_home"),
    ("article_without_key_entities_with_canonical_to_section_is_ok", fetched(),
     page(canonical_url="https://news.example/politik/index.html"), NO_ENTITIES, None,
     Verdict.OK, "no_key_entities"),
    ("article_without_key_entities_on_not_found_page_is_soft_404", fetched(),
     page(title="Seite nicht gefunden", not_found_cues=(Cue(CueKind.HEADING, "Seite nicht gefunden"),)),
     NO_ENTITIES, None, Verdict.SOFT_404, "not_found_cue"),
    ("redirect_to_renamed_article_that_supports_is_ok",
     fetched(final_url="https://news.example/politik/2024/selenskyj-in-berlin-123.html"), page(),
     SUPPORTS, None, Verdict.OK, "entities_found"),
    ("http_to_https_is_no_move", fetched(url=CITED.replace("https", "http")), page(), UNSUPPORTED,
     None, Verdict.DRIFTED, "entities_missing"),
    ("trailing_slash_and_www_are_no_move",
     fetched(url="https://www.news.example/politik", final_url="https://news.example/politik/"),
     page(), UNSUPPORTED, None, Verdict.DRIFTED, "entities_missing"),
    ("paywalled_teaser_naming_entities_is_ok", fetched(), page(paywall=True), SUPPORTS, None,
     Verdict.OK, "entities_found"),
    ("paywall_hiding_entities_is_blocked", fetched(), page(paywall=True), UNSUPPORTED, None,
     Verdict.BLOCKED, "paywall"),
    ("paywall_flag_on_a_readable_page_about_another_story_is_drifted", fetched(),
     page(paywall=True, main_text="Die Elbe steigt in Dresden weiter. " * 60), UNSUPPORTED, None,
     Verdict.DRIFTED, "entities_missing"),
    ("image_is_ok_by_status", fetched(), page(kind=PageKind.OTHER, main_text="", title=""), None,
     None, Verdict.OK, "not_a_text_document"),
    ("scanned_pdf_is_ok_by_status", fetched(), page(kind=PageKind.PDF, main_text=""), NO_TEXT, None,
     Verdict.OK, "no_extractable_text"),
    ("pdf_naming_entities_is_ok", fetched(), page(kind=PageKind.PDF), SUPPORTS, None,
     Verdict.OK, "entities_found"),
    ("empty_body_is_drifted", fetched(), None, None, None, Verdict.DRIFTED, "empty_page"),
    ("unread_page_is_ok_by_status", replace(fetched(), body=b"<html>"), None, None, None,
     Verdict.OK, "status_only"),
]


@pytest.mark.parametrize(("fetch", "page_text", "match", "probe_result", "verdict", "rule"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_decide(fetch, page_text, match, probe_result, verdict, rule):
    decision = decide(fetch, page_text, match, probe_result)
    assert (decision.verdict, decision.rule) == (verdict, rule), decision.reason
    assert decision.reason and "\n" not in decision.reason


def test_ok_reason_names_the_entities_found():
    decision = decide(fetched(), page(), SUPPORTS)
    assert "Selenskyj" in decision.reason and "Olaf Scholz" in decision.reason


def test_drifted_reason_names_what_is_missing():
    decision = decide(fetched(), page(), UNSUPPORTED)
    assert "Selenskyj" in decision.reason and "Olaf Scholz" in decision.reason


def test_no_reason_names_an_empty_entity():
    decision = decide(fetched(), page(), NO_ENTITIES)
    assert "mentions  " not in decision.reason and not decision.reason.endswith("mentions ")
