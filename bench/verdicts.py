"""Verdict accuracy on real pages against hand-written articles (issue 15).

    .venv/bin/python bench/verdicts.py [--verbose]   # needs ../shared/corpus/more/ (or $LINKCHECK_CORPUS)

Each case of bench/data/verdicts/cases.json pairs one article of bench/data/verdicts/articles/
(written for this bench, a few sentences each, in the seed's format) with one page of
corpus/more/ and the verdict a reader would give: the article's own story (`ok`), another story
that shares only generic names or a topic with it (`drifted`), a front page reached by a redirect
(`moved`), a bot challenge (`blocked`); and the error pages of corpus/errorpages/ served with 200
(`soft_404`, a challenge `blocked`). A case may have the page reached by a 301 (`redirect_to`)
or answered with another status (`status`). Every case goes through linkcheck's own steps
in-process (parse_article, key_entities, extract_page, EntityMatcher, judge_claim,
verdict.decide), as the pipeline runs them for a fetched page.

bench/data/verdicts/split.json splits the pages into a dev half (rules may be tuned on it) and a
held-out half (never looked at while tuning); a case belongs to the half of its page. Printed:
accuracy per half and per family, and every miss with its rule and reason.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
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
from linkcheck.match import EntityMatcher, judge_claim  # noqa: E402
from linkcheck.page import extract_page  # noqa: E402
from linkcheck.verdict import Decision, decide  # noqa: E402

DATA = REPO / "bench" / "data" / "verdicts"


def corpus_root() -> Path | None:
    root = Path(os.environ.get("LINKCHECK_CORPUS", REPO.parent / "shared" / "corpus"))
    return root if (root / "more" / "index.json").is_file() else None


def page_bytes(root: Path, page: str) -> bytes:
    """A page of corpus/more/ by its id, or of corpus/errorpages/ as "errorpages/<id>"."""
    if page.startswith("errorpages/"):
        return (root / "errorpages" / "html" / f"{page.removeprefix('errorpages/')}.html").read_bytes()
    return gzip.decompress((root / "more" / f"{page}.html.gz").read_bytes())


@dataclass(frozen=True)
class Case:
    article: str
    page: str
    expected: str
    family: str
    redirect_to: str | None = None
    status: int = 200


@dataclass(frozen=True)
class Judged:
    case: Case
    half: str
    decision: Decision

    @property
    def right(self) -> bool:
        return self.decision.verdict.value == self.case.expected


def judge(case: Case, root: Path) -> Decision:
    article = parse_article((DATA / "articles" / f"{case.article}.txt").read_text(encoding="utf-8"),
                            path=case.article)
    entities = with_commonness(key_entities(article), article)
    cited = with_claim_terms(article)[0]
    url = cited.url
    body = page_bytes(root, case.page)
    final = case.redirect_to or url
    chain = ((Hop(url, 301, location=final), Hop(final, case.status)) if case.redirect_to
             else (Hop(url, case.status),))
    headers = {"content-type": "text/html"}
    page = extract_page(body, headers, final)
    match = judge_claim(EntityMatcher(entities).match(page.title, page.main_text, page.caption_spans), cited.claim_terms,
                        page.main_text, page.language)
    fetched = FetchResult(url=url, final_url=final, status=case.status, chain=chain,
                          headers=tuple(headers.items()), body=body, truncated=False, error=None,
                          error_detail="", started_at=datetime.now(UTC), elapsed=0.0, attempts=1)
    return decide(fetched, page, match)


def accuracy(judged: list[Judged]) -> str:
    right = sum(j.right for j in judged)
    return f"{right}/{len(judged)} = {right / len(judged):.1%}" if judged else "no cases"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="print every case, not only the misses")
    args = parser.parse_args()
    root = corpus_root()
    if root is None:
        print("bench skipped: ../shared/corpus/more/ not found (or $LINKCHECK_CORPUS)")
        return 0
    split = json.loads((DATA / "split.json").read_text(encoding="utf-8"))
    half_of = {page: half for half in ("dev", "heldout") for page in split[half]}
    cases = [Case(**row) for row in json.loads((DATA / "cases.json").read_text(encoding="utf-8"))]
    judged = [Judged(case, half_of[case.page], judge(case, root)) for case in cases]
    for half in ("dev", "heldout"):
        mine = [j for j in judged if j.half == half]
        families = Counter(j.case.family for j in mine)
        per_family = ", ".join(f"{family} {accuracy([j for j in mine if j.case.family == family])}"
                               for family in sorted(families))
        print(f"{half:<8} verdict accuracy {accuracy(mine)}  ({per_family})")
    print(f"{'all':<8} verdict accuracy {accuracy(judged)}")
    for j in judged:
        if args.verbose or not j.right:
            mark = "  " if j.right else "✗ "
            print(f"{mark}[{j.half}] {j.case.article} × {j.case.page}: expected {j.case.expected}, got "
                  f"{j.decision.verdict} ({j.decision.rule}: {j.decision.reason[:160]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
