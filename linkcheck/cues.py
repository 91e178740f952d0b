"""Signs in a page's words that it is a not-found page or a bot wall."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from .spelling import lower_in_place


class CueKind(StrEnum):
    """What kind of sign a cue is, which decides how much it proves."""

    HEADING = "heading"          # a not-found phrase in the title or a top heading: a sure sign
    WORD_IN_HEADING = "word"     # a weak word in a heading ("nicht verfügbar"): articles use it too
    TEXT = "text"                # a phrase in the text
    TITLE = "title"              # a challenge page's title
    MARKER = "marker"            # a challenge script's marker in the raw HTML
    CONSENT = "consent"          # a consent dialog with little other text


@dataclass(frozen=True)
class Cue:
    """One sign, with the words as the page writes them; str() is the cue as a reason shows it."""

    kind: CueKind
    words: str = ""          # the phrase, title or marker
    heading: str = ""        # for WORD_IN_HEADING: the heading the word stands in

    def __str__(self) -> str:
        if self.kind is CueKind.WORD_IN_HEADING:
            return f"word '{self.words}' in heading '{self.heading}'"
        if self.kind is CueKind.CONSENT:
            return "consent dialog with little other text"
        return f"{self.kind} '{self.words}'"

# The phrase patterns are written in lower case and searched in lower-cased text (see _find):
# IGNORECASE with this many alternatives is four times slower.
# Said by not-found pages; specific enough to trust anywhere near the top of a page.
NOT_FOUND_PHRASES = re.compile(
    r"seite (?:wurde )?nicht gefunden|seite konnte nicht gefunden werden|fehler ?404|404 ?fehler|"
    r"diese seite (?:ist|existiert) (?:leider )?nicht|gesuchte seite (?:nicht|existiert|ist)|"
    r"gibt es die von ihnen gesuchte seite nicht|angeforderte seite (?:wurde|konnte|existiert|ist)|"
    r"page not found|page (?:could|can) ?not be found|error 404|404 error|404 not found|"
    r"page you (?:are|were|'re) looking for|page you requested (?:could|does|was|is)|"
    r"this page (?:does not|doesn't|no longer) exist|"
    r"(?:inhalt|artikel|beitrag|dokument|datei) (?:wurde )?nicht gefunden|"
    r"(?:content|article|document|file) not found|"
    r"verweist auf keinen aktuellen inhalt")
# Also said by real articles ("Impfstoff nicht verfügbar"); weak, and only in a title or top heading.
TITLE_ONLY_PHRASES = re.compile(
    r"\b(?:404|nicht gefunden|not found|existiert nicht mehr|nicht mehr verfügbar|nicht verfügbar|"
    r"no longer available|not available|does not exist|doesn't exist|oops|hoppla)\b")

# Markers in the raw HTML of challenge pages; unique to them.
CHALLENGE_MARKERS = ("cf-challenge", "cf_chl_", "challenge-platform", "cf-browser-verification",
                     "captcha-delivery.com", "px-captcha", "_incapsula_resource")
CHALLENGE_TITLES = re.compile(
    r"^(?:just a moment|attention required|einen moment bitte|access denied|zugriff verweigert|"
    r"request rejected|security check|are you a robot|ddos-guard|pardon our interruption)",
    re.IGNORECASE)
# Said by block and challenge pages; trusted only on pages with little text.
CHALLENGE_PHRASES = re.compile(
    r"enable javascript and cookies to continue|checking (?:if the site connection is secure|your browser)|"
    r"verify (?:you are|you're|that you are) (?:a )?human|are you a robot|"
    r"reference ?#\s?[0-9a-f.]+|you don't have permission to access|captcha|"
    r"bitte bestätigen sie, dass sie (?:ein mensch|kein roboter)|sind sie ein roboter|"
    r"unusual traffic|ungewöhnlichen datenverkehr")
CONSENT_PHRASES = re.compile(
    r"cookies?|consent|einwilligung|zustimm|akzeptier|accept all|alle akzeptieren|"
    r"datenschutz|privacy|tracking|werbefrei|pur[- ]abo|partner")
SHORT_PAGE = 600          # main text shorter than this cannot hide behind a wall of furniture
NO_ARTICLE = 200          # main text shorter than this is no article at all
CONSENT_MIN_HITS = 4

def not_found_cues(headings: list[str], main_text: str) -> tuple[Cue, ...]:
    """Not-found phrases from the title and top headings (HEADING, WORD_IN_HEADING), and from the
    start of a short main text (TEXT)."""
    cues = []
    for heading in headings:
        if _find(NOT_FOUND_PHRASES, heading):
            cues.append(Cue(CueKind.HEADING, _clip(heading)))
        elif hit := _find(TITLE_ONLY_PHRASES, heading):
            cues.append(Cue(CueKind.WORD_IN_HEADING, hit, _clip(heading)))
    lead = main_text[:SHORT_PAGE] if len(main_text) < 4 * SHORT_PAGE else main_text[:200]
    if hit := _find(NOT_FOUND_PHRASES, lead):
        cues.append(Cue(CueKind.TEXT, hit))
    return tuple(dict.fromkeys(cues))


def bot_wall_cues(html: str, title: str, visible_text: str, main_text: str) -> tuple[Cue, ...]:
    """Signs of a challenge, captcha, block or consent page that hides the article."""
    cues = []
    if CHALLENGE_TITLES.search(title.strip()):
        cues.append(Cue(CueKind.TITLE, _clip(title)))
    if len(main_text) >= SHORT_PAGE:
        return tuple(cues)
    cues += [Cue(CueKind.MARKER, m) for m in CHALLENGE_MARKERS if m in html]
    # Comment forms say "captcha" and cookie banners say "consent"; only a page that says
    # little else is the wall itself.
    if len(visible_text) < 4 * SHORT_PAGE and len(main_text) < NO_ARTICLE:
        if hit := _find(CHALLENGE_PHRASES, visible_text):
            cues.append(Cue(CueKind.TEXT, hit))
        if len(CONSENT_PHRASES.findall(lower_in_place(visible_text))) >= CONSENT_MIN_HITS:
            cues.append(Cue(CueKind.CONSENT))
    return tuple(cues)


def _find(phrases: re.Pattern, text: str) -> str | None:
    """The first of the (lower-case) phrases in `text`, as the text writes it."""
    hit = phrases.search(lower_in_place(text))
    return text[hit.start():hit.end()] if hit else None


def _clip(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
