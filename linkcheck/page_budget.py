"""What reading one page may cost, and the cheap look at its markup taken before it is parsed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

# HTML parsers check the stack of open elements at most start tags, so parsing costs the square of
# the nesting depth (lexbor: 40,000 nested <div>s take 3 s, 160,000 take 200 s). Real pages nest
# far less: the corpus's deepest estimate (below) is 87, its deepest tree 50; Blink stops nesting
# at 512. The estimate may run high (unclosed tags count), hence the margin.
MAX_TREE_DEPTH = 1_000
# Start tags of one page: the corpus's most is 7,052 (a 1.4 MB home page).
MAX_ELEMENTS = 250_000


class PageBudget(StrEnum):
    """Which limit a page went past."""

    DEPTH = "depth"          # elements nested deeper than MAX_TREE_DEPTH
    ELEMENTS = "elements"    # more than MAX_ELEMENTS elements
    CPU = "cpu"              # more CPU time than page_cpu_seconds
    MEMORY = "memory"        # more memory than page_memory_mb
    WALL = "wall"            # longer than page_seconds on the clock
    PDF = "pdf"              # PDF text not read within pdf_seconds


@dataclass(frozen=True)
class PageLimits:
    """What one page may cost in a page worker (the config keys of the same names)."""

    page_cpu_seconds: float = 30.0   # CPU time per page; the kernel stops the worker past it
    page_seconds: float = 60.0       # time on the clock per page, watched by the run
    page_memory_mb: int = 2048       # address space of a page worker
    pdf_seconds: float = 15.0        # CPU time for a PDF's text; the pages read by then are kept

    def exceeded(self, budget: PageBudget) -> PageBudgetExceeded:
        """The exception for a page that went past `budget` (CPU, memory, wall or PDF time)."""
        what = {PageBudget.CPU: f"more than {self.page_cpu_seconds:g} s of CPU time (page_cpu_seconds)",
                PageBudget.MEMORY: f"more than {self.page_memory_mb} MB of memory (page_memory_mb)",
                PageBudget.WALL: f"longer than {self.page_seconds:g} s (page_seconds)",
                PageBudget.PDF: f"more than {self.pdf_seconds:g} s of CPU time for its PDF text, "
                                "and no text was read by then (pdf_seconds)"}[budget]
        return PageBudgetExceeded(budget, f"reading it took {what}")


DEFAULT_LIMITS = PageLimits()


class PageBudgetExceeded(Exception):
    """A page would cost more to read than a page may; the message says which limit."""

    def __init__(self, budget: PageBudget, detail: str) -> None:
        super().__init__(budget, detail)
        self.budget = budget
        self.detail = detail

    def __str__(self) -> str:
        return self.detail


_TAG = re.compile(rb"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)")
# Never on the stack of open elements: void elements, and those closed by the parser when a
# sibling starts (they cannot nest by themselves, and counting them would make every page with
# unclosed <p>s and <li>s look deep).
_NOT_NESTING = frozenset(b"area base br col embed hr img input link meta param source track wbr keygen frame "
                         b"basefont bgsound image "
                         b"p li dt dd option optgroup tr td th thead tbody tfoot rb rt rp rtc colgroup "
                         b"caption html head body".split())
# Their content is text up to their end tag, not markup.
_RAW_TEXT_END = {name: re.compile(rb"</" + name + rb"[\s>/]", re.IGNORECASE)
                 for name in b"script style textarea title xmp iframe noembed noframes plaintext".split()}


def check_markup(html: bytes, max_depth: int = MAX_TREE_DEPTH, max_elements: int = MAX_ELEMENTS) -> None:
    """Raise PageBudgetExceeded when the markup nests deeper than `max_depth` or has more than
    `max_elements` start tags, by a scan of its tags (linear, no parse).

    The depth is an estimate from a stack of open tag names: an end tag closes up to the latest
    open element of its name and is ignored without one, as a parser does; elements whose end tag is
    optional are not counted (a table nests four elements per <table>, so the tree may be a few
    times deeper than the estimate, never the square)."""
    stack: list[bytes] = []
    open_count: dict[bytes, int] = {}
    elements = 0
    position = 0
    close = -1    # where the latest ">" looked for is
    while position < len(html):
        for tag in _TAG.finditer(html, position):
            is_end, name = tag.groups()
            name = name.lower()
            if is_end:
                if open_count.get(name):
                    while (closed := stack.pop()) != name:
                        open_count[closed] -= 1
                    open_count[name] -= 1
                continue
            elements += 1
            if elements > max_elements:
                raise PageBudgetExceeded(PageBudget.ELEMENTS, f"the page has more than {max_elements:,} elements")
            if name in _RAW_TEXT_END:
                end = _RAW_TEXT_END[name].search(html, tag.end())
                position = end.end() if end else len(html)
                break  # and look for tags again after its end tag
            if name in _NOT_NESTING:
                continue
            if close < tag.end():  # each byte is looked at once, also when no ">" follows ("<div <div ...")
                close = html.find(b">", tag.end()) % (len(html) + 1)  # none: len(html)
            if close < len(html) and html[close - 1] == 0x2F:  # <path .../>: self-closing in SVG and MathML
                continue
            stack.append(name)
            open_count[name] = open_count.get(name, 0) + 1
            if len(stack) > max_depth:
                raise PageBudgetExceeded(PageBudget.DEPTH, f"the page nests elements more than {max_depth:,} deep")
        else:
            return
