"""A guard on page extraction: every page of the shared corpus (more/ included) reads as it did.

For each page, a digest of its main text and of every PageText field a verdict depends on is kept
in tests/data/page_corpus_digests.json. A change to extraction that is meant to change no output
(making it faster, bounding its cost) must keep this green. A change meant to change output
refreshes the file, and the diff of the file shows which pages and fields moved:

    .venv/bin/python tests/test_page_corpus_digests.py     # rewrite the digests
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # run as a script: this working tree's linkcheck

from linkcheck.page import PageText, extract_page  # noqa: E402

CORPUS = Path(os.environ.get("LINKCHECK_CORPUS") or REPO_ROOT.parent / "shared" / "corpus")
DIGESTS = REPO_ROOT / "tests" / "data" / "page_corpus_digests.json"
HTML = {"content-type": "text/html"}
SOURCES = ("errorpages", "fundus", "scrapinghub-aeb", "trafilatura-de", "more")


def corpus_pages() -> Iterator[tuple[str, bytes, dict[str, str], str]]:
    """(key, body, headers, url) for every page of the corpus, in a stable order."""
    for source in SOURCES:
        folder = CORPUS / source
        for row in json.loads((folder / "index.json").read_text()):
            page_id = row["id"]
            html_dir = folder if source == "more" else folder / "html"
            path = html_dir / f"{page_id}.html"
            body = path.read_bytes() if path.exists() else gzip.decompress(path.with_suffix(".html.gz").read_bytes())
            headers, url = HTML, row.get("url") or "https://example.org/"
            if source == "errorpages":
                meta = json.loads((folder / "meta" / f"{page_id}.json").read_text())
                headers = {k.lower(): v for k, v in meta["response_headers"].items()}
                url = meta["url"]
            yield f"{source}/{page_id}", body, headers, url


def _digest(value: object) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:16]


def page_digest(page: PageText) -> dict[str, object]:
    """Per field of the page, a short digest of its value; the main text's length besides."""
    digest: dict[str, object] = {f.name: _digest(getattr(page, f.name)) for f in fields(page)}
    digest["main_text_chars"] = len(page.main_text)
    return digest


def current_digests() -> dict[str, dict[str, object]]:
    return {key: page_digest(extract_page(body, headers, url)) for key, body, headers, url in corpus_pages()}


@pytest.mark.skipif(not (CORPUS / "more").is_dir(),
                    reason=f"news-page corpus not found at {CORPUS} (set LINKCHECK_CORPUS)")
def test_every_corpus_page_reads_as_its_recorded_digest():
    recorded = json.loads(DIGESTS.read_text())
    current = current_digests()
    assert sorted(current) == sorted(recorded), "pages added or gone: refresh the digests"
    changed = {key: sorted(name for name, value in digest.items() if recorded[key].get(name) != value)
               for key, digest in current.items() if digest != recorded[key]}
    assert not changed, f"{len(changed)} pages read differently (field names per page): {changed}"


if __name__ == "__main__":
    # One line per page: a refresh's diff names the pages that moved.
    lines = [f"{json.dumps(key)}: {json.dumps(digest, sort_keys=True)}"
             for key, digest in sorted(current_digests().items())]
    DIGESTS.write_text("{\n" + ",\n".join(lines) + "\n}\n")
    print(f"wrote {DIGESTS.relative_to(REPO_ROOT)}")
