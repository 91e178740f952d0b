"""A fake web archive on a loopback host, speaking the real APIs: the Wayback Machine's availability
JSON, its CDX API (JSON and text), `id_` raw captures (a capture asked at a moment it does not have
redirects to the nearest one, as the Wayback Machine does), a Memento TimeGate (Accept-Datetime ->
302 + Link, Memento-Datetime on the memento) and Save Page Now.

    archive = FakeArchive()
    archive.add("https://news.example/a", "20241020120000", page_bytes)
    web.fallbacks["127.0.0.9"] = archive.route      # every path of that host
    config keys: archive.config(web.url("", host="127.0.0.9"))
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import parse_qs, urlsplit

from .local_server import Handler


@dataclass(frozen=True)
class FakeCapture:
    timestamp: str          # 14 digits
    status: int
    body: bytes

    @property
    def moment(self) -> datetime:
        return datetime.strptime(self.timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)


@dataclass
class FakeArchive:
    captures: dict[str, list[FakeCapture]] = field(default_factory=dict)
    save_status: int = 200
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # (path, headers)

    def add(self, url: str, timestamp: str, body: bytes, status: int = 200) -> None:
        self.captures.setdefault(url, []).append(FakeCapture(timestamp, status, body))

    def config(self, base: str) -> dict[str, object]:
        """The linkcheck.toml keys that point linkcheck at this archive (base: http://host:port)."""
        return {"wayback_api": f"{base}/wayback/available", "wayback_cdx": f"{base}/cdx/search/cdx",
                "wayback_web": f"{base}/web/", "memento_timegates": [f"{base}/timegate/"],
                "save_page_now_endpoint": f"{base}/save/"}

    def route(self, handler: Handler) -> None:
        self.requests.append((handler.path, {k.lower(): v for k, v in handler.headers.items()}))
        parts = urlsplit(handler.path)
        query = {k: v for k, v in parse_qs(parts.query).items()}
        path = handler.path
        if parts.path == "/wayback/available":
            self._available(handler, query)
        elif parts.path == "/cdx/search/cdx":
            self._cdx(handler, query)
        elif path.startswith("/web/"):
            self._raw(handler, path[len("/web/"):])
        elif path.startswith("/timegate/"):
            self._timegate(handler, path[len("/timegate/"):])
        elif path.startswith("/memento/"):
            self._memento(handler, path[len("/memento/"):])
        elif path.startswith("/save/"):
            body = json.dumps({"url": path[len("/save/"):], "job_id": "spn2-fake"}).encode()
            handler.answer(self.save_status, body, [("Content-Type", "application/json"),
                                                    *([("Retry-After", "1")] if self.save_status == 429 else [])])
        else:
            handler.answer(404, b"not here")

    def _available(self, handler: Handler, query: dict[str, list[str]]) -> None:
        url, when = query["url"][0], _moment(query["timestamp"][0])
        statuses = {int(s) for s in query.get("statuscodes", [])} or None
        side = query.get("closest", [""])[0]
        candidates = [c for c in self.captures.get(url, []) if statuses is None or c.status in statuses]
        if side == "before":
            candidates = [c for c in candidates if c.moment <= when]
        elif side == "after":
            candidates = [c for c in candidates if c.moment > when]
        closest = min(candidates, key=lambda c: abs((c.moment - when).total_seconds()), default=None)
        snapshots = {} if closest is None else {"closest": {
            "available": True, "status": str(closest.status), "timestamp": closest.timestamp,
            "url": f"http://archive.test/web/{closest.timestamp}/{url}"}}
        handler.answer(200, json.dumps({"url": url, "archived_snapshots": snapshots}).encode(),
                       [("Content-Type", "application/json")])

    def _cdx(self, handler: Handler, query: dict[str, list[str]]) -> None:
        url = query["url"][0]
        rows = [["timestamp", "original", "statuscode"]]
        rows += [[c.timestamp, url, str(c.status)] for c in sorted(self.captures.get(url, []),
                                                                  key=lambda c: c.timestamp)]
        handler.answer(200, json.dumps(rows).encode(), [("Content-Type", "application/json")])

    def _raw(self, handler: Handler, rest: str) -> None:
        stamp, _, url = rest.partition("/")
        raw = stamp.endswith("id_")
        stamp = stamp.removesuffix("id_")
        captures = self.captures.get(url, [])
        exact = next((c for c in captures if c.timestamp == stamp), None)
        if exact is None and captures:
            nearest = min(captures, key=lambda c: abs((c.moment - _moment(stamp)).total_seconds()))
            handler.answer(302, b"", [("Location", f"/web/{nearest.timestamp}{'id_' if raw else ''}/{url}")])
            return
        if exact is None:
            handler.answer(404, b"<html><body><h1>Wayback Machine has not archived that URL.</h1></body></html>")
            return
        toolbar = b"" if raw else b"<div id='wm-toolbar'>Wayback Machine</div>"
        handler.answer(exact.status, toolbar + exact.body)

    def _timegate(self, handler: Handler, url: str) -> None:
        captures = self.captures.get(url, [])
        asked = handler.headers.get("Accept-Datetime")
        if not captures or not asked:
            handler.answer(404, b"no mementos")
            return
        when = parsedate_to_datetime(asked)
        nearest = min(captures, key=lambda c: abs((c.moment - when).total_seconds()))
        memento = f"/memento/{nearest.timestamp}/{url}"
        handler.answer(302, b"", [("Location", memento), ("Vary", "accept-datetime"),
                                  ("Link", f'<{url}>; rel="original", <{memento}>; rel="memento"; '
                                           f'datetime="{format_datetime(nearest.moment, usegmt=True)}"')])

    def _memento(self, handler: Handler, rest: str) -> None:
        stamp, _, url = rest.partition("/")
        capture = next((c for c in self.captures.get(url, []) if c.timestamp == stamp), None)
        if capture is None:
            handler.answer(404, b"no such memento")
            return
        handler.answer(capture.status, capture.body,
                       [("Memento-Datetime", format_datetime(capture.moment, usegmt=True)),
                        ("Link", f'<{url}>; rel="original"')])


def _moment(stamp: str) -> datetime:
    stamp = (stamp + "00000000000000")[:14]
    return datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
