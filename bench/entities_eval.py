"""Extraction and matching quality of linkcheck.entities and linkcheck.match on labelled articles.

    .venv/bin/python bench/entities_eval.py [--grid]

Labels: tests/data/entities_labels.json (ids and entities only; the text comes from the corpus).
Corpus: $LINKCHECK_CORPUS or ../shared/corpus next to the repository; without it: skipped, exit 0.

Extraction: entity-level precision and recall of key_entities (numbers left out), alias-aware.
Matching: precision and recall of the supports rule on (article, page) pairs:
  positives: the article's own page, each third of its own page (a source that covers only part
             of the story), and pages of other articles about the same story (also cross-language);
  negatives: every other labelled article's page, except pairs labelled as related.
--grid prints the whole grid of (min score, min specific entities) behind the calibrated rule.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from linkcheck.article import Article, parse_article  # noqa: E402
from linkcheck.article_loader import with_commonness  # noqa: E402
from linkcheck.entities import Entity, EntityKind, key_entities  # noqa: E402
from linkcheck.match import (  # noqa: E402
    SUPPORT_MIN_SCORE,
    SUPPORT_MIN_SPECIFIC,
    EntityMatcher,
    is_distinctive,
    is_specific,
    supports,
)
from linkcheck.spelling import fold  # noqa: E402

LABELS = REPO / "tests" / "data" / "entities_labels.json"
SCORE_GRID = [round(0.02 * i, 2) for i in range(0, 26)]
SPECIFIC_GRID = [0, 1, 2, 3]


def corpus_dir() -> Path | None:
    """The shared corpus, or None when it is not there."""
    candidates = [os.environ.get("LINKCHECK_CORPUS"), str(REPO.parent / "shared" / "corpus")]
    for candidate in candidates:
        if candidate and (Path(candidate) / "fundus" / "truth").is_dir():
            return Path(candidate)
    return None


@dataclass(frozen=True)
class Page:
    title: str
    main_text: str


def load_article(doc_id: str, corpus: Path) -> tuple[Article, Page]:
    """The labelled article and its own page (title + main text)."""
    source, name = doc_id.split(":", 1)
    if source == "seed":
        article = parse_article((REPO / "seeds" / f"{name}.txt").read_text(encoding="utf-8"), name)
        return article, Page(article.title, article.body)
    truth = json.loads((corpus / "fundus" / "truth" / f"{name}.json").read_text(encoding="utf-8"))
    article = Article(path=doc_id, title=truth["title"], date=None, body=truth["body"],
                      cited_urls=(), content_hash="")
    return article, Page(truth["title"], truth["body"])


def load_labels() -> dict:
    return json.loads(LABELS.read_text(encoding="utf-8"))


# -- extraction ------------------------------------------------------------------------------------

def _forms(names) -> set[str]:
    """Folded forms, each word without its German inflectional ending (Europäischen Kommission
    is the label Europäische Kommission; Fortuna Düsseldorfs is Fortuna Düsseldorf)."""
    return {" ".join(_stem(w) for w in fold(n).split()) for n in names}


def _stem(word: str) -> str:
    for ending in ("en", "es", "er", "em", "e", "s", "n"):
        if len(word) > len(ending) + 3 and word.endswith(ending):
            return word[:-len(ending)]
    return word


def score_extraction(predicted: tuple[Entity, ...], label: dict
                     ) -> tuple[int, int, int, list, list]:
    """(true positives, false positives, false negatives, missed labels, spurious predictions)."""
    gold = [(entry[0], _forms(entry[:1] + entry[2:])) for entry in label["entities"]]
    optional = _forms(label.get("optional", []))
    unmatched = list(gold)
    tp, spurious = 0, []
    predicted = [e for e in predicted if e.kind is not EntityKind.NUMBER]
    matched: set[str] = set()
    for by_name_only in (True, False):  # names first, so a shared surname cannot steal a label
        for entity in predicted:
            if entity.name in matched:
                continue
            forms = _forms((entity.name,) if by_name_only else (entity.name, *entity.aliases))
            hit = next((g for g in unmatched if forms & g[1]), None)
            if hit:
                unmatched.remove(hit)
                matched.add(entity.name)
                tp += 1
    for entity in predicted:
        forms = _forms((entity.name, *entity.aliases))
        if entity.name not in matched and not forms & optional \
                and not any(forms & g[1] for g in gold):  # a second form of a found label: ignore
            spurious.append(entity.name)
    return tp, len(spurious), len(unmatched), [g[0] for g in unmatched], spurious


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


# -- matching --------------------------------------------------------------------------------------

def thirds(page: Page) -> list[Page]:
    """The page cut into three runs of paragraphs: a source that covers only part of the story."""
    paragraphs = [p for p in page.main_text.split("\n") if p.strip()]
    if len(paragraphs) < 3:
        return []
    size = -(-len(paragraphs) // 3)
    return [Page("", "\n\n".join(paragraphs[i:i + size])) for i in range(0, len(paragraphs), size)]


@dataclass(frozen=True)
class Pair:
    article: str
    page: str
    positive: bool
    score: float
    found: tuple[Entity, ...]
    available: int       # specific entities the article has
    distinctive: int = 0  # of them, names not frequent in general text (match.is_distinctive)


def match_pairs(labels: dict, loaded: dict, entities: dict, corpus: Path
                ) -> tuple[list[Pair], float, float]:
    """Every labelled (article, page) pair matched; with the text size and the time it took."""
    same = {frozenset(p) for p in labels["same_story"]}
    related = {frozenset(p) for p in labels.get("related", [])}
    pairs: list[Pair] = []
    chars, seconds = 0, 0.0
    for doc_id, (article, page) in loaded.items():
        matcher = EntityMatcher(entities[doc_id])
        by_name = {e.name: e for e in entities[doc_id]}

        def run(page_id: str, target: Page, positive: bool) -> None:
            nonlocal chars, seconds
            started = time.perf_counter()
            result = matcher.match(target.title, target.main_text)
            seconds += time.perf_counter() - started
            chars += len(target.title) + len(target.main_text)
            found = tuple(by_name[name] for name in result.found)
            available = sum(1 for e in entities[doc_id] if is_specific(e))
            distinctive = sum(1 for e in entities[doc_id] if is_distinctive(e))
            pairs.append(Pair(doc_id, page_id, positive, result.score, found, available, distinctive))

        run(doc_id, page, True)
        for i, part in enumerate(thirds(page), 1):
            run(f"{doc_id}#part{i}", part, True)
        for other_id, (_, other_page) in loaded.items():
            if other_id == doc_id or frozenset((doc_id, other_id)) in related:
                continue
            run(other_id, other_page, frozenset((doc_id, other_id)) in same)
        for a, b in labels["same_story"]:  # same-story pages that are not labelled articles
            if doc_id in (a, b) and (other := b if a == doc_id else a) not in loaded:
                run(other, load_article(other, corpus)[1], True)
    return pairs, chars, seconds


def rule_quality(pairs: list[Pair], min_score: float, min_specific: int
                 ) -> tuple[float, float, float]:
    """Precision, recall and F1 of the supports rule with these thresholds."""
    tp = fp = fn = 0
    for pair in pairs:
        accepted = supports(list(pair.found), pair.score, pair.available, min_score, min_specific, pair.distinctive)
        tp += accepted and pair.positive
        fp += accepted and not pair.positive
        fn += (not accepted) and pair.positive
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


MIN_PRECISION = 0.98  # policy: a false "ok" hides a broken source; a false "drifted" gets a look


def calibrate(pairs: list[Pair]) -> tuple[float, int, tuple[float, float, float]]:
    """The thresholds with the best F1 among those with precision >= MIN_PRECISION (best F1
    overall if none reaches it); F1 ties (3 decimals) go to the higher precision, then to the
    looser thresholds."""
    best = None
    for min_specific in SPECIFIC_GRID:
        for min_score in SCORE_GRID:
            quality = rule_quality(pairs, min_score, min_specific)
            key = (quality[0] >= MIN_PRECISION, round(quality[2], 3), round(quality[0], 4),
                   -min_score, -min_specific)
            if best is None or key > best[0]:
                best = (key, min_score, min_specific, quality)
    return best[1], best[2], best[3]


def cross_validated(pairs: list[Pair]) -> tuple[float, float, float]:
    """Leave one article out: calibrate on the other articles' pairs, judge this article's pairs
    with that rule. An honest estimate of how the calibrated rule does on unseen articles."""
    judged: list[tuple[bool, bool]] = []
    for article in sorted({p.article for p in pairs}):
        held_out = [p for p in pairs if p.article == article]
        rest = [p for p in pairs if p.article != article]
        min_score, min_specific, _ = calibrate(rest)
        judged += [(supports(list(p.found), p.score, p.available, min_score, min_specific, p.distinctive),
                    p.positive) for p in held_out]
    tp = sum(a and b for a, b in judged)
    fp = sum(a and not b for a, b in judged)
    fn = sum(b and not a for a, b in judged)
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    return precision, recall, 2 * precision * recall / ((precision + recall) or 1)


# -- report ----------------------------------------------------------------------------------------

def extraction_totals(labels: dict, entities: dict) -> dict[str, list[int]]:
    """[tp, fp, fn] per language."""
    totals: dict[str, list[int]] = {"de": [0, 0, 0], "en": [0, 0, 0]}
    for doc_id, label in labels["articles"].items():
        tp, fp, fn, _, _ = score_extraction(entities[doc_id], label)
        for i, value in enumerate((tp, fp, fn)):
            totals[_lang(doc_id)][i] += value
    return totals


def _lang(doc_id: str) -> str:
    return "en" if doc_id.split(":")[1][:3] in ("uk-", "us-") else "de"


def main(argv: list[str]) -> int:
    corpus = corpus_dir()
    if corpus is None:
        print("bench skipped: corpus not found "
              "(set LINKCHECK_CORPUS or put it at ../shared/corpus)")
        return 0
    labels = load_labels()
    loaded = {doc_id: load_article(doc_id, corpus) for doc_id in labels["articles"]}
    started = time.perf_counter()
    entities = {doc_id: key_entities(article) for doc_id, (article, _) in loaded.items()}
    # As the article loader hands them to the matcher: with their commonness (specificity.py).
    matched_entities = {doc_id: with_commonness(entities[doc_id], article) for doc_id, (article, _) in loaded.items()}
    extraction_seconds = time.perf_counter() - started

    print(f"Extraction on {len(loaded)} labelled articles "
          f"({sum(_lang(d) == 'en' for d in loaded)} en, "
          f"{sum(_lang(d) == 'de' for d in loaded)} de)")
    for doc_id, label in labels["articles"].items():
        tp, fp, fn, missed, spurious = score_extraction(entities[doc_id], label)
        print(f"  {doc_id:45} P {_ratio(tp, tp + fp):.2f}  R {_ratio(tp, tp + fn):.2f}"
              + (f"  missed: {', '.join(missed)}" if missed else "")
              + (f"  spurious: {', '.join(spurious)}" if spurious else ""))
    totals = extraction_totals(labels, entities)
    all_tp, all_fp, all_fn = (sum(t[i] for t in totals.values()) for i in range(3))
    for group, what in (("holdout", "labelled late; general fixes followed their first run"),
                        ("fresh_holdout", "labelled last; nothing tuned on them")):
        ids = labels.get(group, [])
        if ids:
            scored = [score_extraction(entities[d], labels["articles"][d]) for d in ids]
            tp, fp, fn = (sum(s[i] for s in scored) for i in range(3))
            print(f"  {group} ({len(ids)} articles, {what}): "
                  f"precision {_ratio(tp, tp + fp):.3f}  recall {_ratio(tp, tp + fn):.3f}")
    for lang, (tp, fp, fn) in totals.items():
        print(f"  {lang}: precision {_ratio(tp, tp + fp):.3f}  recall {_ratio(tp, tp + fn):.3f}"
              f"  (tp {tp}, fp {fp}, fn {fn})")
    print(f"EXTRACTION precision {_ratio(all_tp, all_tp + all_fp):.3f}  "
          f"recall {_ratio(all_tp, all_tp + all_fn):.3f}  (tp {all_tp}, fp {all_fp}, fn {all_fn}; "
          f"{extraction_seconds:.2f}s incl. lexicon load)")

    pairs, chars, seconds = match_pairs(labels, loaded, matched_entities, corpus)
    positives = sum(p.positive for p in pairs)
    print(f"\nMatching on {len(pairs)} pairs ({positives} same story, {len(pairs) - positives} "
          f"other story); {chars / 1e6 / seconds:.1f} MB of text per second")
    if "--grid" in argv:
        print("  min_specific min_score  precision recall f1")
        for min_specific in SPECIFIC_GRID:
            for min_score in SCORE_GRID[::2]:
                p, r, f = rule_quality(pairs, min_score, min_specific)
                print(f"  {min_specific:12} {min_score:9.2f}  {p:9.3f} {r:6.3f} {f:.3f}")
    best_score, best_specific, (p, r, f) = calibrate(pairs)
    print(f"  calibrated (best F1 at precision >= {MIN_PRECISION}): score >= {best_score} "
          f"and >= {best_specific} "
          f"specific entities: precision {p:.3f} recall {r:.3f} F1 {f:.3f}")
    p, r, f = cross_validated(pairs)
    print(f"  leave-one-article-out (calibrate without the article, judge its pairs): "
          f"precision {p:.3f} recall {r:.3f} F1 {f:.3f}")
    p, r, f = rule_quality(pairs, SUPPORT_MIN_SCORE, SUPPORT_MIN_SPECIFIC)
    print(f"MATCHING rule in linkcheck.match (score >= {SUPPORT_MIN_SCORE} and >= "
          f"{SUPPORT_MIN_SPECIFIC} specific entities): "
          f"precision {p:.3f}  recall {r:.3f}  F1 {f:.3f}")
    _print_errors(pairs)
    return 0


def _print_errors(pairs: list[Pair]) -> None:
    wrong = [p for p in pairs if supports(list(p.found), p.score, p.available, distinctive=p.distinctive) != p.positive]
    for pair in sorted(wrong, key=lambda p: (p.positive, -p.score))[:40]:
        specific = [e.name for e in pair.found if is_specific(e)]
        label = "missed " if pair.positive else "wrongly"
        print(f"  {label} {pair.article} vs {pair.page}: score {pair.score:.3f}, "
              f"specific {specific[:6]}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
