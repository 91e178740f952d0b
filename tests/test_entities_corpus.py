"""Extraction and matching quality on the labelled corpus articles (bench/entities_eval.py).

Skipped when the shared corpus is not there ($LINKCHECK_CORPUS or ../shared/corpus)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from linkcheck.entities import key_entities
from linkcheck.match import SUPPORT_MIN_SCORE, SUPPORT_MIN_SPECIFIC

_BENCH = Path(__file__).resolve().parent.parent / "bench" / "entities_eval.py"
_spec = importlib.util.spec_from_file_location("entities_eval", _BENCH)
bench = importlib.util.module_from_spec(_spec)
sys.modules["entities_eval"] = bench  # dataclasses look their module up while being defined
_spec.loader.exec_module(bench)

CORPUS = bench.corpus_dir()
pytestmark = pytest.mark.skipif(
    CORPUS is None, reason="shared corpus not found (set LINKCHECK_CORPUS or ../shared/corpus)")


@pytest.fixture(scope="module")
def evaluated():
    labels = bench.load_labels()
    loaded = {doc_id: bench.load_article(doc_id, CORPUS) for doc_id in labels["articles"]}
    entities = {doc_id: key_entities(article) for doc_id, (article, _) in loaded.items()}
    return labels, loaded, entities


def test_labelled_set_has_twenty_corpus_articles_in_both_languages(evaluated):
    labels, _, _ = evaluated
    ids = [d for d in labels["articles"] if d.startswith("fundus:")]
    assert len(ids) >= 20
    assert any(":uk-" in d or ":us-" in d for d in ids) and any(":de-" in d for d in ids)


def test_extraction_precision_and_recall(evaluated):
    labels, _, entities = evaluated
    totals = bench.extraction_totals(labels, entities)
    tp, fp, fn = (sum(t[i] for t in totals.values()) for i in range(3))
    assert tp / (tp + fp) >= 0.85
    assert tp / (tp + fn) >= 0.90


def test_support_rule_precision_and_recall(evaluated):
    labels, loaded, entities = evaluated
    pairs, _, _ = bench.match_pairs(labels, loaded, entities, CORPUS)
    precision, recall, _ = bench.rule_quality(pairs, SUPPORT_MIN_SCORE, SUPPORT_MIN_SPECIFIC)
    assert precision >= 0.95
    assert recall >= 0.85
