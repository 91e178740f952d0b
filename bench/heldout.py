"""Key-entity recall and junk, and squashed-title recovery, on hand-labelled articles (issue 15).

    .venv/bin/python bench/heldout.py --set heldout|dev [--show]

Sets: tests/data/heldout/ (held out: never tuned on; only totals are printed) and tests/data/dev/
(the set the rules are tuned on; --show lists every missed label and every junk prediction).
Each set holds seed-format articles (<nn>_<slug>.txt), labels.json in the shape of
tests/data/entities_labels.json, and titles.json (squashed title, title, body).

Recall = labels found / labels; junk = predictions matching no label and no optional name /
predictions (numbers left out); title accuracy = squashed titles recovered exactly.
Load cost: CPU seconds and peak traced memory of parse_article + key_entities per article (warm:
the lexicon and gazetteer are loaded once before timing).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from linkcheck.article import parse_article, recover_title_words  # noqa: E402
from linkcheck.entities import key_entities  # noqa: E402

SETS = {"heldout": REPO / "tests" / "data" / "heldout", "dev": REPO / "tests" / "data" / "dev"}


def _entities_eval():
    spec = importlib.util.spec_from_file_location("entities_eval", REPO / "bench" / "entities_eval.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["entities_eval"] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


def load_set(folder: Path) -> tuple[dict, dict[str, str]]:
    """The set's labels and each labelled article's text, by label id."""
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    texts = {}
    for doc_id in labels["articles"]:
        stem = doc_id.split(":", 1)[1]
        texts[doc_id] = (folder / f"{stem}.txt").read_text(encoding="utf-8")
    return labels, texts


def entity_scores(labels: dict, texts: dict[str, str]) -> dict[str, tuple[int, int, int, list, list]]:
    """Per article: (hits, junk, misses, missed labels, junk names)."""
    score = _entities_eval().score_extraction
    return {doc_id: score(key_entities(parse_article(text, doc_id)), labels["articles"][doc_id])
            for doc_id, text in texts.items()}


def title_results(folder: Path) -> list[tuple[str, str, str]]:
    """(expected, recovered, squashed) per case of titles.json."""
    cases = json.loads((folder / "titles.json").read_text(encoding="utf-8"))
    return [(c["title"], recover_title_words(c["squashed"], c["body"]), c["squashed"]) for c in cases]


def load_cost(texts: dict[str, str]) -> tuple[float, float]:
    """Mean CPU seconds and the largest peak of traced memory (MB) of loading one article."""
    for doc_id, text in texts.items():  # warm the lexicon, gazetteer and tries
        key_entities(parse_article(text, doc_id))
    cpu, peak = 0.0, 0
    for doc_id, text in texts.items():
        tracemalloc.start()
        started = time.process_time()
        key_entities(parse_article(text, doc_id))
        cpu += time.process_time() - started
        peak = max(peak, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    return cpu / max(len(texts), 1), peak / 1e6


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(SETS), default="dev")
    parser.add_argument("--show", action="store_true", help="list misses and junk (dev set only)")
    args = parser.parse_args(argv)
    folder = SETS[args.set]
    show = args.show and args.set != "heldout"  # the held-out set is for measuring, not for looking
    labels, texts = load_set(folder)
    scores = entity_scores(labels, texts)
    for lang in ("de", "en", "all"):
        ids = [d for d in scores if lang == "all" or _lang(texts[d]) == lang]
        tp, fp, fn = (sum(scores[d][i] for d in ids) for i in range(3))
        print(f"{args.set} {lang:3} articles {len(ids):2}  recall {tp / max(tp + fn, 1):.3f} "
              f"({tp}/{tp + fn})  junk {fp / max(tp + fp, 1):.3f} ({fp}/{tp + fp})")
    if show:
        for doc_id, (_, _, _, missed, junk) in scores.items():
            print(f"  {doc_id}\n    missed: {missed}\n    junk:   {junk}")
    titles = title_results(folder)
    right = sum(expected == got for expected, got, _ in titles)
    print(f"{args.set} titles {right}/{len(titles)} recovered exactly ({right / max(len(titles), 1):.3f})")
    if show:
        for expected, got, squashed in titles:
            if expected != got:
                print(f"    {squashed}\n      want {expected}\n      got  {got}")
    cpu, peak = load_cost(texts)
    print(f"{args.set} load cost per article: {cpu * 1000:.1f} ms CPU, peak traced memory {peak:.2f} MB")
    return 0


def _lang(text: str) -> str:
    from linkcheck.language import guess_language

    return guess_language(text, sure=False) or "de"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
