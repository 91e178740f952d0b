"""Main-text extraction scores of linkcheck.page and trafilatura on the shared news-page corpus,
and the speed of every extractor in MB of HTML per CPU second (one core) on the same pages.

Run: python bench/extraction.py   (corpus from $LINKCHECK_CORPUS or ../shared/corpus next to the repo)
The speed table puts Lexbor's parse alone, linkcheck's extraction, linkcheck's extraction and
entity matching, trafilatura and resiliparse (`extract_plain_text(main_content=True)`) side by
side, taking turns on batches of pages, with each one's token F1 on the pages with a truth body.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from statistics import mean

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from linkcheck.page import extract_page  # noqa: E402

TOKEN = re.compile(r"\w+")
SPACE = re.compile(r"\s+")
HTML_HEADERS = {"content-type": "text/html"}
SPEED_BATCH = 25


@dataclass(frozen=True)
class CorpusPage:
    source: str
    page_id: str
    url: str
    lang: str
    html: bytes
    truth: dict


def corpus_dir() -> Path | None:
    """The corpus folder, or None when it is not there."""
    configured = os.environ.get("LINKCHECK_CORPUS")
    candidate = Path(configured) if configured else REPO_ROOT.parent / "shared" / "corpus"
    return candidate if (candidate / "fundus").is_dir() else None


def load_source(root: Path, source: str) -> list[CorpusPage]:
    """Every page of one corpus source with its truth file."""
    pages = []
    for row in json.loads((root / source / "index.json").read_text()):
        page_id = row["id"]
        html_path = root / source / "html" / f"{page_id}.html"
        if not html_path.exists():
            html_path = html_path.with_name(f"{page_id}.html.gz")
        html = html_path.read_bytes()
        if html_path.suffix == ".gz":
            html = gzip.decompress(html)
        truth = json.loads((root / source / "truth" / f"{page_id}.json").read_text())
        pages.append(CorpusPage(source, page_id, row.get("url") or "", truth.get("lang") or "", html, truth))
    return pages


def ours(page: CorpusPage) -> str:
    """linkcheck's main text of a page."""
    return extract_page(page.html, HTML_HEADERS, page.url or "https://example.org/").main_text


def trafilatura_text(page: CorpusPage) -> str:
    """trafilatura's main text of a page (the reference peer; a bench-only dependency)."""
    import trafilatura

    # Comments are not main text in any of the truths; trafilatura keeps them unless told not to.
    return trafilatura.extract(page.html, url=page.url or None, include_comments=False) or ""


def lexbor_parse(page: CorpusPage) -> str:
    """Lexbor's parse alone, the floor under any extractor built on selectolax (no text)."""
    from selectolax.lexbor import LexborHTMLParser

    LexborHTMLParser(page.html)
    return ""


def resiliparse_text(page: CorpusPage) -> str:
    """resiliparse's main-content text (a bench-only peer)."""
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.encoding import bytes_to_str, detect_encoding
    from resiliparse.parse.html import HTMLTree

    tree = HTMLTree.parse(bytes_to_str(page.html, detect_encoding(page.html)))
    return extract_plain_text(tree, main_content=True)


def ours_and_match(pages: list[CorpusPage]) -> Callable[[CorpusPage], str]:
    """linkcheck's extraction followed by matching the key entities of an article made of the
    page's own title and first truth paragraph (what a verify run does with every page). The
    articles' entities are found before the clock starts: that is article loading, not matching."""
    from linkcheck.article import parse_article
    from linkcheck.entities import key_entities
    from linkcheck.match import EntityMatcher

    matchers = {}
    for page in pages:
        lead = (page.truth.get("body") or " ".join(page.truth.get("body_snippets") or [])).split("\n")[0]
        article = parse_article(f"01.01.2024\n{page.truth.get('title') or 'Titel'}\n\n{lead}\n\n"
                                "Quellen: https://example.org/a\n")
        matchers[page.page_id] = EntityMatcher(key_entities(article))

    def extract_and_match(page: CorpusPage) -> str:
        text = extract_page(page.html, HTML_HEADERS, page.url or "https://example.org/")
        matchers[page.page_id].match(text.title, text.main_text)
        return text.main_text

    return extract_and_match


def normalised(text: str) -> str:
    return SPACE.sub(" ", text).strip().lower()


def token_scores(extracted: str, truth: str) -> tuple[float, float, float]:
    """Bag-of-tokens precision, recall and F1 of lowercase word tokens."""
    got = Counter(TOKEN.findall(extracted.lower()))
    want = Counter(TOKEN.findall(truth.lower()))
    common = sum((got & want).values())
    precision = common / sum(got.values()) if got else 0.0
    recall = common / sum(want.values()) if want else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def snippet_scores(extracted: str, truth: dict) -> tuple[int, int, int, int]:
    """(body snippets found, body snippets, boilerplate snippets kept, boilerplate snippets)."""
    text = normalised(extracted)
    body = [normalised(s) for s in truth.get("body_snippets") or []]
    boilerplate = [normalised(s) for s in truth.get("boilerplate_snippets") or []]
    return (sum(s in text for s in body), len(body), sum(s in text for s in boilerplate), len(boilerplate))


def run(extractors: dict[str, Callable[[CorpusPage], str]], pages: list[CorpusPage]
        ) -> dict[str, tuple[dict[str, str], float, float]]:
    """Extracted text per page id, pages per second and MB of HTML per CPU second for each
    extractor.

    The extractors take turns on batches of pages, so a machine busy for a while slows them alike,
    while each batch runs the way a real run does: one extractor over many pages.
    """
    texts: dict[str, dict[str, str]] = {name: {} for name in extractors}
    seconds = dict.fromkeys(extractors, 0.0)
    cpu = dict.fromkeys(extractors, 0.0)
    for start in range(0, len(pages), SPEED_BATCH):
        batch = pages[start:start + SPEED_BATCH]
        for name, extractor in extractors.items():
            started, cpu_started = time.perf_counter(), time.process_time()
            for page in batch:
                texts[name][page.page_id] = extractor(page)
            seconds[name] += time.perf_counter() - started
            cpu[name] += time.process_time() - cpu_started
    megabytes = sum(len(page.html) for page in pages) / 1e6
    return {name: (texts[name], len(pages) / seconds[name], megabytes / max(cpu[name], 1e-9)) for name in extractors}


def f1_rows(pages: list[CorpusPage], texts: dict[str, str]) -> dict[str, tuple[float, float, float, int]]:
    """Mean precision, recall, F1 and page count per group (source, German only, overall)."""
    groups: dict[str, list[tuple[float, float, float]]] = {}
    for page in pages:
        scores = token_scores(texts[page.page_id], page.truth["body"])
        keys = [page.source, "overall"] + (["German only"] if page.lang == "de" else [])
        for key in keys:
            groups.setdefault(key, []).append(scores)
    return {key: (mean(s[0] for s in rows), mean(s[1] for s in rows), mean(s[2] for s in rows), len(rows))
            for key, rows in groups.items()}


def main() -> int:
    """Run both extractors over the corpus and print the table; 0 also when the corpus is absent."""
    root = corpus_dir()
    if root is None:
        print("SKIP: corpus not found (set LINKCHECK_CORPUS or put it at ../shared/corpus)")
        return 0
    try:
        import trafilatura  # noqa: F401
    except ImportError as error:
        print(f"trafilatura, the reference peer, cannot be imported ({error}); "
              "install the bench extra: pip install -e '.[bench]' lxml_html_clean")
        return 2
    snippet_pages = load_source(root, "trafilatura-de")
    body_pages = load_source(root, "fundus") + load_source(root, "scrapinghub-aeb")
    every_page = snippet_pages + body_pages
    results = {}
    extractors: dict[str, Callable[[CorpusPage], str]] = {
        "Lexbor parse alone": lexbor_parse, "linkcheck": ours, "linkcheck + matching": ours_and_match(every_page),
        "trafilatura": trafilatura_text}
    try:
        import resiliparse  # noqa: F401
        extractors["resiliparse"] = resiliparse_text
    except ImportError as error:
        print(f"resiliparse skipped: {error} (pip install -e '.[bench]')")
    runs = run(extractors, every_page)
    print_speed_table(runs, body_pages, every_page)
    print()
    for name in ("linkcheck", "trafilatura"):
        texts, pages_per_second, _ = runs[name]
        found = [snippet_scores(texts[p.page_id], p.truth) for p in snippet_pages]
        results[name] = {
            "snippets found": sum(r[0] for r in found) / sum(r[1] for r in found),
            "boilerplate kept": sum(r[2] for r in found) / sum(r[3] for r in found),
            "f1": f1_rows(body_pages, texts),
            "pages/s": pages_per_second,
        }
    print_table(results, len(snippet_pages), len(body_pages))
    return 0


def print_speed_table(runs: dict[str, tuple[dict[str, str], float, float]], body_pages: list[CorpusPage],
                      every_page: list[CorpusPage]) -> None:
    """MB of HTML per CPU second and token F1 of every extractor, fastest first."""
    megabytes = sum(len(page.html) for page in every_page) / 1e6
    ours_rate = runs["linkcheck"][2]
    print(f"speed on {len(every_page)} pages ({megabytes:.0f} MB of HTML), one core, in turns of {SPEED_BATCH} pages; "
          f"F1 on the {len(body_pages)} pages with a truth body")
    print(f"{'extractor':<24} {'MB/s per core':>14} {'x linkcheck':>12} {'P':>6} {'R':>6} {'F1':>6}")
    for name, (texts, _, rate) in sorted(runs.items(), key=lambda item: -item[1][2]):
        scores = f1_rows(body_pages, texts)["overall"] if any(texts.values()) else None
        quality = " ".join(f"{value:>6.3f}" for value in scores[:3]) if scores else f"{'-':>6} {'-':>6} {'-':>6}"
        print(f"{name:<24} {rate:>14.1f} {rate / ours_rate:>12.2f} {quality}")


def print_table(results: dict, snippet_count: int, body_count: int) -> None:
    """The side-by-side table of both extractors."""
    ours_, peer = results["linkcheck"], results["trafilatura"]
    print(f"{'metric':<42} {'linkcheck':>10} {'trafilatura':>12}")
    print("-" * 66)
    print(f"trafilatura-de ({snippet_count} pages)")
    for key in ("snippets found", "boilerplate kept"):
        print(f"  {key:<40} {ours_[key]:>10.1%} {peer[key]:>12.1%}")
    print(f"token P / R / F1 vs truth body ({body_count} pages)")
    for group in ("fundus", "scrapinghub-aeb", "German only", "overall"):
        a, b = ours_["f1"][group], peer["f1"][group]
        label = f"{group} (n={a[3]})"
        for index, measure in enumerate(("P", "R", "F1")):
            print(f"  {label + ' ' + measure:<40} {a[index]:>10.3f} {b[index]:>12.3f}")
    print(f"{'pages/second (all pages)':<42} {ours_['pages/s']:>10.1f} {peer['pages/s']:>12.1f}")
    print(f"{'speed ratio':<42} {ours_['pages/s'] / peer['pages/s']:>10.1f}x")
    print("snippets: share of annotated snippets found verbatim (whitespace and case folded);")
    print("P/R/F1: per-page bag of lowercase word tokens against the truth body, averaged over pages.")


if __name__ == "__main__":
    raise SystemExit(main())
