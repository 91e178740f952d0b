"""Main text of an HTML document: drop boilerplate by structure and text density, keep the article."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum

import ahocorasick
from selectolax.lexbor import LexborHTMLParser, LexborNode

# Elements that never carry article prose.
NON_CONTENT_TAGS = ("script", "style", "noscript", "template", "svg", "iframe", "object", "embed",
                    "canvas", "video", "audio", "picture", "img", "button", "select", "textarea",
                    "input")
INLINE_TAGS = frozenset(("a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em",
                         "font", "i", "ins", "kbd", "label", "mark", "q", "s", "samp", "small",
                         "span", "strong", "sub", "sup", "time", "u", "var", "wbr", "tt", "big",
                         "td", "th"))
# A table row is one block: cells alone are too short to count as prose.
CELL_TAGS = frozenset(("td", "th"))
STOP_AT = frozenset(("body", "html"))
# Short text in these is still article text when the container holds it: subheads, list items.
STRUCTURED_TEXT_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6", "li", "dd", "dt", "tr"))
# Text in these is not running prose when a hinted box is weighed: offers, other stories' titles.
LISTED_TEXT = "li, h1, h2, h3, h4, h5, h6"
# Elements the article's own short lines sit in; a run of short lines in other elements (a <div>
# per title) is a list of other stories.
PARAGRAPH_TAGS = STRUCTURED_TEXT_TAGS | {"p", "blockquote", "pre"}
# Sure furniture: elements always, class names unless they wrap most of the page.
FURNITURE_TAGS = ("nav", "footer", "dialog", "menu")
FURNITURE_WORDS = ("cookie", "consent", "gdpr", "newsletter", "breadcrumb", "share", "sharing",
                   "social", "comment", "disqus", "footer", "navbar", "navigation", "outbrain",
                   "taboola", "skiplink", "meistgelesen")
FURNITURE_TOKENS = frozenset(("nav", "menu", "skip", "pager", "masthead"))
# Hints also found on content wrappers ("Section--ads", "main-sticky-sidebar", "modal-enabled",
# old sites wrapping everything in <form>): they count only when the element holds no prose.
HINT_TAGS = ("aside", "form", "figure")
HINT_WORDS = ("teaser", "promo", "sponsor", "advert", "banner", "widget",
              "anzeige", "werbung", "modal", "popup", "login", "subscribe", "signup",
              "toolbar", "pagination", "byline", "empfehlung", "newsticker", "paywall", "upsell",
              "caption", "credit", "copyright", "image", "photo", "foto")
# Hints at boxes beside the article (author blurbs, sidebars, related stories): kept for their
# prose only when they wrap the main block, since then they are the article's own wrapper.
BESIDE_WORDS = ("author", "autor", "sidebar", "related", "recommend")
HINT_TOKENS = frozenset(("ad", "ads", "adv", "more", "hidden", "meta", "tags", "aside"))
BOILERPLATE_ROLES = ("navigation", "banner", "contentinfo", "complementary", "dialog",
                     "alertdialog", "search", "menu", "menubar", "toolbar")


class Furniture(Enum):
    """How sure an element is furniture (see _furniture_kind)."""

    ELEMENT = "element"   # nav, footer, ARIA roles: always
    STRONG = "strong"     # a furniture class name: unless it wraps most of the page
    BESIDE = "beside"     # an author box, a sidebar: unless it holds prose and wraps the main block
    WEAK = "weak"         # a hint such as 'teaser': unless it holds prose


NAME_KINDS = (Furniture.STRONG, Furniture.BESIDE, Furniture.WEAK)      # in order of precedence
TAG_KINDS = {**dict.fromkeys(FURNITURE_TAGS, Furniture.ELEMENT), **dict.fromkeys(HINT_TAGS, Furniture.WEAK)}
# Block elements only: inline furniture (a share link, a byline span) weighs little in the scores.
# (One :is() list, not a selector per tag and attribute: Lexbor tries every selector on every node.)
CANDIDATES = ", ".join([":is(div, section, ul, ol, p, table, dl):is([class], [id])",
                        "header", *FURNITURE_TAGS, *HINT_TAGS, "[role]", "[hidden]", "[aria-hidden]"])
SPACE = re.compile(r"\s+")
# Labels of furniture that sits inside the article column: box headings, calls to action, credits.
FURNITURE_LABEL = re.compile(
    r"^(?:(?:kommentare|kommentieren|teilen|anzeige|werbung|empfehlungen|meistgelesen|related|"
    r"recommended|advertisement|share this|comments|read more)[\s:.!?…-]*$|"
    r"mehr zum thema|weitere (?:informationen|artikel|nachrichten|themen)|mehr (?:aus|zu|von) |"
    r"das könnte sie (?:auch )?interessieren|auch interessant|lesen sie (?:auch|mehr)|"
    r"more (?:on|from|about) |you (?:may|might) also like|(?:titel)?(?:bild|foto)(?:quelle)?:)",
    re.IGNORECASE)
FURNITURE_LABEL_LENGTH = 80
# Said by short boxes in the article column that are not the article: appeals for money or
# sign-ups, opinion disclaimers; and the start of a citation hint. Both match lowercase text: each
# alternative starts with a literal and no IGNORECASE, which keeps them fast on every block.
FURNITURE_SENTENCE = re.compile(
    r"consider supporting|support (?:our|independent) (?:work|journalism)|"
    r"unterstützen sie (?:uns|unsere|unabhängigen)|zeigen sie ihre wertschätzung|jetzt spenden|"
    r"gibt (?:nur )?die meinung (?:des|der) (?:autors|autorin|verfasser)|"
    r"not (?:necessarily )?reflect the (?:views|opinions?)")
CITATION_LABEL = re.compile(r"suggested citation|zitiervorschlag|zitierhinweis|how to cite|cite this")
# Elements a box label sits in; a short <p> or <li> beside an ad slot is still article text.
LABEL_TAGS = frozenset(("h2", "h3", "h4", "h5", "h6", "div", "header", "strong", "b"))
CREDIT_LENGTH = 300        # a short block with a copyright sign is a photo credit or a footer
SENTENCE_END = re.compile(r"[.!?:\"“”»«)]\s*$")
# A furniture element holding more than this share of the page's text is a wrapper, not furniture.
WRAPPER_SHARE = 0.5
MIN_PARAGRAPH = 25         # characters a block needs before it counts as prose
LINK_PENALTY = 1.5         # link text weighs this much against the container
MAX_LINK_DENSITY = 0.45    # blocks with more link text than this are teasers or menus
PROSE_PARAGRAPH = 120      # characters of a paragraph of running text
TEASER_UNIT = 600          # an element this small holding a headline link is a teaser
# Main text shorter than this may mean a hint took the article itself ("isPaywall" on a paywalled
# article's wrapper): read the page again keeping the hinted elements, and keep the longer text.
SHORT_MAIN_TEXT = PROSE_PARAGRAPH
HEADLINE_RUN = 4           # this many headline-like lines in a row are a list of other stories
BESIDE_SHARE = 0.5         # a box beside the article holding more of the prose is the article


@dataclass
class _Block:
    """Text gathered for one block-level element, with how much of it is link text."""

    node: LexborNode
    key: int                            # the element's mem_id
    rooted: bool                        # below <body>: text right in <body> is in no container
    in_link: bool                       # a block element inside <a>: a teaser card
    parts: list[str] = field(default_factory=list)
    link_chars: int = 0
    teaser: bool = False
    text: str = ""

    @property
    def is_link(self) -> bool:
        return self.link_chars > MAX_LINK_DENSITY * len(self.text)


@dataclass
class _Tree:
    """The elements that hold text blocks, and their ancestors below <body>, as parent pointers.

    Pointers, not a chain of ancestors per block: those chains weigh the square of the depth
    (40,000 nested <div>s: 7.7 GB). Every element comes after its parent in `parent`, so a walk
    over it in reverse adds each subtree up before its parent's."""

    parent: dict[int, int | None] = field(default_factory=dict)
    in_link: dict[int, bool] = field(default_factory=dict)    # an <a> at or above the element

    def up(self, key: int) -> Iterator[int]:
        """The element and its ancestors, up to below <body>."""
        current: int | None = key
        while current is not None:
            yield current
            current = self.parent[current]

    def at_or_below(self, keys: set[int]) -> set[int]:
        """The elements that are one of `keys` or below one of them."""
        found: set[int] = set()
        for key, parent in self.parent.items():  # parents first
            if key in keys or parent in found:
                found.add(key)
        return found

    def subtree_sums(self, own: dict[int, float]) -> dict[int, float]:
        """Per element, the sum of `own` over its subtree."""
        sums = dict.fromkeys(self.parent, 0.0)
        for key, value in own.items():
            sums[key] += value
        for key in reversed(self.parent):
            parent = self.parent[key]
            if parent is not None:
                sums[parent] += sums[key]
        return sums


@dataclass(frozen=True)
class _Removed:
    """What furniture removal leaves behind for the later steps (element mem_ids)."""

    beside: set[int]     # boxes hinted as beside the article, kept for their size or prose
    emptied: set[int]    # parents of removed furniture


def strip_non_content(tree: LexborHTMLParser) -> None:
    """Remove scripts, styles, media and controls: nothing in them is visible prose."""
    tree.strip_tags(list(NON_CONTENT_TAGS))


@dataclass(frozen=True)
class MainText:
    """The article's text, and where in it the captions of its pictures stand."""

    text: str
    caption_spans: tuple[tuple[int, int], ...] = ()   # (start, end) offsets of <figure> text


def main_text(tree: LexborHTMLParser, page_length: int, keep_hinted: bool = False) -> str:
    """The article's text as paragraphs separated by blank lines (see main_text_parts)."""
    return main_text_parts(tree, page_length, keep_hinted).text


def main_text_parts(tree: LexborHTMLParser, page_length: int, keep_hinted: bool = False) -> MainText:
    """The article's text as paragraphs separated by blank lines, from a tree without non-content,
    with the spans of the paragraphs that stand in a <figure> or <figcaption> (a caption names
    what a picture shows, often of another story: a gallery, a symbol photo).

    `page_length` is the length of the page's visible text; the tree is modified. `keep_hinted`
    keeps the elements only hinted at as furniture ('teaser', 'paywall'...): the second try when
    the first found too little (see SHORT_MAIN_TEXT).
    """
    body = tree.body
    if body is None:
        return MainText("")
    removed = _remove_furniture(body, page_length, keep_hinted)
    blocks, elements = _blocks(body)
    if not blocks:
        return MainText("")
    _mark_teasers(blocks, elements, removed.emptied)
    scores = _scores(blocks, elements)
    container = max(scores, key=scores.__getitem__) if scores else None
    if container is not None:
        # A box beside the article holding little of the container's prose: an author blurb or sidebar.
        limit = BESIDE_SHARE * scores[container]
        beside = {key for key in removed.beside if scores.get(key, 0.0) < limit}
        inside = _main_block(elements, container, beside)
        blocks = [b for b in blocks if b.rooted and inside[b.key]]
    figures = {node.mem_id for node in body.css("figure, figcaption")}
    return _joined(_prose(blocks), elements.at_or_below(figures) if figures else set())


def _joined(paragraphs: list[_Block], in_figures: set[int]) -> MainText:
    """`in_figures`: the elements in a <figure> or <figcaption>."""
    texts: list[str] = []
    captions: list[tuple[int, int]] = []
    offset = 0
    for block in paragraphs:
        if texts:
            offset += 2
        if block.rooted and block.key in in_figures:
            captions.append((offset, offset + len(block.text)))
        texts.append(block.text)
        offset += len(block.text)
    return MainText("\n\n".join(texts), tuple(captions))


def _main_block(tree: _Tree, container: int, beside: set[int]) -> dict[int, bool]:
    """Per element: inside the container and not inside a box beside the article below it."""
    inside: dict[int, bool] = {}
    for key, parent in tree.parent.items():  # parents first
        inside[key] = key == container or (parent is not None and inside[parent] and key not in beside)
    return inside


def _furniture_kind(node: LexborNode, names_seen: dict[tuple, Furniture | None]) -> Furniture | None:
    """How sure a node is furniture, or None."""
    tag = node.tag or ""
    kind = TAG_KINDS.get(tag)
    if kind is Furniture.ELEMENT:
        return kind
    attributes = node.attributes
    get = attributes.get
    if kind is None:
        if tag == "header":
            return None if node.css_first("h1") is not None else Furniture.ELEMENT
        if tag in ("main", "article"):
            return None
        if get("role") in BOILERPLATE_ROLES or get("aria-hidden") == "true":
            return Furniture.ELEMENT
        if get("itemprop") == "articleBody":
            return None
    names = (get("class"), get("id"))
    if names in names_seen:
        said = names_seen[names]
    else:
        said = names_seen[names] = _names_kind(f"{names[0] or ''} {names[1] or ''}")
    if kind is Furniture.WEAK:
        # <aside>, <form>, <figure>: the names only tell whether the box sits beside the article.
        return Furniture.BESIDE if said is Furniture.BESIDE else kind
    return said or (Furniture.WEAK if "hidden" in attributes else None)


def _names_kind(names: str) -> Furniture | None:
    """The furniture kind said by class and id names."""
    # Opinion pieces are "commentary"; that is the article, not its comments.
    names = names.lower().replace("commentary", "")
    best = len(NAME_KINDS)
    for end, senses in _NAME_WORDS.iter(names):
        for rank, whole_token, length in senses:
            if rank < best and (not whole_token or _is_token(names, end + 1 - length, end + 1)):
                best = rank
        if best == 0:
            break
    return NAME_KINDS[best] if best < len(NAME_KINDS) else None


def _is_token(names: str, start: int, end: int) -> bool:
    """names[start:end] is a whole token: no ASCII letter or digit right before or after it."""
    return ((start == 0 or not (names[start - 1].isascii() and names[start - 1].isalnum()))
            and (end == len(names) or not (names[end].isascii() and names[end].isalnum())))


def _name_words() -> ahocorasick.Automaton:
    """Every furniture word of class and id names, with its kind's rank and whether it must be a
    whole token ('nav', 'ad'): one pass over the names instead of a pattern per word list."""
    automaton = ahocorasick.Automaton()
    for rank, words, whole_token in ((0, FURNITURE_WORDS, False), (0, FURNITURE_TOKENS, True),
                                     (1, BESIDE_WORDS, False), (2, HINT_WORDS, False),
                                     (2, HINT_TOKENS, True)):
        for word in words:
            automaton.add_word(word, (*automaton.get(word, ()), (rank, whole_token, len(word))))
    automaton.make_automaton()
    return automaton


_NAME_WORDS = _name_words()


def _has_prose(node: LexborNode) -> bool:
    """Running text: long paragraphs with few links; teaser blurbs are shorter, menus are links."""
    prose = 0
    for paragraph in node.css("p"):
        text = paragraph.text(deep=True)
        if len(text) >= PROSE_PARAGRAPH:
            links = sum(len(a.text(deep=True)) for a in paragraph.css("a"))
            prose += len(text) if links < 0.3 * len(text) else 0
            if prose >= 2 * PROSE_PARAGRAPH:
                return True
    # Text without <p> (<br>-separated posts): enough words outside links, headings and lists
    # (offers in a paywall box, a list of other stories' titles).
    text_length = len(SPACE.sub(" ", node.text(deep=True)))
    link_length = sum(len(SPACE.sub(" ", a.text(deep=True))) for a in node.css("a"))
    if text_length - link_length < 3 * PROSE_PARAGRAPH or link_length >= 0.25 * text_length:
        return False
    listed = sum(len(SPACE.sub(" ", n.text(deep=True))) for n in node.css(LISTED_TEXT))
    return text_length - listed >= 3 * PROSE_PARAGRAPH


def _remove_furniture(body: LexborNode, page_length: int, keep_hinted: bool = False) -> _Removed:
    names_seen: dict[tuple, Furniture | None] = {}
    removed = _Removed(set(), set())
    in_page, gone = {body.mem_id}, set[int]()
    previous = None
    for node in body.css(CANDIDATES):  # in document order; twice in a row when two selectors match
        repeated, previous = node.mem_id == previous, node.mem_id
        if repeated or not _in_page(node, in_page, gone):
            continue  # most candidates are inside furniture removed already
        kind = _furniture_kind(node, names_seen)
        if kind is None:
            continue
        if kind is Furniture.ELEMENT:
            _remove(node, removed.emptied, gone)
            continue
        if kind is not Furniture.STRONG and keep_hinted:
            continue
        length = len(node.text(deep=True))
        # Lists are never the article's wrapper, however long (comment threads).
        if (length >= WRAPPER_SHARE * page_length and node.tag not in ("ul", "ol")
                or kind is not Furniture.STRONG and length >= 2 * PROSE_PARAGRAPH and _has_prose(node)):
            if kind is Furniture.BESIDE:
                removed.beside.add(node.mem_id)
            continue
        _remove(node, removed.emptied, gone)
    return removed


def _in_page(node: LexborNode, in_page: set[int], gone: set[int]) -> bool:
    """Whether a candidate is still in the page, not inside removed furniture. `in_page` and `gone`
    hold the elements known to be in the page and removed (or inside removed ones); every walk up
    adds to them, so all walks together visit each element once. An element found in the page
    stays there: candidates come in document order, and removed ones never hold an earlier one."""
    if node.mem_id in in_page:
        return True  # <body> itself (css() returns it when it matches): removed, it still holds the text read
    walked: list[int] = []
    parent = node.parent
    while parent is not None:
        key = parent.mem_id
        if key in in_page or key in gone:
            (in_page if key in in_page else gone).update(walked)
            return key in in_page
        walked.append(key)
        parent = parent.parent
    gone.update(walked)
    return False


def _remove(node: LexborNode, emptied: set[int], gone: set[int]) -> None:
    parent = node.parent
    if parent is not None:
        emptied.add(parent.mem_id)
    gone.add(node.mem_id)
    node.remove()


def _blocks(body: LexborNode) -> tuple[list[_Block], _Tree]:
    """Text of the page grouped by its nearest block-level element, in document order, and the
    tree of those elements."""
    blocks: dict[int, _Block] = {}
    tree = _Tree()
    enclosing: dict[int, tuple[LexborNode | None, bool, bool]] = {}
    for node in body.traverse(include_text=True):
        tag = node.tag
        if tag == "-text":
            text = node.text_content
            if not text or text.isspace():
                continue
        elif tag != "br":
            continue
        else:
            text = "\n"
        parent, in_link, in_cell = _enclosing_block(node.parent, enclosing)
        if parent is None:
            continue
        key = parent.mem_id
        block = blocks.get(key)
        if block is None:
            rooted = _add_to_tree(parent, tree)
            block = blocks[key] = _Block(parent, key, rooted, rooted and tree.in_link[key])
        block.parts.append(f" {text}" if in_cell else text)
        if in_link or block.in_link:
            block.link_chars += len(text.strip())
    for block in blocks.values():
        block.text = " ".join("".join(block.parts).split())
    return [b for b in blocks.values() if b.text], tree


def _enclosing_block(node: LexborNode | None, known: dict[int, tuple[LexborNode | None, bool, bool]]
                     ) -> tuple[LexborNode | None, bool, bool]:
    """The nearest non-inline element at or above `node`, and whether inline elements on the way
    include a link or a table cell; `known` holds the answers for inline elements already seen."""
    walked: list[tuple[int, str]] = []
    found: tuple[LexborNode | None, bool, bool] = (None, False, False)
    while node is not None:
        tag = node.tag
        if tag not in INLINE_TAGS:
            found = (node, False, False)
            break
        key = node.mem_id
        if key in known:
            found = known[key]
            break
        walked.append((key, tag))
        node = node.parent
    block, in_link, in_cell = found
    for key, tag in reversed(walked):
        in_link, in_cell = in_link or tag == "a", in_cell or tag in CELL_TAGS
        known[key] = (block, in_link, in_cell)
    return block, in_link, in_cell


def _add_to_tree(node: LexborNode | None, tree: _Tree) -> bool:
    """Add the element and its ancestors up to below <body> to the tree; False for <body> itself."""
    walked: list[tuple[int, bool]] = []
    above: int | None = None
    while node is not None:
        key = node.mem_id
        if key in tree.parent:
            above = key
            break
        if node.tag in STOP_AT:
            break
        walked.append((key, node.tag == "a"))
        node = node.parent
    in_link = tree.in_link[above] if above is not None else False
    for key, is_link in reversed(walked):
        in_link = in_link or is_link
        tree.parent[key], tree.in_link[key] = above, in_link
        above = key
    return above is not None


def _mark_teasers(blocks: list[_Block], tree: _Tree, emptied: set[int]) -> None:
    """A text block sharing a small element with a link block (its headline) is a teaser blurb.

    The article's own header (h1, lead, byline link) looks alike; the h1 tells it apart. A short
    heading left alone in an element whose furniture was removed is that box's label (a
    "Download" or donation box heading): it goes with the box.
    """
    own_chars: dict[int, float] = {}
    own_links: dict[int, float] = {}
    own_h1: dict[int, float] = {}
    for block in blocks:
        if not block.rooted:
            continue
        own_chars[block.key] = len(block.text)
        own_links[block.key] = block.is_link and len(block.text) >= MIN_PARAGRAPH
        own_h1[block.key] = block.node.tag == "h1"
    chars, link_blocks, h1s = (tree.subtree_sums(own) for own in (own_chars, own_links, own_h1))
    for block in blocks:
        if not block.rooted:
            continue
        length = len(block.text)
        # Both walks stop where the text above grows past a small bound, so they stay short.
        if length < FURNITURE_LABEL_LENGTH and block.node.tag in LABEL_TAGS:
            for key in itertools.islice(tree.up(block.key), 1, None):
                if chars[key] > length:
                    break
                if key in emptied:
                    block.teaser = True
                    break
        for key in itertools.islice(tree.up(block.key), 1, None):
            if chars[key] > TEASER_UNIT or h1s[key]:
                break
            if link_blocks[key]:
                block.teaser = True
                break


def _scores(blocks: list[_Block], tree: _Tree) -> dict[int, float]:
    """Per element, the prose its subtree holds net of link text, teasers and fragments.

    The best-scoring element is the container of the main text; empty when all text sits right
    in <body>. In the order elements are first met going up from each block in turn, which
    decides between equal scores (the innermost of equal wrappers wins).
    """
    own: dict[int, float] = {}
    order: dict[int, None] = {}
    for block in blocks:
        if not block.rooted:
            continue
        length = len(block.text)
        if block.teaser:
            value = -float(length)
        else:
            value = (length - block.link_chars - MIN_PARAGRAPH) - LINK_PENALTY * block.link_chars
        own[block.key] = own.get(block.key, 0.0) + value
        for key in tree.up(block.key):
            if key in order:
                break  # and so are all above it
            order[key] = None
    sums = tree.subtree_sums(own)
    return {key: sums[key] for key in order}


def _mostly_figures(text: str) -> bool:
    """Dates, times and counters ("08.03.2024, 18:59 Uhr", "1 / 3"): page furniture, not prose."""
    letters = sum(c.isalpha() for c in text)
    return letters < len(text) / 2


def _prose(blocks: list[_Block]) -> list[_Block]:
    """Drop link-dense blocks, teasers and short fragments that do not introduce a paragraph."""
    texts = []
    # The headline is the page's title, read separately; main text starts below it.
    candidates = [b for b in blocks if not b.is_link and not b.teaser and b.node.tag != "h1"
                  and not (len(b.text) < CREDIT_LENGTH and _is_box_text(b.text))]
    titles = _headline_runs(candidates)
    for index, block in enumerate(candidates):
        text = block.text
        if index in titles:
            continue
        fragment = len(text) < MIN_PARAGRAPH * 2 and not SENTENCE_END.search(text)
        if fragment and _mostly_figures(text):
            continue
        if fragment and block.node.tag not in STRUCTURED_TEXT_TAGS:
            following = candidates[index + 1].text if index + 1 < len(candidates) else ""
            if len(following) < MIN_PARAGRAPH * 3:
                continue
        texts.append(block)
    return texts


def _is_box_text(text: str) -> bool:
    """A short text said by furniture in the article column: a box label, credit or appeal."""
    if len(text) < FURNITURE_LABEL_LENGTH and FURNITURE_LABEL.match(text):
        return True
    if "©" in text:
        return True
    lower = text.lower()
    return FURNITURE_SENTENCE.search(lower) is not None or CITATION_LABEL.match(lower) is not None


def _headline_runs(candidates: list[_Block]) -> set[int]:
    """Indexes of runs of headline-like blocks: a list of other stories ("Beliebt", "Top 10").

    Short lines without a full stop in plain elements (a <div> per title); the article's own short
    lines are headings, list items, table rows or paragraphs, or come one at a time.
    """
    runs: set[int] = set()
    run: list[int] = []
    for index, block in enumerate([*candidates, None]):
        if block is not None and _headline_like(block):
            run.append(index)
            continue
        if len(run) >= HEADLINE_RUN:
            runs.update(run)
        run = []
    return runs


def _headline_like(block: _Block) -> bool:
    text = block.text
    return (len(text) < FURNITURE_LABEL_LENGTH and block.node.tag not in PARAGRAPH_TAGS
            and not SENTENCE_END.search(text))
