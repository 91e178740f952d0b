"""page.extract_page on small hand-written pages: main text, charsets, signals, PDF."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkcheck.cues import CueKind
from linkcheck.page import SCRIPT_REDIRECT_MAX_SCRIPT as SCRIPT_MAX
from linkcheck.page import PageKind, extract_page
from linkcheck.page_budget import PageBudget, PageBudgetExceeded

from documents import minimal_pdf, pdf_bomb

FIXTURES = Path(__file__).parent / "fixtures" / "page"
HTML = {"content-type": "text/html; charset=utf-8"}
URL = "https://news.example/lokales/neue-radwege-fuer-muenster-42.html"


def read(name: str, headers: dict[str, str] = HTML, url: str = URL):
    return extract_page((FIXTURES / name).read_bytes(), headers, url)


def test_nav_and_teaser_boxes_naming_entities_are_dropped():
    page = read("article_with_boxes.html")
    assert page.kind is PageKind.HTML
    assert "4,2 Millionen Euro" in page.main_text
    assert "Die Stadt Münster baut" in page.main_text
    assert "Selenskyj" not in page.main_text
    assert "Scholz" not in page.main_text
    assert "Teilen" not in page.main_text


def test_title_language_and_canonical():
    page = read("article_with_boxes.html")
    assert page.title == "Neue Radwege für Münster"
    assert page.language == "de"
    assert page.canonical_url == URL
    assert page.not_found_cues == () and page.bot_wall_cues == () and not page.paywall


def test_windows_1252_page_declared_in_meta_is_decoded():
    html = ('<html><head><meta charset="windows-1252"><title>Grüße</title></head><body>'
            '<p>Die Straße kostet 5 € mehr, sagt der Bürgermeister von Münster in seiner Rede '
            'vor dem Rat der Stadt.</p></body></html>').encode("cp1252")
    page = extract_page(html, {"content-type": "text/html"}, URL)
    assert page.charset == "cp1252"
    assert "Straße kostet 5 € mehr" in page.main_text and "Bürgermeister" in page.main_text


def test_iso_8859_1_label_is_read_as_windows_1252():
    html = "<html><body><p>Preis: 10 € für Müller &amp; Söhne.</p></body></html>".encode("cp1252")
    page = extract_page(html, {"content-type": "text/html; charset=ISO-8859-1"}, URL)
    assert page.charset == "cp1252"
    assert "10 € für Müller" in page.main_text


def test_undeclared_windows_1252_falls_back_without_mojibake():
    html = "<html><body><p>Schöne Grüße aus Köln, wo die Straßenbahn fährt.</p></body></html>"
    page = extract_page(html.encode("cp1252"), {"content-type": "text/html"}, URL)
    assert "Schöne Grüße aus Köln" in page.main_text


def test_utf8_bom_wins_over_a_wrong_header():
    html = "\ufeff<html><body><p>Größere Übung für Äpfel.</p></body></html>".encode("utf-8")
    page = extract_page(html, {"content-type": "text/html; charset=iso-8859-1"}, URL)
    assert "Größere Übung für Äpfel." in page.main_text
    assert not page.main_text.startswith("\ufeff")


def test_utf16_bom_is_decoded():
    html = "<html><body><p>Grüße aus Zürich.</p></body></html>".encode("utf-16")
    page = extract_page(html, {"content-type": "text/html"}, URL)
    assert "Grüße aus Zürich." in page.main_text


@pytest.mark.parametrize("body", [
    b"<html><body><p>caf\xc3 \xff\xfe broken \x80\x81 bytes</p></body></html>",
    b"\x00\x01\x02<html>\xff",
    b"",
    b"<html><head><meta charset='no-such-charset'></head><body><p>Text</p></body></html>",
    b"<html><body><div><p>unclosed <b>tags <i>everywhere",
])
def test_bad_bytes_do_not_crash(body):
    page = extract_page(body, {"content-type": "text/html; charset=utf-8"}, URL)
    assert isinstance(page.main_text, str)


def test_meta_refresh_target_is_absolute():
    page = read("meta_refresh.html", url="https://news.example/alt/artikel.html")
    assert page.meta_refresh_url == "https://news.example/startseite/"
    assert page.canonical_url == "https://news.example/startseite/"


def test_german_not_found_page_is_flagged():
    page = read("soft404_de.html")
    assert page.not_found_cues
    assert page.bot_wall_cues == ()


def test_english_not_found_page_is_flagged():
    page = read("soft404_en.html")
    assert any("not found" in str(cue).lower() or "looking for" in str(cue) for cue in page.not_found_cues)


def test_article_mentioning_404_once_is_not_flagged():
    page = read("article_mentions_404.html")
    assert "Statuscode 404" in page.main_text
    assert page.not_found_cues == ()


def test_cloudflare_challenge_is_a_bot_wall():
    page = read("cloudflare_challenge.html")
    assert page.bot_wall_cues
    assert page.not_found_cues == ()


def test_consent_wall_hiding_the_text_is_a_bot_wall():
    page = read("consent_wall.html")
    assert any("consent" in str(cue) for cue in page.bot_wall_cues)


def test_article_is_no_bot_wall_even_with_cookie_banner():
    assert read("article_with_boxes.html").bot_wall_cues == ()


def test_paywall_flag_from_json_ld():
    page = read("paywall.html")
    assert page.paywall
    assert "Hapag-Lloyd" in page.main_text


def test_pdf_text_is_extracted():
    page = extract_page(minimal_pdf("Haushalt 2024 der Stadt Leipzig"), {"content-type": "application/pdf"},
                        "https://news.example/haushalt.pdf")
    assert page.kind is PageKind.PDF
    assert "Haushalt 2024 der Stadt Leipzig" in page.main_text


def test_pdf_is_recognised_by_magic_bytes():
    page = extract_page(minimal_pdf("Bericht"), {"content-type": "application/octet-stream"}, URL)
    assert page.kind is PageKind.PDF and "Bericht" in page.main_text


def test_broken_pdf_reads_as_empty():
    page = extract_page(b"%PDF-1.4\nthis is not really a pdf", {"content-type": "application/pdf"}, URL)
    assert page.kind is PageKind.PDF and page.main_text == ""


def test_plain_text_is_text_kind():
    page = extract_page("Pressemitteilung\n\nDer Senat hat beschlossen …".encode(),
                        {"content-type": "text/plain; charset=utf-8"}, URL)
    assert page.kind is PageKind.TEXT
    assert page.title == "Pressemitteilung" and "Senat" in page.main_text


def test_image_is_other_kind_with_no_text():
    page = extract_page(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", {"content-type": "image/png"}, URL)
    assert page.kind is PageKind.OTHER and page.main_text == ""


def test_json_ld_article_body_stands_in_for_a_script_rendered_page():
    page = read("app_shell_with_json_ld.html")
    assert "Stadtwerke Bielefeld senken" in page.main_text


def test_html_error_page_labelled_pdf_is_read_as_html():
    page = extract_page((FIXTURES / "soft404_de.html").read_bytes(), {"content-type": "application/pdf"},
                        "https://news.example/bericht.pdf")
    assert page.kind is PageKind.HTML and page.not_found_cues


def test_short_article_with_captcha_form_and_cookie_banner_is_no_bot_wall():
    page = read("short_article_with_forms.html")
    assert "Fuldabrücke" in page.main_text
    assert page.bot_wall_cues == ()


@pytest.mark.parametrize("html", [
    "<html><head><title>Access Denied</title></head><body><h1>Access Denied</h1>You don't have "
    "permission to access this server.<p>Reference #18.8f3e1402.1700000000.1a2b3c4d</p></body></html>",
    "<html><head><title>news.example</title></head><body><p>Please enable JS and disable any ad "
    "blocker</p><script>var dd={'host':'geo.captcha-delivery.com'}</script></body></html>",
    "<html><head><title>Sicherheitsprüfung</title></head><body><p>Bitte bestätigen Sie, dass Sie "
    "ein Mensch sind.</p><div class='g-recaptcha'></div></body></html>",
], ids=["akamai", "datadome", "captcha"])
def test_block_pages_are_bot_walls(html):
    assert extract_page(html.encode(), HTML, URL).bot_wall_cues


def test_article_wrapped_in_a_hint_class_is_kept_when_nothing_else_is_left():
    # "isPaywall" hints at furniture, but the short teaser it wraps is all the article there is.
    html = ("<html><body><nav><a href='/'>Start</a></nav><div class='row'>"
            "<div id='article' class='isPaywall'><h1>Lohnrunde im Zentrum Ergolz</h1>"
            "<p>Das Zentrum Ergolz lud zur Gesprächsrunde über den Fachkräftemangel ein.</p>"
            "<p>Mit dabei war der Personalchef des beliebtesten Arbeitgebers der Region.</p>"
            "</div></div><div class='more'><ul>"
            + "".join(f"<li><a href='/{i}'>Weitere Meldung aus der Region Nummer {i}</a></li>"
                      for i in range(20))
            + "</ul></div><footer>Impressum</footer></body></html>").encode()
    page = extract_page(html, HTML, URL)
    assert "Das Zentrum Ergolz lud" in page.main_text
    assert "Impressum" not in page.main_text


def test_hinted_box_is_still_dropped_next_to_an_article():
    paragraph = "Die Stadt Münster baut in diesem Jahr zwölf Kilometer neue Radwege aus. " * 3
    html = (f"<html><body><article><h1>Radwege</h1><p>{paragraph}</p><p>{paragraph}</p></article>"
            "<div class='sidebar'><p>Selenskyj besucht Berlin</p></div></body></html>").encode()
    page = extract_page(html, HTML, URL)
    assert "zwölf Kilometer" in page.main_text and "Selenskyj" not in page.main_text


def test_author_box_with_prose_beside_the_article_is_dropped():
    paragraph = "Die Stadt Münster baut in diesem Jahr zwölf Kilometer neue Radwege aus. " * 4
    bio = "Anna Beispiel studierte Geografie in Münster und schreibt seit 2015 über Verkehr. " * 4
    html = (f"<html><body><div id='primary'><main><h1>Radwege</h1><p>{paragraph}</p>"
            f"<p>{paragraph}</p><p>{paragraph}</p></main>"
            f"<section class='author-box'><h3>Über die Autorin</h3><p>{bio}</p></section>"
            "</div></body></html>").encode()
    page = extract_page(html, HTML, URL)
    assert "zwölf Kilometer" in page.main_text
    assert "studierte Geografie" not in page.main_text


def test_article_wrapped_in_an_author_class_is_kept():
    # WordPress puts "author-<name>" on the post itself: the box wraps the article, so it stays.
    paragraph = "Die Stadt Münster baut in diesem Jahr zwölf Kilometer neue Radwege aus. " * 4
    html = (f"<html><body><div class='post author-anna'><h1>Radwege</h1><p>{paragraph}</p>"
            f"<p>{paragraph}</p></div><div class='links'><a href='/a'>Impressum</a></div>"
            "</body></html>").encode()
    assert "zwölf Kilometer" in extract_page(html, HTML, URL).main_text


def test_box_named_beside_but_holding_most_of_the_prose_is_the_article():
    lead = "Die Stadt Münster baut in diesem Jahr neue Radwege aus, sagt der Stadtbaurat. " * 2
    paragraph = "Die Stadt Münster baut in diesem Jahr zwölf Kilometer neue Radwege aus. " * 4
    html = (f"<html><body><div class='content'><h1>Radwege</h1><p>{lead}</p>"
            f"<div class='author-content'><p>{paragraph}</p><p>{paragraph}</p></div></div>"
            "</body></html>").encode()
    page = extract_page(html, HTML, URL)
    assert "Stadtbaurat" in page.main_text and "zwölf Kilometer" in page.main_text


def test_heading_of_a_removed_box_goes_with_it():
    paragraph = "Die Stadt Münster baut in diesem Jahr zwölf Kilometer neue Radwege aus. " * 4
    html = (f"<html><body><article><h1>Radwege</h1><p>{paragraph}</p>"
            "<div class='box'><h3>Sie lesen uns gern? Zeigen Sie es uns!</h3>"
            "<form><input name='betrag'><button>Jetzt spenden</button></form></div>"
            f"<div class='box'><div class='boxhead'>Dieses Skript herunterladen</div>"
            "<div class='teaser'><a href='/skript.pdf'>Skript als PDF (123 KB)</a></div></div>"
            f"<h2>Wer zahlt?</h2><p>{paragraph}</p></article></body></html>").encode()
    page = extract_page(html, HTML, URL)
    assert "Wer zahlt?" in page.main_text and "zwölf Kilometer" in page.main_text
    assert "Sie lesen uns gern" not in page.main_text
    assert "Skript herunterladen" not in page.main_text


def test_run_of_headline_lines_is_dropped():
    paragraph = "Die Stadt Münster baut in diesem Jahr zwölf Kilometer neue Radwege aus. " * 4
    # Unlinked titles of other stories, long enough to pass for short paragraphs one by one.
    titles = ["Oculus Link: Alle Infos zum Beta-Release, Preis & Leistung",
              "Katzenschreck: So reagieren Katzen auf Katzengesichtsfilter",
              "Nvidia Ampere RTX 3000: Gerüchte zu Leistung und Preis",
              "VR-Spiele Highlights 2019: Ballern, Tanzen, Erforschen"]
    html = (f"<html><body><div class='page'><h1>Radwege</h1><p>{paragraph}</p>"
            f"<h2>Wer zahlt?</h2><p>{paragraph}</p><h2>Wann?</h2><p>{paragraph}</p>"
            "<div class='top'>" + "".join(f"<div class='title'>{t}</div>" for t in titles)
            + "</div></div></body></html>").encode()
    page = extract_page(html, HTML, URL)
    assert "Wer zahlt?" in page.main_text and "Wann?" in page.main_text
    assert "Katzenschreck" not in page.main_text


def test_hinted_box_of_headings_and_list_items_is_no_prose():
    paragraph = "Die Stadt Münster baut in diesem Jahr zwölf Kilometer neue Radwege aus. " * 4
    offers = "".join(f"<li>Alle Artikel frei lesen, als App und E-Paper, Angebot Nummer {i}</li>"
                     for i in range(8))
    html = (f"<html><body><article><h1>Radwege</h1><p>{paragraph}</p><p>{paragraph}</p>"
            f"<aside class='gate'><h3>Wählen Sie Ihren Zugang und lesen Sie weiter:</h3>"
            f"<ul>{offers}</ul></aside></article></body></html>").encode()
    page = extract_page(html, HTML, URL)
    assert "zwölf Kilometer" in page.main_text
    assert "Wählen Sie Ihren Zugang" not in page.main_text and "Angebot Nummer" not in page.main_text


def test_body_with_a_furniture_role_goes_with_everything_in_it():
    # ARIA roles mark furniture always, <body> included. (The removal loop skips candidates inside
    # removed furniture, and <body> is a candidate of its own: removed, it still holds the rest.)
    paragraph = "Die Stadt Münster baut in diesem Jahr zwölf Kilometer neue Radwege aus. " * 4
    html = (f"<html><body role='navigation'><article><h1>Radwege</h1><p>{paragraph}</p>"
            f"<div class='share'><div class='share-inner'>Teilen</div></div></article></body></html>").encode()
    assert extract_page(html, HTML, URL).main_text == ""


@pytest.mark.parametrize("box", [
    "If you enjoyed reading this post – would you consider supporting our work? Thanks!",
    "Dieser Beitrag gibt die Meinung des Autors wieder, nicht die der Redaktion.",
    "Zitiervorschlag: Muster, Anna: Neue Radwege für Münster, 2024.",
], ids=["appeal", "disclaimer", "citation"])
def test_short_appeal_disclaimer_or_citation_box_is_dropped(box):
    paragraph = "Die Stadt Münster baut in diesem Jahr zwölf Kilometer neue Radwege aus. " * 4
    html = (f"<html><body><article><h1>Radwege</h1><p>{paragraph}</p><p>{paragraph}</p>"
            f"<div class='box'><p>{box}</p></div></article></body></html>").encode()
    page = extract_page(html, HTML, URL)
    assert "zwölf Kilometer" in page.main_text and box not in page.main_text


def test_markup_past_the_cap_is_not_read():
    from linkcheck.page import MAX_MARKUP_BYTES

    article = b"<html><body><article><p>" + "Die Stadt Münster baut neue Radwege. ".encode() * 20 + b"</p>"
    empty_markup = b'<div class="spacer"></div>' * (MAX_MARKUP_BYTES // 26 + 10)
    late = b"<p>" + b"Dieser Absatz steht hinter der Grenze und wird nicht gelesen. " * 20 + b"</p>"
    page = extract_page(article + empty_markup + late + b"</article></body></html>", HTML, URL)
    assert "Die Stadt Münster baut neue Radwege." in page.main_text
    assert "hinter der Grenze" not in page.main_text


def _error_page(title: str, text: str, lang: str) -> bytes:
    return (f"<html lang='{lang}'><head><title>{title}</title></head><body><header><a href='/'>Start</a>"
            f"</header><main><h1>{title}</h1><p>{text}</p></main></body></html>").encode()


@pytest.mark.parametrize("lang, title, text", [
    ("fr", "Page introuvable", "La page que vous recherchez n’existe pas ou a été déplacée."),
    ("es", "Página no encontrada", "La página que buscas no existe. Vuelve a la portada."),
    ("it", "Pagina non trovata", "La pagina che stai cercando non esiste o è stata spostata."),
    ("nl", "Pagina niet gevonden", "De pagina die u zoekt bestaat niet (meer)."),
    ("pl", "Nie znaleziono strony", "Strona, której szukasz, nie istnieje lub została przeniesiona."),
    ("pt", "Página não encontrada", "A página que você procura não existe."),
    ("de", "tagesschau.de", "Dieser Beitrag ist nicht mehr verfügbar. Er wurde gemäß den gesetzlichen "
                            "Vorgaben depubliziert."),
    ("de", "Video nicht mehr online", "Dieses Video ist leider nicht mehr online."),
], ids=["fr", "es", "it", "nl", "pl", "pt", "de-depublished", "de-not-online"])
def test_not_found_pages_are_flagged_in_many_languages(lang, title, text):
    page = extract_page(_error_page(title, text, lang), HTML, URL)
    assert page.not_found_cues, page.main_text
    assert page.bot_wall_cues == ()


@pytest.mark.parametrize("lang, title, text", [
    ("fr", "Un instant…", "Vérification que vous êtes un humain. Cela peut prendre quelques secondes."),
    ("es", "Un momento…", "Verifica que eres un humano para continuar."),
    ("it", "Accesso negato", "Abbiamo rilevato traffico insolito dalla tua rete."),
    ("nl", "Even geduld...", "Bevestig dat je een mens bent."),
    ("pl", "Chwileczkę…", "Potwierdź, że jesteś człowiekiem."),
    ("pt", "Um momento…", "Confirme que você é humano para continuar."),
], ids=["fr", "es", "it", "nl", "pl", "pt"])
def test_challenge_pages_are_bot_walls_in_many_languages(lang, title, text):
    assert extract_page(_error_page(title, text, lang), HTML, URL).bot_wall_cues


@pytest.mark.parametrize("lang, dialog", [
    ("fr", "Nous et nos partenaires utilisons des cookies. En cliquant sur « Tout accepter », vous "
           "donnez votre consentement. Politique de confidentialité. Accepter"),
    ("es", "Utilizamos cookies propias y de nuestros socios. Pulse «Aceptar todo» para dar su "
           "consentimiento. Política de privacidad."),
    ("it", "Noi e i nostri partner utilizziamo cookie e tracciamento. Cliccando «Accetta tutto» "
           "presti il consenso."),
    ("nl", "Wij en onze partners gebruiken cookies. Klik op «Alles accepteren» om toestemming te geven."),
    ("pl", "Używamy plików cookies. Kliknij «Akceptuj», aby wyrazić zgodę. Polityka prywatności."),
    ("pt", "Nós e os nossos parceiros usamos cookies. Clique em «Aceitar tudo» para dar o seu "
           "consentimento. Política de privacidade."),
], ids=["fr", "es", "it", "nl", "pl", "pt"])
def test_consent_walls_are_bot_walls_in_many_languages(lang, dialog):
    html = f"<html lang='{lang}'><body><div class='cmp'><p>{dialog}</p><button>OK</button></div></body></html>"
    assert any(cue.kind is CueKind.CONSENT for cue in extract_page(html.encode(), HTML, URL).bot_wall_cues)


@pytest.mark.parametrize("lang, title", [
    ("es", "Un momento histórico para el Real Madrid"),
    ("fr", "Accès refusé aux migrants: la justice tranche"),
    ("it", "Un momento di silenzio per le vittime"),
], ids=["es", "fr", "it"])
def test_articles_whose_titles_begin_like_challenge_pages_are_no_bot_walls(lang, title):
    paragraph = f"{title}. " + "Der Text eines ganz gewöhnlichen Artikels, lang genug für einen Absatz. " * 12
    html = (f"<html lang='{lang}'><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"<p>{paragraph}</p></article></body></html>")
    assert extract_page(html.encode(), HTML, URL).bot_wall_cues == ()


ARTICLE_PARAGRAPH = "<p>" + "Die Stadt Münster baut in diesem Jahr zwölf Kilometer neue Radwege aus. " * 4 + "</p>"


@pytest.mark.parametrize(("head", "body", "target"), [
    ("<meta http-equiv='refresh' content='0; url=/neu/radwege.html'>", "", "https://news.example/neu/radwege.html"),
    ("<meta http-equiv='refresh' content='3;URL=\"https://other.example/a\"'>", ARTICLE_PARAGRAPH,
     "https://other.example/a"),
    ("<meta http-equiv='refresh' content='0;https://other.example/b'>", "", "https://other.example/b"),
    ("<meta http-equiv='refresh' content='30; url=/startseite/'>", "<p>Sie werden weitergeleitet.</p>",
     "https://news.example/startseite/"),
    ("<meta http-equiv='refresh' content='300; url=/startseite/'>", ARTICLE_PARAGRAPH, None),
    ("<meta http-equiv='refresh' content='600'>", ARTICLE_PARAGRAPH, None),
], ids=["immediate", "soon-on-a-real-page", "without-url-keyword", "late-on-an-empty-page",
        "late-on-a-real-page", "reload"])
def test_meta_refresh_is_a_redirect_when_soon_or_from_a_page_without_text(head, body, target):
    html = f"<html><head>{head}<title>Radwege</title></head><body>{body}</body></html>"
    assert extract_page(html.encode(), HTML, URL).meta_refresh_url == target


@pytest.mark.parametrize("script", [
    "window.location = '/neu/radwege.html';",
    'window.location.href="/neu/radwege.html"',
    "location.href = '/neu/radwege.html'",
    "document.location = '/neu/radwege.html';",
    'location.replace("/neu/radwege.html");',
    "window.location.assign('/neu/radwege.html')",
])
def test_plain_script_redirect_of_a_page_without_text_is_found(script):
    html = f"<html><head><script>{script}</script></head><body><noscript>Weiter</noscript></body></html>"
    assert extract_page(html.encode(), HTML, URL).script_redirect_url == "https://news.example/neu/radwege.html"


@pytest.mark.parametrize("body", [
    f"<script>location.href = '/login';</script><article>{ARTICLE_PARAGRAPH}{ARTICLE_PARAGRAPH}</article>",
    "<script>if (location.href == '/x') { go(); }</script>",
    "<script>location.href = '/suche?q=' + query;</script>",
    "<script>var a = 1;" + " " * SCRIPT_MAX + "location.href = '/neu';</script>",
    "<script>location.href = 'javascript:void(0)';</script>",
], ids=["page-with-text", "comparison", "computed-target", "big-script", "javascript-url"])
def test_no_script_redirect_without_a_plain_literal_target_on_an_empty_page(body):
    html = f"<html><body>{body}</body></html>"
    assert extract_page(html.encode(), HTML, URL).script_redirect_url is None


def test_pdf_whose_text_is_not_read_within_its_cpu_budget_is_refused():
    with pytest.raises(PageBudgetExceeded) as raised:
        extract_page(pdf_bomb(), {"content-type": "application/pdf"}, "https://example.org/r.pdf", pdf_seconds=0.5)
    assert raised.value.budget is PageBudget.PDF and "pdf_seconds" in str(raised.value)


def test_pdf_keeps_the_text_of_the_pages_read_within_its_budget():
    page = extract_page(pdf_bomb(first_page_text="Der Bundestag beschliesst den Haushalt"),
                        {"content-type": "application/pdf"}, "https://example.org/r.pdf", pdf_seconds=0.5)
    assert page.main_text == "Der Bundestag beschliesst den Haushalt"
