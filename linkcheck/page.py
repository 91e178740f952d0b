"""Bytes to text: charset, main content without boilerplate, PDF text, and page signals."""

from __future__ import annotations

import codecs
import io
import json
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser

from .boilerplate import SHORT_MAIN_TEXT, MainText, main_text_parts, strip_non_content
from .cpu_limit import OutOfCpuTime, cpu_time_limit
from .cues import NO_ARTICLE, Cue, bot_wall_cues, not_found_cues, wall_cues
from .language import guess_language
from .page_budget import PageBudget, PageLimits, check_markup

# pypdf warns about every quirk of a damaged file on stderr; a cron run must stay quiet.
logging.getLogger("pypdf").addHandler(logging.NullHandler())


class PageKind(StrEnum):
    HTML = "html"
    PDF = "pdf"
    TEXT = "text"      # text/plain and other text documents
    OTHER = "other"    # images, binaries: nothing to read


@dataclass(frozen=True)
class PageText:
    """What a page says, separated from how it is dressed."""

    kind: PageKind
    title: str
    main_text: str                       # the article's own text; boilerplate removed
    charset: str | None                  # the charset used to decode
    language: str | None                 # <html lang> or a guess ("de", "en")
    canonical_url: str | None            # <link rel=canonical>
    meta_refresh_url: str | None         # where <meta http-equiv=refresh> sends the reader, absolute
                                         # (soon, or from a page with no text of its own: see
                                         # REFRESH_MAX_DELAY)
    not_found_cues: tuple[Cue, ...]      # phrases that say "not found" ("Seite nicht gefunden")
    bot_wall_cues: tuple[Cue, ...]       # signs of a challenge / captcha / consent wall
    paywall: bool                        # the page says its text is behind a paywall
    script_redirect_url: str | None = None  # where a plain script (location.href = "…") sends the
                                            # reader from a page with no text of its own, absolute
    wall_cues: tuple[Cue, ...] = ()      # signs of a login, subscription or consent page (a password
                                         # field, wall words in a heading): evidence beside a redirect
    caption_spans: tuple[tuple[int, int], ...] = ()  # (start, end) in main_text of picture captions


CHARSET_PARAM = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# <meta http-equiv=refresh content="5; url='/neu/'">, also without "url=" (as browsers read it).
REFRESH_CONTENT = re.compile(r"^\s*(\d+(?:\.\d*)?)?\s*[;,]?\s*(?:url\s*=\s*)?[\"']?([^\"'>]*)", re.IGNORECASE)
# A refresh within this many seconds is a redirect; a later one only on a page with no text of its
# own (news pages reload themselves every few minutes, and a real page is what the reader reads).
REFRESH_MAX_DELAY = 10.0
# The plain script redirects of moved pages: window.location = "…", location.href = '…',
# location.replace("…"), location.assign('…'); a literal target only, in a small inline script.
SCRIPT_REDIRECT = re.compile(
    r"""(?<![\w.])(?:(?:window|document|top|self)\.)?location(?:\.href)?\s*=\s*(["'])([^"'\s]+)\1(?=\s*(?:[;}\n]|$))"""
    r"""|(?<![\w.])(?:(?:window|document|top|self)\.)?location\.(?:replace|assign)\(\s*(["'])([^"'\s]+)\3\s*\)""")
SCRIPT_REDIRECT_MAX_SCRIPT = 2000   # characters: a redirect script is a line, not an app bundle
HTML_SNIFF = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype html|html|head|body|meta|title)",
                        re.IGNORECASE | re.DOTALL)
# Script-rendered pages carry their text only in JSON-LD; shorter bodies there are summaries.
JSON_LD_MIN_BODY = 200
PAYWALL_MARKER = re.compile(r"paywall|paid-content|premium-content|plus-content", re.IGNORECASE)
# WHATWG: these labels mean windows-1252 in browsers, which is what publishers rely on.
WINDOWS_1252_LABELS = frozenset(("iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "us-ascii",
                                 "ascii", "cp1252", "windows-1252", "x-cp1252"))


MAX_MARKUP_BYTES = 4 * 1024 * 1024


def extract_page(body: bytes, headers: Mapping[str, str], url: str,
                 pdf_seconds: float = PageLimits.pdf_seconds) -> PageText:
    """Decode and read a fetched body; never raises on bad bytes, only PageBudgetExceeded for a
    page that would cost more to read than a page may (see page_budget). A PDF's text is read for
    `pdf_seconds` of CPU time at most."""
    content_type = _header(headers, "content-type").lower()
    kind = sniff_kind(body, content_type)
    if kind is PageKind.PDF:
        return _pdf_page(body, pdf_seconds)
    if kind is PageKind.OTHER:
        return _empty_page(PageKind.OTHER, None)
    if len(body) > MAX_MARKUP_BYTES:
        # Parsing costs ~40x the markup in memory; an article's text is in its first megabytes.
        body = body[:body.rfind(b">", 0, MAX_MARKUP_BYTES) + 1 or MAX_MARKUP_BYTES]
    text, charset = _decode(body, content_type, sniff_meta=kind is PageKind.HTML)
    if kind is PageKind.TEXT:
        return _text_page(text, charset)
    # Lexbor reads UTF-8: a body that decoded cleanly as UTF-8 is parsed as it came, not encoded
    # again (a replacement character may stand for bytes that were not UTF-8).
    valid_utf8 = charset == "utf-8" and "\ufffd" not in text
    return _html_page(text, body if valid_utf8 else text.encode(), charset, url)


def _decode(body: bytes, content_type: str = "", sniff_meta: bool = True) -> tuple[str, str]:
    """Text and charset: BOM, then HTTP header, then <meta>, then UTF-8, then a detector."""
    for bom, encoding in BOMS:
        if body.startswith(bom):
            return body.decode(encoding, errors="replace"), encoding
    declared = [m.group(1) for m in [CHARSET_PARAM.search(content_type)] if m]
    if sniff_meta:
        declared += [m.group(1).decode("ascii", "replace") for m in [META_CHARSET.search(body[:4096])] if m]
    for label in [*declared, "utf-8"]:
        codec = _codec(label)
        if codec is None:
            continue
        try:
            return body.decode(codec), codec
        except UnicodeDecodeError:
            continue
    encoding = _detected(body)
    return body.decode(encoding, errors="replace"), encoding


def _codec(label: str) -> str | None:
    label = label.strip().lower()
    if label in WINDOWS_1252_LABELS:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _detected(body: bytes) -> str:
    """The detector's guess, else windows-1252: what undeclared German and English pages use."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # an optional helper (it comes with requests); windows-1252 is a fine guess
        return "cp1252"
    best = from_bytes(body[:65536]).best()
    return (_codec(best.encoding) if best else None) or "cp1252"


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return ""


def sniff_kind(body: bytes, content_type: str) -> PageKind:
    """What a body is (HTML, PDF, text, other) by its first bytes, then its content type."""
    if body[:1024].lstrip().startswith(b"%PDF-"):
        return PageKind.PDF
    # Servers label error pages with the type of what was asked for; the bytes tell the truth.
    if "html" in content_type or HTML_SNIFF.match(body[:1024]):
        return PageKind.HTML
    if "application/pdf" in content_type:
        return PageKind.PDF
    if content_type.startswith("text/") or any(t in content_type for t in ("json", "xml")):
        return PageKind.TEXT
    if not content_type and body and b"\x00" not in body[:1024]:
        return PageKind.TEXT
    return PageKind.OTHER


def _empty_page(kind: PageKind, charset: str | None) -> PageText:
    return PageText(kind=kind, title="", main_text="", charset=charset, language=None,
                    canonical_url=None, meta_refresh_url=None, not_found_cues=(),
                    bot_wall_cues=(), paywall=False)


def _text_page(text: str, charset: str) -> PageText:
    text = text.strip()
    title = next((line.strip() for line in text.splitlines() if line.strip()), "")[:200]
    return PageText(kind=PageKind.TEXT, title=title, main_text=text, charset=charset,
                    language=guess_language(text), canonical_url=None, meta_refresh_url=None,
                    not_found_cues=not_found_cues([title], text), bot_wall_cues=(), paywall=False)


# A PDF's text is read from its first pages, up to these: a report's opening pages say what it is.
MAX_PDF_PAGES = 1000
MAX_PDF_CHARS = 2_000_000


def _pdf_page(body: bytes, seconds: float) -> PageText:
    """The text of a PDF's pages read within `seconds` of CPU time (pypdf takes seconds for a page
    of a few hundred thousand operators); PageBudgetExceeded when no text was read by then."""
    from pypdf import PdfReader

    if not body[:1024].lstrip().startswith(b"%PDF-"):
        return _empty_page(PageKind.PDF, None)
    pages: list[str] = []
    title = ""
    try:
        with cpu_time_limit(seconds):
            reader = PdfReader(io.BytesIO(body))
            title = str(reader.metadata.get("/Title") or "") if reader.metadata else ""
            read = 0
            for number, page in enumerate(reader.pages):
                if number >= MAX_PDF_PAGES or read >= MAX_PDF_CHARS:
                    break
                pages.append((page.extract_text() or "")[:MAX_PDF_CHARS - read])
                read += len(pages[-1])
    except OutOfCpuTime:
        if not any(p.strip() for p in pages):
            raise PageLimits(pdf_seconds=seconds).exceeded(PageBudget.PDF) from None
    except Exception:  # pypdf raises many types on damaged files; a broken PDF reads as empty
        return _empty_page(PageKind.PDF, None)
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    title = title or next((line.strip() for line in text.splitlines() if line.strip()), "")[:200]
    return PageText(kind=PageKind.PDF, title=title, main_text=text, charset=None,
                    language=guess_language(text), canonical_url=None, meta_refresh_url=None,
                    not_found_cues=(), bot_wall_cues=(), paywall=False)


def _html_page(html: str, utf8: bytes, charset: str, url: str) -> PageText:
    """`html` is the page's text, `utf8` the same text encoded as UTF-8. Raises PageBudgetExceeded
    for markup that nests too deep or has too many elements to be parsed in bounded time."""
    check_markup(utf8)
    tree = LexborHTMLParser(utf8)
    base = urljoin(url, _attr(tree, "base[href]", "href") or "")
    linked_data = list(_linked_data(tree))
    html_title = _text(tree, "title")
    og_title = _attr(tree, "meta[property='og:title']", "content")
    h1s = [n.text(deep=True).strip() for n in tree.css("h1")[:3]]
    title = og_title or html_title or next((h for h in h1s if h), "")
    canonical = _attr(tree, "link[rel='canonical']", "href")
    refresh, refresh_delay = _refresh_target(tree, base)
    paywall = _is_paywalled(tree, linked_data)
    password_field = tree.css_first("input[type='password' i]") is not None
    strip_non_content(tree)
    visible = " ".join((tree.body.text(deep=True, separator=" ") if tree.body else "").split())
    parts = html_parts = main_text_parts(tree, len(visible))
    if len(parts.text) < SHORT_MAIN_TEXT and tree.body is not None:
        retry = LexborHTMLParser(utf8)
        strip_non_content(retry)
        parts = max(parts, main_text_parts(retry, len(visible), keep_hinted=True), key=lambda p: len(p.text))
    main, cue_text = parts.text, html_parts.text
    article_body = max((str(item.get("articleBody") or "") for item in linked_data), key=len, default="")
    if len(article_body) > 2 * len(main) and len(article_body) > JSON_LD_MIN_BODY:
        parts = MainText(article_body.strip())
        main = cue_text = parts.text
    language = _html_language(tree, main or visible)
    headings = [h for h in (html_title, og_title, *h1s) if h]
    no_text_of_its_own = len(main.strip()) < NO_ARTICLE
    if refresh_delay > REFRESH_MAX_DELAY and not no_text_of_its_own:
        refresh = None
    return PageText(
        kind=PageKind.HTML, title=" ".join(title.split()), main_text=main, charset=charset,
        language=language,
        canonical_url=urljoin(base, canonical.strip()) if canonical else None,
        meta_refresh_url=refresh,
        # Read from a fresh tree (scripts are stripped from this one), and only where it counts: the
        # inline scripts of a news page are large.
        script_redirect_url=_script_redirect_target(LexborHTMLParser(utf8), base) if no_text_of_its_own else None,
        # Walls and error pages are judged on the first reading: a modal kept on the second try
        # must not make a consent wall look like an article.
        not_found_cues=not_found_cues(headings, cue_text or visible[:1000]),
        bot_wall_cues=bot_wall_cues(html[:200_000], html_title or title, visible, cue_text),
        paywall=paywall,
        wall_cues=wall_cues(headings, password_field),
        caption_spans=parts.caption_spans,
    )


def _attr(tree: LexborHTMLParser, selector: str, name: str) -> str | None:
    node = tree.css_first(selector)
    value = node.attributes.get(name) if node is not None else None
    return value.strip() if value and value.strip() else None


def _text(tree: LexborHTMLParser, selector: str) -> str:
    node = tree.css_first(selector)
    return " ".join(node.text(deep=True).split()) if node is not None else ""


def _refresh_target(tree: LexborHTMLParser, base: str) -> tuple[str | None, float]:
    """The meta refresh's absolute target and its delay in seconds; (None, 0) without one."""
    for node in tree.css("meta[http-equiv]"):
        if (node.attributes.get("http-equiv") or "").lower() != "refresh":
            continue
        match = REFRESH_CONTENT.match(node.attributes.get("content") or "")
        if match and match.group(2).strip():
            return urljoin(base, match.group(2).strip()), float(match.group(1) or 0)
    return None, 0.0


def _script_redirect_target(tree: LexborHTMLParser, base: str) -> str | None:
    """The literal target of the first plain redirect in a small inline script, absolute."""
    for node in tree.css("script"):
        if node.attributes.get("src") is not None:
            continue
        code = node.text(deep=True) or ""
        if len(code) > SCRIPT_REDIRECT_MAX_SCRIPT:
            continue
        if match := SCRIPT_REDIRECT.search(code):
            target = (match.group(2) or match.group(4)).strip()
            if not target.lower().startswith(("javascript:", "#")):
                return urljoin(base, target)
    return None


def _html_language(tree: LexborHTMLParser, text: str) -> str | None:
    lang_attribute = (tree.root.attributes.get("lang") or "") if tree.root is not None else ""
    declared = lang_attribute.strip().lower().split("-")[0].split("_")[0] or None
    guessed = guess_language(text)
    # Templates often keep lang="en" on German pages; trust the words when they clearly disagree.
    if declared in (None, "de", "en") and guessed:
        return guessed
    return declared


def _linked_data(tree: LexborHTMLParser) -> Iterator[dict]:
    """Every JSON-LD object of the page, @graph members and list items included."""
    for node in tree.css("script[type='application/ld+json']"):
        try:
            data = json.loads(node.text(deep=True) or "null", strict=False)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield item
                stack.extend(v for k, v in item.items() if k in ("@graph", "hasPart", "mainEntity"))


def _is_paywalled(tree: LexborHTMLParser, linked_data: list[dict]) -> bool:
    for item in linked_data:
        if str(item.get("isAccessibleForFree", "")).strip().lower() == "false":
            return True
    for node in tree.css("[class*='paywall'], [id*='paywall'], [class*='paid-content']"):
        names = f"{node.attributes.get('class') or ''} {node.attributes.get('id') or ''}"
        if PAYWALL_MARKER.search(names) and len(node.text(deep=True).strip()) > 40:
            return True
    return False
