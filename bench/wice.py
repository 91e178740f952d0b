"""linkcheck's support decision on an external benchmark: the WiCE dev split (Wikipedia claims, the
sentences of the page each cites, labelled supported / partially_supported / not_supported).

    .venv/bin/python bench/wice.py            # needs ../shared/benchmarks/wice/dev.jsonl (or $LINKCHECK_WICE)

Adapter (as the benchmark's README suggests): one English article per claim (title = the Wikipedia
article's title, body = the claim's context followed by the claim and the cited URL inline, as
Wikipedia's footnote stands after the sentence it backs) and one cited page
per claim, an HTML article made of the evidence sentences (four to a paragraph). Each pair goes through linkcheck's own
steps in-process (parse_article, key_entities, extract_page, EntityMatcher, verdict.decide): `ok`
counts as "supported". Reported: precision and recall for `supported`, and how many `not_supported`
pages are called ok; beside it the benchmark's plain baseline (share of the claim's content words on
the page, lower-cased, stop words dropped, threshold 0.657).
"""

from __future__ import annotations

import html
import json
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from linkcheck.article import parse_article  # noqa: E402
from linkcheck.article_loader import with_claim_terms, with_commonness  # noqa: E402
from linkcheck.entities import key_entities  # noqa: E402
from linkcheck.fetch import FetchResult, Hop  # noqa: E402
from linkcheck.language import STOPWORDS  # noqa: E402
from linkcheck.match import EntityMatcher, judge_claim  # noqa: E402
from linkcheck.page import extract_page  # noqa: E402
from linkcheck.verdict import Verdict, decide  # noqa: E402

BASELINE_THRESHOLD = 0.657
_WORD = re.compile(r"[a-z0-9]+")


def dataset() -> Path | None:
    path = Path(os.environ.get("LINKCHECK_WICE", REPO.parent / "shared" / "benchmarks" / "wice" / "dev.jsonl"))
    return path if path.is_file() else None


@dataclass(frozen=True)
class Judged:
    label: str
    linkcheck_ok: bool
    rule: str
    baseline_share: float


def judge(row: dict) -> Judged:
    url = f"https://wice.example/{row['meta']['id']}"
    context = (row["meta"].get("claim_context") or "").strip()
    # The URL stands right after the claim, as a Wikipedia footnote does: the sentence it backs.
    article = parse_article(f"{row['meta']['claim_title']}\n\n{context} {row['claim']} ({url})\n",
                            path=row["meta"]["id"])
    entities = with_commonness(key_entities(article), article)
    (cited,) = with_claim_terms(article)
    evidence = list(row["evidence"])
    title = evidence[0].removeprefix("(meta data) TITLE:").strip() if evidence else ""
    # The evidence is the cited page cut into sentences; four to a paragraph comes closer to the page
    # than a paragraph per fragment ("In the end we were towed all the way").
    sentences = evidence[1:]
    paragraphs = "".join(f"<p>{html.escape(' '.join(sentences[i:i + 4]))}</p>" for i in range(0, len(sentences), 4))
    body = (f"<html lang='en'><head><title>{html.escape(title)}</title></head><body><main><article>"
            f"<h1>{html.escape(title)}</h1>{paragraphs}</article></main></body></html>").encode()
    page = extract_page(body, {"content-type": "text/html; charset=utf-8"}, url)
    match = judge_claim(EntityMatcher(entities).match(page.title, page.main_text, page.caption_spans), cited.claim_terms,
                        page.main_text, page.language)
    fetched = FetchResult(url=url, final_url=url, status=200, chain=(Hop(url, 200),),
                          headers=(("content-type", "text/html"),), body=body, truncated=False, error=None,
                          error_detail="", started_at=datetime.now(UTC), elapsed=0.0, attempts=1)
    decision = decide(fetched, page, match)
    return Judged(row["label"], decision.verdict is Verdict.OK, decision.rule.value,
                  baseline_share(row["claim"], " ".join(evidence)))


def baseline_share(claim: str, page_text: str) -> float:
    """The benchmark's plain baseline: the share of the claim's content words found on the page."""
    stop = STOPWORDS["en"]
    words = {w for w in _WORD.findall(claim.lower()) if w not in stop}
    on_page = set(_WORD.findall(page_text.lower()))
    return len(words & on_page) / len(words) if words else 0.0


def figures(name: str, called_ok: list[bool], labels: list[str]) -> str:
    supported = [label == "supported" for label in labels]
    tp = sum(ok and s for ok, s in zip(called_ok, supported, strict=True))
    predicted = sum(called_ok)
    not_supported_ok = sum(ok for ok, label in zip(called_ok, labels, strict=True) if label == "not_supported")
    precision = tp / predicted if predicted else 0.0
    recall = tp / sum(supported)
    return (f"{name:<28} precision {precision:6.1%}  recall {recall:6.1%}  "
            f"not_supported called ok {not_supported_ok}/{labels.count('not_supported')}  (ok: {predicted})")


def main() -> int:
    path = dataset()
    if path is None:
        print("bench skipped: WiCE dev split not found (../shared/benchmarks/wice/dev.jsonl or $LINKCHECK_WICE)")
        return 0
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    judged = [judge(row) for row in rows]
    labels = [j.label for j in judged]
    print(f"WiCE dev: {len(rows)} claims ({', '.join(f'{n} {k}' for k, n in Counter(labels).most_common())})")
    print(figures("linkcheck (verdict ok)", [j.linkcheck_ok for j in judged], labels))
    print(figures(f"word overlap >= {BASELINE_THRESHOLD}", [j.baseline_share >= BASELINE_THRESHOLD for j in judged],
                  labels))
    rules = Counter((j.label, j.rule) for j in judged)
    print("rules by label:", ", ".join(f"{label}/{rule} {n}" for (label, rule), n in sorted(rules.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
