"""Shared fixtures: where the real-page corpus is (tests that need it skip when it is absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def corpus_path() -> Path | None:
    """../shared/corpus next to the repo, or $LINKCHECK_CORPUS; None when absent."""
    candidate = Path(os.environ.get("LINKCHECK_CORPUS", REPO.parent / "shared" / "corpus"))
    return candidate if (candidate / "README.md").is_file() else None


@pytest.fixture(scope="session")
def corpus() -> Path:
    path = corpus_path()
    if path is None:
        pytest.skip("real-page corpus not found (../shared/corpus or $LINKCHECK_CORPUS); "
                    "these tests run where it is present, as in CI")
    return path
