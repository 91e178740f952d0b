"""Signs in a page's words that it is a not-found page or a bot wall, in German, English, French,
Spanish, Italian, Dutch, Polish and Portuguese."""

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
    CONSENT = "consent"          # a consent dialog with little other text, or consent words
    LOGIN = "login"              # a password field, or login words in the address or a heading
    SUBSCRIPTION = "subscription"  # subscription words in the address or a heading


@dataclass(frozen=True)
class Cue:
    """One sign, with the words as the page writes them; str() is the cue as a reason shows it."""

    kind: CueKind
    words: str = ""          # the phrase, title or marker
    heading: str = ""        # for words in a heading: the heading they stand in

    def __str__(self) -> str:
        if self.kind is CueKind.WORD_IN_HEADING:
            return f"word '{self.words}' in heading '{self.heading}'"
        if self.kind is CueKind.CONSENT and not self.words:
            return "consent dialog with little other text"
        if self.heading:
            return f"{self.kind} word '{self.words}' in heading '{self.heading}'"
        return f"{self.kind} '{self.words}'"


# Wording per language, written in lower case and searched in lower-cased text (see _find):
# IGNORECASE with this many alternatives is four times slower. Each entry is a regex fragment.
# No maintained source of these phrases exists: the only maintained translations of "page not
# found" are the UI catalogs of web frameworks (one phrasing per language, while publishers write
# their own), and the maintained consent tools (Consent-O-Matic, autoconsent, the cookie filter
# lists) keep CSS selectors per consent platform, not words. Hence compact tables, one row per
# language; a new language is one row in each table.

# Said by not-found pages; specific enough to trust anywhere near the top of a page. German public
# broadcasters must take older items offline ("depublizieren"): such a page is gone too.
NOT_FOUND_WORDING: dict[str, tuple[str, ...]] = {
    "de": (r"seite (?:wurde )?nicht gefunden", r"seite konnte nicht gefunden werden",
           r"fehler ?404", r"404 ?fehler", r"diese seite (?:ist|existiert) (?:leider )?nicht",
           r"gesuchte seite (?:nicht|existiert|ist)", r"gibt es die von ihnen gesuchte seite nicht",
           r"angeforderte seite (?:wurde|konnte|existiert|ist)",
           r"(?:inhalt|artikel|beitrag|dokument|datei) (?:wurde )?nicht gefunden",
           r"verweist auf keinen aktuellen inhalt",
           r"(?:beitrag|artikel|inhalt|video|audio|sendung|seite) ist (?:leider )?nicht mehr "
           r"(?:verfügbar|online|abrufbar)",
           r"nicht mehr (?:online|abrufbar) verfügbar", r"wurde depubliziert",
           r"depublizierte? (?:beitrag|inhalt|video)"),
    "en": (r"page not found", r"page (?:could|can) ?not be found", r"error 404", r"404 error",
           r"404 not found", r"page you (?:are|were|'re|’re) looking for",
           r"page you requested (?:could|does|was|is)", r"this page (?:does not|doesn't|doesn’t|no longer) exist",
           r"(?:content|article|document|file) not found"),
    "fr": (r"page (?:est )?introuvable", r"page non trouvée", r"erreur 404",
           r"(?:cette|la) page (?:demandée )?n['’]existe (?:pas|plus)",
           r"page que vous (?:recherchez|cherchez|demandez) (?:n['’]existe|est introuvable|n['’]est plus)",
           r"(?:article|contenu) introuvable"),
    "es": (r"página no encontrada", r"no se (?:ha podido encontrar|encontró|encuentra) la página",
           r"página que (?:buscas|busca|has solicitado|solicitaste) no (?:existe|está disponible|se encuentra)",
           r"esta página no existe", r"(?:artículo|contenido) no encontrado"),
    "it": (r"pagina non trovata", r"errore 404",
           r"pagina (?:che stai cercando|richiesta|cercata) non (?:esiste|è stata trovata|è (?:più )?disponibile)",
           r"questa pagina non esiste", r"(?:articolo|contenuto) non trovato"),
    "nl": (r"pagina niet gevonden", r"pagina (?:kon niet (?:worden )?gevonden|bestaat niet)",
           r"pagina die (?:u|je) (?:zoekt|probeert te bereiken) (?:bestaat|is niet|kan niet)",
           r"fout 404", r"(?:artikel|inhoud) niet gevonden"),
    "pl": (r"nie znaleziono (?:strony|artykułu|treści)", r"strona nie (?:została znaleziona|istnieje)",
           r"strony nie (?:znaleziono|odnaleziono)", r"błąd 404", r"strona, której szukasz"),
    "pt": (r"página não (?:encontrada|existe)", r"erro 404",
           r"página que (?:você )?(?:procura|está procurando|procuras|solicitou) "
           r"não (?:existe|foi encontrada|está disponível)",
           r"esta página não existe", r"(?:artigo|conteúdo) não encontrado"),
}
# Also said by real articles ("Impfstoff nicht verfügbar"); weak, and only in a title or top heading.
WEAK_HEADING_WORDING: dict[str, tuple[str, ...]] = {
    "de": ("nicht gefunden", "existiert nicht mehr", "nicht mehr verfügbar", "nicht verfügbar",
           "nicht mehr online", "depubliziert", "hoppla"),
    "en": ("404", "not found", "no longer available", "not available", "does not exist",
           "doesn't exist", "oops"),
    "fr": ("introuvable", "n'existe plus", "plus disponible", "non disponible", "oups"),
    "es": ("no encontrada", "no encontrado", "ya no está disponible", "no disponible"),
    "it": ("non trovata", "non trovato", "non più disponibile", "non disponibile"),
    "nl": ("niet gevonden", "niet meer beschikbaar", "niet beschikbaar", "oeps"),
    "pl": ("nie znaleziono", "nie istnieje", "niedostępna", "niedostępny"),
    "pt": ("não encontrada", "não encontrado", "não está disponível", "indisponível"),
}
# The whole title of a challenge or block page (Cloudflare and others translate theirs); English
# and German titles are also matched as a title's start, as the block pages of CDNs add to them.
CHALLENGE_TITLE_WORDING: dict[str, tuple[str, ...]] = {
    "de": ("einen moment bitte", "zugriff verweigert", "sicherheitsüberprüfung"),
    "en": ("just a moment", "attention required", "access denied", "request rejected",
           "security check", "are you a robot", "ddos-guard", "pardon our interruption"),
    "fr": ("un instant", "accès refusé", "vérification de sécurité"),
    "es": ("un momento", "acceso denegado", "verificación de seguridad"),
    "it": ("solo un momento", "un momento", "accesso negato", "controllo di sicurezza"),
    "nl": ("even geduld", "toegang geweigerd", "beveiligingscontrole"),
    "pl": ("chwileczkę", "odmowa dostępu", "kontrola bezpieczeństwa"),
    "pt": ("um momento", "acesso negado", "verificação de segurança"),
}
# Said by block and challenge pages; trusted only on pages with little text.
CHALLENGE_WORDING: dict[str, tuple[str, ...]] = {
    "de": (r"bitte bestätigen sie, dass sie (?:ein mensch|kein roboter)", r"sind sie ein roboter",
           r"ungewöhnlichen datenverkehr"),
    "en": (r"enable javascript and cookies to continue",
           r"checking (?:if the site connection is secure|your browser)",
           r"verify (?:you are|you're|that you are) (?:a )?human", r"are you a robot",
           r"reference ?#\s?[0-9a-f.]+", r"you don't have permission to access", r"captcha",
           r"unusual traffic"),
    "fr": (r"(?:vérifi(?:ez|er|ons)|confirmez) que vous (?:êtes un humain|n['’]êtes pas un robot)",
           r"êtes-vous un robot", r"trafic inhabituel"),
    "es": (r"(?:verifica|confirma|comprobar) que (?:eres|es) (?:un )?humano", r"eres un robot",
           r"tráfico inusual"),
    "it": (r"(?:verifica|conferma) (?:che sei|di essere) (?:un )?umano", r"sei un robot",
           r"traffico insolito"),
    "nl": (r"bevestig dat (?:je|u) (?:een mens|geen robot) (?:bent|is)", r"ben je een robot",
           r"ongebruikelijk verkeer"),
    "pl": (r"potwierdź, że (?:jesteś człowiekiem|nie jesteś robotem)", r"czy jesteś robotem",
           r"nietypowy ruch"),
    "pt": (r"(?:confirme|verifique) que (?:você )?(?:é (?:um )?humano|não é um robô)",
           r"você é um robô", r"tráfego incomum"),
}
# Words of consent dialogs; counted, and trusted only on pages with little other text.
CONSENT_WORDING: dict[str, tuple[str, ...]] = {
    "de": ("einwilligung", "zustimm", "akzeptier", "alle akzeptieren", "datenschutz", "werbefrei",
           r"pur[- ]abo"),
    "en": ("cookies?", "consent", "accept all", "privacy", "tracking", "partner"),
    "fr": ("consentement", "accepter", "tout accepter", "confidentialité", "traceurs"),
    "es": ("consentimiento", "aceptar", "aceptar todo", "privacidad", "socios"),
    "it": ("consenso", "accetta", "accetta tutto", "accetto", "tracciamento"),
    "nl": ("toestemming", "accepteren", "alles accepteren", "akkoord"),
    "pl": ("zgod[aęy]", "akceptuj", "prywatności", "partnerzy"),
    "pt": ("consentimento", "aceitar", "aceitar tudo", "privacidade", "parceiros"),
}

# Words naming a wall, in the address of the page a redirect leads to or in its title and top
# headings. Words of six letters or more also match as the start of a word of the address
# ("consentmanager", "abonnement"); shorter ones only whole ("abo", not "about").
WALL_WORDING: dict[CueKind, dict[str, tuple[str, ...]]] = {
    CueKind.CONSENT: {
        "de": ("zustimmung", "einwilligung", "datenschutzeinstellungen", "dsgvo"),
        "en": ("consent", "cookie", "cookies", "cookiewall", "gdpr", "privacy", "cmp"),
        "fr": ("consentement",), "es": ("consentimiento",), "it": ("consenso",),
        "nl": ("toestemming",), "pl": ("zgoda",), "pt": ("consentimento",),
    },
    CueKind.LOGIN: {
        "de": ("anmelden", "anmeldung", "einloggen", "konto"),
        "en": ("login", "log in", "logon", "sign in", "signin", "sso", "oauth", "auth", "authorize",
               "account", "accounts"),
        "fr": ("connexion", "se connecter", "identification"), "es": ("iniciar sesión", "iniciar sesion"),
        "it": ("accedi",), "nl": ("inloggen", "aanmelden"), "pl": ("logowanie", "zaloguj"),
        "pt": ("entrar", "iniciar sessão"),
    },
    CueKind.SUBSCRIPTION: {
        "de": ("abo", "abos", "abonnement", "abonnieren", "aboshop", "digitalabo", "abo abschließen"),
        "en": ("subscribe", "subscription", "subscriptions", "subscriber", "paywall", "checkout"),
        "fr": ("abonnement", "abonnez", "s'abonner"), "es": ("suscripción", "suscripcion", "suscríbete"),
        "it": ("abbonamento", "abbonati"), "nl": ("abonnement", "abonneren", "abonneer"),
        "pl": ("prenumerata", "subskrypcja"), "pt": ("assinatura", "assine", "assinar"),
    },
}
_LONG_WALL_WORD = 6
_MAX_WALL_SEGMENT_WORDS = 3  # "/abo/angebote", "/privacy-center", "/sign-in.html"; not an article's slug
_ADDRESS_WORD = re.compile(r"[^\W_]+(?:[-_][^\W_]+)*")


def _any_of(table: dict[str, tuple[str, ...]]) -> str:
    return "|".join(fragment for fragments in table.values() for fragment in fragments)


NOT_FOUND_PHRASES = re.compile(_any_of(NOT_FOUND_WORDING))
TITLE_ONLY_PHRASES = re.compile(rf"\b(?:{_any_of(WEAK_HEADING_WORDING)})\b")

# Markers in the raw HTML of challenge pages; unique to them.
CHALLENGE_MARKERS = ("cf-challenge", "cf_chl_", "challenge-platform", "cf-browser-verification",
                     "captcha-delivery.com", "px-captcha", "_incapsula_resource")
_PREFIX_TITLES = "|".join(map(re.escape, CHALLENGE_TITLE_WORDING["en"] + CHALLENGE_TITLE_WORDING["de"]))
_WHOLE_TITLES = "|".join(re.escape(title) for titles in CHALLENGE_TITLE_WORDING.values() for title in titles)
CHALLENGE_TITLES = re.compile(rf"^(?:{_PREFIX_TITLES})|^(?:{_WHOLE_TITLES})\s*[.!…]*$", re.IGNORECASE)
CHALLENGE_PHRASES = re.compile(_any_of(CHALLENGE_WORDING))
CONSENT_PHRASES = re.compile(_any_of(CONSENT_WORDING))
WALL_HEADING_PHRASES = {
    kind: re.compile(rf"(?<!\w)(?:{'|'.join(re.escape(w) for words in table.values() for w in words)})(?!\w)")
    for kind, table in WALL_WORDING.items()}
_WALL_ADDRESS_WORDS = {kind: {w.replace(" ", "").replace("'", "") for words in table.values() for w in words}
                       for kind, table in WALL_WORDING.items()}
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


def wall_cues(headings: list[str], password_field: bool) -> tuple[Cue, ...]:
    """Signs that a page is a login, subscription or consent page: a password field, wall words in
    its title or a top heading. They prove a wall only beside a redirect (see verdict)."""
    cues = [Cue(CueKind.LOGIN, "password field")] if password_field else []
    for heading in headings:
        for kind, phrases in WALL_HEADING_PHRASES.items():
            if hit := _find(phrases, heading):
                cues.append(Cue(kind, hit, _clip(heading)))
    return tuple(dict.fromkeys(cues))


def address_wall_cue(host: str, path: str, parameter_names: list[str],
                     ignore: frozenset[str] = frozenset()) -> Cue | None:
    """The first wall word in an address: its host's labels, the short segments of its path (a
    slug of many words is an article's: "instagram-business-accounts-analytics") and its query
    parameter names (the values may carry the cited URL back, with its own words); words in
    `ignore` do not count."""
    segments = [s for s in path.split("/") if len(re.split(r"[-_.]", s)) <= _MAX_WALL_SEGMENT_WORDS]
    for word in address_words(" ".join([host, *segments, *parameter_names])):
        if word in ignore:
            continue
        for kind, known in _WALL_ADDRESS_WORDS.items():
            if word in known or any(len(w) >= _LONG_WALL_WORD and word.startswith(w) for w in known):
                return Cue(kind, word)
    return None


def address_words(text: str) -> list[str]:
    """The words of an address, lower case: "sign-in" gives sign-in's pieces and "signin"."""
    words = []
    for piece in _ADDRESS_WORD.findall(text.lower()):
        parts = re.split(r"[-_]", piece)
        words += parts if len(parts) == 1 else [*parts, "".join(parts)]
    return words


def _find(phrases: re.Pattern, text: str) -> str | None:
    """The first of the (lower-case) phrases in `text`, as the text writes it."""
    hit = phrases.search(lower_in_place(text))
    return text[hit.start():hit.end()] if hit else None


def _clip(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
