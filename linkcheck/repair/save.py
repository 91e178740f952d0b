"""Save Page Now: ask the Internet Archive to capture an ok source now, so that a later break has a
replacement. Off by default; needs archive.org credentials, which are sent in a header and never
stored, logged or printed."""

from __future__ import annotations

import json
from dataclasses import dataclass

from .captures import Get


@dataclass(frozen=True)
class SaveRequest:
    """One submission and what came of it."""

    url: str
    accepted: bool
    status: int | None
    reason: str                 # one line, never the credentials
    rate_limited: bool = False  # the archive asked us to slow down: submit nothing more this run


def credentials_problem(access_key: str, secret_key: str) -> str | None:
    """What is missing before Save Page Now can be asked; None when it can."""
    missing = [name for name, value in (("ia_access_key", access_key), ("ia_secret_key", secret_key)) if not value]
    if not missing:
        return None
    return (f"save_page_now needs archive.org credentials: set {' and '.join(missing)} in linkcheck.toml "
            "or LINKCHECK_IA_ACCESS_KEY / LINKCHECK_IA_SECRET_KEY in the environment")


async def save_page_now(get: Get, endpoint: str, url: str, access_key: str, secret_key: str) -> SaveRequest:
    """Submit `url` to the Save Page Now endpoint (its capture runs at the archive, later)."""
    fetch = await get(endpoint + url, {"Authorization": f"LOW {access_key}:{secret_key}",
                                       "Accept": "application/json"})
    if fetch.status == 429:
        return SaveRequest(url, False, 429, "the archive is rate limiting Save Page Now (HTTP 429)", True)
    if fetch.error is not None or fetch.status is None:
        return SaveRequest(url, False, None, f"Save Page Now not reached: {fetch.error_detail or fetch.error}")
    if not 200 <= fetch.status < 300:
        return SaveRequest(url, False, fetch.status, f"Save Page Now answered HTTP {fetch.status}")
    try:
        answer = json.loads(fetch.body)
    except ValueError:
        answer = None
    job = answer.get("job_id") if isinstance(answer, dict) else None
    if isinstance(answer, dict) and answer.get("status") == "error":
        return SaveRequest(url, False, fetch.status, f"Save Page Now refused: {str(answer.get('message'))[:200]}")
    return SaveRequest(url, True, fetch.status, f"submitted (job {job})" if job else "submitted")
