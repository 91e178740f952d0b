"""Parse an article file: date, title, body, cited URLs."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import httpx
from rapidfuzz.distance import Levenshtein

from .claims import ClaimTerms
from .errors import ArticleError
from .titles import MAX_SQUASHED_TITLE, needs_recovery, recover_title_words


@dataclass(frozen=True, slots=True)  # slots: a run holds one per cited URL
class CitedUrl:
    """One URL as the article cites it (trailing punctuation stripped)."""

    url: str
    problem: str | None = None  # why the URL is malformed; None when it is a usable http(s) URL
    claim: str | None = None    # for a URL cited inline: the sentence it backs (see claims.py)
    claim_terms: ClaimTerms | None = None  # that sentence's weighted words, filled by the article loader

    @property
    def is_valid(self) -> bool:
        return self.problem is None


@dataclass(frozen=True, slots=True)
class Article:
    """A parsed article."""

    path: str                 # as given on the command line
    title: str                # words recovered when the title line was squashed
    date: date | None
    body: str                 # the text without the title, date and sources section
    cited_urls: tuple[CitedUrl, ...]
    content_hash: str         # sha256 of the raw file bytes
    warnings: tuple[str, ...] = ()  # things a user should know (no sources section, ...)


ARTICLE_SUFFIXES = {".txt", ".md", ".text"}
MAX_ARTICLE_BYTES = 5 * 1024 * 1024

SOURCES_HEADING = re.compile(r"^\s*(?:quellen?|sources?)\s*:", re.IGNORECASE | re.MULTILINE)
_DATE_PATTERNS = (
    (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$"), ("day", "month", "year")),
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), ("year", "month", "day")),
)
_BARE_URL = re.compile(r"(?:https?|ftp)://[^\s<>\"]+", re.IGNORECASE)
_SEPARATORS = {"-", "–", "—", "•", "·", "|", ",", ";", "*"}
_TRAILING_PUNCTUATION = ".,;:!?'\"»«“”„›‹)]}>"
_LEADING_PUNCTUATION = "-–—•*<(["
_HOST_PATH = re.compile(r"^(?:[\w-]+(\.[\w-]+)*\.[a-z]{2,}|\d{1,3}(?:\.\d{1,3}){3})(?::\d{1,5})?/\S*$", re.IGNORECASE)
_URL_CONTINUATION = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")
# A scheme as written, right or wrong: "https://", "htps://", "https:/", "https//", "http:".
_SCHEME = re.compile(r"^([a-z]{2,10})(:/{0,3}|/{2,3})(?=[^\s/])", re.IGNORECASE)
_OTHER_SCHEMES = frozenset("ftp ftps sftp file mailto news nntp irc ws wss git ssh tel data javascript "
                           "feed rtsp rtmp mms".split())
_GLUED_URL = re.compile(r"(?<=[a-z0-9])https?://", re.IGNORECASE)  # not after /, = or ?: a link inside a URL
_FILE_END = re.compile(r"\.(?:s?html?|php|aspx?|jsp|pdf)$")
# Where a space stood inside a cited URL: the citation keeps one row, and no white space.
SPACE_MARK = "\u2423"


def find_articles(paths: Iterable[Path]) -> Iterator[Path]:
    """Article files under the given files and folders, in a stable order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*")
                              if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES
                              and not p.name.startswith("."))
        elif path.is_file():
            yield path
        else:
            raise ArticleError(f"{shown_path(path)}: no such file or folder")


def shown_path(path: Path) -> str:
    """The path as text that can be printed and stored: bytes of a name that are not UTF-8 are
    shown escaped (b'caf\\xe9.txt' -> 'caf\\xe9.txt'), never a surrogate that cannot be written."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def read_article(path: Path, max_bytes: int = MAX_ARTICLE_BYTES) -> Article:
    """Read and parse one article file of at most `max_bytes`; raises ArticleError with a reason a
    user can act on."""
    name = shown_path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ArticleError(f"{name}: {size} bytes is too large for an article "
                               f"(max_article_bytes = {max_bytes}); not checked")
        raw = path.read_bytes()
    except OSError as exc:
        raise ArticleError(f"{name}: cannot read: {exc.strerror or exc}") from exc
    text, warnings = _decode(raw, name)
    article = parse_article(text, name)
    return replace(article, content_hash=hashlib.sha256(raw).hexdigest(),
                   warnings=warnings + article.warnings)


def parse_article(text: str, path: str = "<text>") -> Article:
    """Parse article text: optional date line, title line, body, sources section."""
    if not text.strip():
        raise ArticleError(f"{path}: the file is empty")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    warnings: list[str] = []

    sources_at = SOURCES_HEADING.search("\n".join(lines))
    full = "\n".join(lines)
    head, sources_block = (full[:sources_at.start()], full[sources_at.end():]) if sources_at else (full, "")

    head_lines = [line.strip() for line in head.split("\n")]
    non_empty = [line for line in head_lines if line]
    published = _parse_date(non_empty[0]) if non_empty else None
    if published is not None:
        non_empty = non_empty[1:]
    raw_title = non_empty[0] if non_empty else ""
    body_lines = non_empty[1:]
    body = "\n\n".join(body_lines)
    title = recover_title_words(raw_title, body) if raw_title else ""
    if needs_recovery(raw_title) and len(raw_title) > MAX_SQUASHED_TITLE:
        warnings.append(f"title line of {len(raw_title)} characters without spaces: "
                        f"left as it is (words are recovered up to {MAX_SQUASHED_TITLE})")

    cited: list[str] = _urls_in_sources(sources_block) if sources_at else []
    claims: dict[str, str] = {}
    for inline in _BARE_URL.finditer(body):
        url = _strip_trailing(inline.group())
        cited.append(url)
        if (claim := _claim_before(body, inline.start())) is not None:
            claims.setdefault(url, claim)
    if not sources_at:
        warnings.append("no sources section (Quellen:/Sources:) found")
    unique: dict[str, None] = {}
    for url in cited:
        if url in unique:
            warnings.append(f"URL cited more than once: {url}")
        unique.setdefault(url)
    if not unique:
        warnings.append("no cited URLs found")
    return Article(
        path=path, title=title, date=published, body=body,
        cited_urls=tuple(CitedUrl(url, url_problem(url), claims.get(url)) for url in unique),
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        warnings=tuple(warnings),
    )


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_CLAIM_MIN = 25      # characters: a shorter piece before the URL ("siehe", "laut") leans on the sentence before
_CLAIM_MAX = 600


def _claim_before(body: str, at: int) -> str | None:
    """The sentence an inline URL at `at` backs: the one it stands in, or the one it follows."""
    # The body's lines are joined with blank lines, wrapped sentences too: sentences decide, not lines.
    before = " ".join(_BARE_URL.sub(" ", body[max(0, at - 4 * _CLAIM_MAX):at]).split()).rstrip(" ([{<:–—-")
    sentences = [s for s in _SENTENCE_END.split(before) if s.strip()]
    if not sentences:
        return None
    claim = sentences[-1]
    if len(claim) < _CLAIM_MIN and len(sentences) > 1:
        claim = f"{sentences[-2]} {claim}"
    claim = " ".join(claim.split())[-_CLAIM_MAX:]
    return claim if len(claim) >= _CLAIM_MIN else None


def url_problem(url: str) -> str | None:
    """Why `url` cannot be checked (None when it is a well-formed http(s) URL), in words an editor
    can act on: "scheme misspelt: htps://", "no scheme", "space inside the URL", "empty host"."""
    if SPACE_MARK in url or any(ch.isspace() for ch in url):
        return "space inside the URL"
    scheme = _SCHEME.match(url)
    if scheme is None:
        return "no scheme" if "://" not in url else "scheme missing before ://"
    name, separator = scheme.group(1).lower(), scheme.group(2)
    if name in _OTHER_SCHEMES:
        return f"scheme {name!r} is not http(s)"
    if name in ("http", "https") and separator == ":///":
        return "empty host"
    if name not in ("http", "https") or separator != "://":
        if separator == "://" and not _near_http(name):
            return f"scheme {name!r} is not http(s)"
        return f"scheme misspelt: {scheme.group(0)}"
    if _GLUED_URL.search(url, scheme.end()):
        return "two URLs run together"
    try:
        parsed = httpx.URL(url)
        host = parsed.host  # decodes IDNA, which can fail on a bad xn-- label
    except (httpx.InvalidURL, ValueError) as exc:
        return f"malformed URL: {exc}"
    if not host:
        return "empty host"
    if "." not in host and host != "localhost" and ":" not in host and not host.isdigit():
        return f"host {host!r} is not a domain name"
    return None


def _near_http(scheme: str) -> bool:
    """A typo of http or https ("htp", "htps", "hhttps", "ttps", "hxxps")."""
    return min(Levenshtein.distance(scheme, "http"), Levenshtein.distance(scheme, "https")) <= 2


def _parse_date(line: str) -> date | None:
    for pattern, order in _DATE_PATTERNS:
        found = pattern.match(line)
        if found:
            parts = dict(zip(order, map(int, found.groups())))
            try:
                return date(parts["year"], parts["month"], parts["day"])
            except ValueError:
                return None
    return None


def _urls_in_sources(block: str) -> list[str]:
    """Every URL of a sources section, malformed ones too (they become `invalid` citations):
    separated by ' - ' or white space, possibly wrapped over lines; a URL with a space inside
    stays one citation, marked with SPACE_MARK where the space was."""
    urls = []
    for line in _logical_lines(block):
        tokens = line.split()
        at = 0
        while at < len(tokens):
            written = tokens[at].lstrip(_LEADING_PUNCTUATION)
            url = _strip_trailing(written)
            at += 1
            if not _looks_like_url(url):  # words beside the URLs ("DPA,", "[PDF]", "abgerufen am")
                continue
            ended = url != written  # punctuation after a URL ends it
            while not ended and at < len(tokens) and _continues_after_space(url, tokens[at]):
                written = tokens[at]
                url += SPACE_MARK + _strip_trailing(written)
                ended = _strip_trailing(written) != written
                at += 1
            urls.append(url)
    return urls


def _logical_lines(block: str) -> list[str]:
    """The section's lines, a URL wrapped over a line end joined again."""
    joined: list[str] = []
    after_blank = False
    for line in block.split("\n"):
        stripped = line.strip()
        if not stripped:
            after_blank = True
            continue
        first, _, rest = stripped.partition(" ")
        if joined and not after_blank and _continues_url(joined[-1], first):
            joined[-1] += first
            if rest:
                joined.append(rest)
        else:
            joined.append(stripped)
        after_blank = False
    return joined


def _continues_url(previous: str, token: str) -> bool:
    """A line's first word is the rest of a wrapped URL when the previous line ends inside a URL."""
    last = previous.split()[-1] if previous.split() else ""
    if "://" not in last or token in _SEPARATORS or token.lower().startswith(("http", "www.")):
        return False
    if _URL_CONTINUATION.match(token) is None:
        return False
    # URL punctuation or digits, or a lower-case word completing a word cut at the line end.
    return any(c in token for c in "/-_.=?&%0123456789") or (token.islower() and last[-1].isalpha())


def _continues_after_space(url: str, token: str) -> bool:
    """The next word on the line is more of the URL, cut off by a space: the rest of an unfinished
    host ("https://exa mple.org/a"), or a lower-case path piece ("…/some path.html")."""
    token = _strip_trailing(token)
    if not token or token in _SEPARATORS or _URL_CONTINUATION.match(token) is None:
        return False
    if not any(c.isalpha() for c in token) or token.lower().startswith(("http", "www.")):
        return False
    after_scheme = url.partition("://")[2]
    if after_scheme and "/" not in after_scheme and "." not in after_scheme:
        return True
    if _looks_like_url(token):
        return False
    return any(c in token for c in "/=&%?") or (token.islower() and (
        "-" in token.strip("-") or "_" in token or _FILE_END.search(token) is not None))


def _looks_like_url(token: str) -> bool:
    """A scheme (misspelt ones too), a www. start, or a host.tld/path shape: worth citing, even if
    malformed."""
    if "://" in token or token.lower().startswith("www.") or _HOST_PATH.match(token) is not None:
        return True
    scheme = _SCHEME.match(token)
    return scheme is not None and "." in token[scheme.end():] and (
        scheme.group(1).lower() in ("http", "https") or _near_http(scheme.group(1).lower()))


def _strip_trailing(url: str) -> str:
    while url and url[-1] in _TRAILING_PUNCTUATION:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break  # Wikipedia-style URLs keep their balanced parenthesis
        url = url[:-1]
    return url


def _decode(raw: bytes, path: str) -> tuple[str, tuple[str, ...]]:
    if not raw.strip():
        raise ArticleError(f"{path}: the file is empty")
    if b"\x00" in raw[:8192] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ArticleError(f"{path}: this is a binary file, not an article text")
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if raw.startswith(bom):
            try:
                return raw.decode(encoding).lstrip("\ufeff"), ()
            except UnicodeDecodeError as exc:
                raise ArticleError(f"{path}: starts with a {encoding} mark but is not {encoding}: {exc}") from exc
    warnings: tuple[str, ...] = ()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text, warnings = raw.decode("cp1252", errors="replace"), ("file is not UTF-8; read as windows-1252",)
    if _control_share(text) > 0.05:
        raise ArticleError(f"{path}: not a text file (control characters; neither UTF-8 nor windows-1252 text)")
    return text, warnings


def _control_share(text: str) -> float:
    return len(_CONTROL.findall(text)) / max(1, len(text))


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]")  # control characters but tab and line ends
