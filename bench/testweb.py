"""A local test web for benchmarks and integration tests: many hosts on 127.0.0.x serving real news pages.

Serve a test web until Ctrl-C (prints the control URL, the URL list and the articles folder):
    .venv/bin/python bench/testweb.py --urls 200 --hosts 5 --latency 0.05 --out /tmp/web

From Python (the server runs in its own process; it is stopped when the block ends):
    from testweb import TestWeb, build_plan
    plan = build_plan(urls=200, hosts=5, latency=0.05)
    with TestWeb(plan, workdir) as web:       # workdir gets articles/, urls.txt, links.html
        ... web.articles_dir, web.urls, web.stats(), web.reset_stats()

What it serves
- Host i is 127.0.0.(i+2) (127.0.x.y past 250 hosts), all on one port; on Linux all of 127/8 is
  loopback. 127.0.0.1 on the same port is the control host: /__links.html lists every URL,
  /__urls.txt, /__stats (JSON: requests, statuses, max requests in flight per host), /__reset.
- Every answer on a test host waits `latency` seconds first. Pages are real corpus pages
  (fundus/, trafilatura-de/, scrapinghub-aeb/) picked by uncompressed size, reused across URLs
  when there are more URLs than pages, never padded; `--pages tiny` serves small pages built from
  the same ground truth instead (for many-URL memory runs).
- A share of URLs answer 404 (a real spiegel.de not-found page), 410, a 301 to another copy of the
  page, or a 301 to the host's home page; `--rate-limited` makes a share answer 429 with
  Retry-After once. gzip is served when the client accepts it. Every host serves /robots.txt
  (everything allowed) and a home page; any other path is a 404.
- Articles in the seed format (date line, squashed title line, body text from the page's ground
  truth, `Quellen: - url - url`) each cite `--per-article` URLs serving the same page.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import html
import json
import math
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import time
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.request import urlopen

REPO_ROOT = Path(__file__).resolve().parent.parent
NOT_FOUND_PAGE = ("errorpages", "spiegel.de_impressum_404_2026-03-01")
SOURCES = ("fundus", "trafilatura-de", "scrapinghub-aeb")
SECTIONS = ("politik", "ausland", "wirtschaft", "kultur", "wissen", "panorama", "sport", "world")
ROBOTS_TXT = b"User-agent: *\nAllow: /\n"


class CorpusMissing(RuntimeError):
    """The shared news-page corpus is not where we look for it."""


def corpus_dir() -> Path:
    """$LINKCHECK_CORPUS, else ../shared/corpus next to the repository."""
    path = Path(os.environ.get("LINKCHECK_CORPUS") or REPO_ROOT.parent / "shared" / "corpus")
    if not all((path / source / "index.json").is_file() for source in SOURCES):
        raise CorpusMissing(f"corpus not found at {path} (set LINKCHECK_CORPUS to the shared corpus)")
    return path


# ---------------------------------------------------------------- corpus pages

@dataclass(frozen=True)
class PageInfo:
    """A corpus page's identity, size and ground truth (no HTML bytes: those stay in the server)."""

    key: str            # "<source>/<id>"
    source: str
    page_id: str
    raw_bytes: int      # uncompressed HTML size
    lang: str
    title: str
    paragraphs: tuple[str, ...]   # truth body paragraphs, or the body snippets


def html_file(corpus: Path, source: str, page_id: str) -> Path:
    for suffix in (".html", ".html.gz"):
        candidate = corpus / source / "html" / f"{page_id}{suffix}"
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"no HTML for {source}/{page_id}")


def load_page_infos(corpus: Path, min_bytes: int, max_bytes: int) -> list[PageInfo]:
    """Corpus pages whose uncompressed HTML size is within [min_bytes, max_bytes] and which have a title."""
    infos = []
    for source in SOURCES:
        for row in json.loads((corpus / source / "index.json").read_text(encoding="utf-8")):
            size = row.get("html_bytes_raw") or row.get("html_bytes") or 0
            if not (min_bytes <= size <= max_bytes):
                continue
            truth = json.loads((corpus / source / "truth" / f"{row['id']}.json").read_text(encoding="utf-8"))
            paragraphs = [p.strip() for p in (truth.get("body") or "").split("\n") if p.strip()]
            paragraphs = paragraphs or [s.strip() for s in truth.get("body_snippets") or [] if s.strip()]
            title = (truth.get("title") or "").strip()
            if not title or not paragraphs:
                continue
            infos.append(PageInfo(f"{source}/{row['id']}", source, row["id"], size,
                                  truth.get("lang") or "de", title, tuple(paragraphs)))
    infos.sort(key=lambda info: info.key)
    return infos


def tiny_html(info: PageInfo) -> bytes:
    """A small but well-formed news page built from the page's ground truth (memory runs)."""
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in info.paragraphs[:3])
    return (f'<!doctype html><html lang="{info.lang}"><head><meta charset="utf-8">'
            f"<title>{html.escape(info.title)}</title></head><body>"
            f'<nav><a href="/">Startseite</a> <a href="/politik/">Politik</a></nav>'
            f"<article><h1>{html.escape(info.title)}</h1>{paragraphs}</article>"
            f"<footer>Impressum · Datenschutz</footer></body></html>").encode()


# ---------------------------------------------------------------- the plan

@dataclass
class Route:
    """What one (host, path) answers."""

    host: int
    path: str
    kind: str                 # page | redirect | not_found | gone | rate_limited
    page: str | None = None   # PageInfo.key served (page, rate_limited, and the redirect's target)
    location: str | None = None

    def as_row(self) -> list:
        return [self.host, self.path, self.kind, self.page, self.location]


@dataclass
class Plan:
    """Everything the test web serves and the articles that cite it; deterministic for a seed."""

    hosts: list[str]
    latency: float
    pages_mode: str                       # real | tiny
    pages: dict[str, PageInfo]
    routes: list[Route]                   # every route, redirect targets included
    urls: list[str]                       # the cited URLs, in article order
    url_routes: dict[str, Route]          # cited URL -> its route
    articles: list[tuple[str, PageInfo, list[str]]] = field(default_factory=list)  # (name, page, urls)
    port: int = 0
    extra_headers: dict[str, str] = field(default_factory=dict)  # sent with every answer

    def host_url(self, host: int) -> str:
        return f"http://{self.hosts[host]}:{self.port}"

    def page_bytes(self, key: str) -> int:
        """Uncompressed size of what a page route serves."""
        info = self.pages[key]
        return len(tiny_html(info)) if self.pages_mode == "tiny" else info.raw_bytes

    def served_html_bytes(self, not_found_bytes: int) -> int:
        """Uncompressed HTML a checker gets for the cited URLs when it follows redirects."""
        home = 3000
        total = 0
        for url in self.urls:
            route = self.url_routes[url]
            if route.kind in ("page", "rate_limited"):
                total += self.page_bytes(route.page)
            elif route.kind == "redirect":
                total += self.page_bytes(route.page) if route.page else home
            else:
                total += not_found_bytes
        return total

    def requests_per_host(self) -> dict[int, int]:
        """Requests needed per host to check every cited URL once (a redirect costs two)."""
        counts: dict[int, int] = defaultdict(int)
        for url in self.urls:
            route = self.url_routes[url]
            counts[route.host] += 2 if route.kind in ("redirect", "rate_limited") else 1
        return counts

    def to_json(self) -> dict:
        return {"hosts": self.hosts, "latency": self.latency, "pages_mode": self.pages_mode,
                "extra_headers": self.extra_headers,
                "pages": {k: [p.source, p.page_id, p.lang, p.title, list(p.paragraphs[:3])]
                          for k, p in self.pages.items()},
                "routes": [r.as_row() for r in self.routes],
                "urls": [u for _, _, urls in self.articles for u in urls]}


def host_address(index: int) -> str:
    """127.0.0.2 for host 0, ...; past 250 hosts 127.0.1.2 and so on (all of 127/8 is loopback)."""
    return f"127.0.{index // 250}.{index % 250 + 2}"


def _slug(title: str) -> str:
    words = re.findall(r"[a-z0-9]+", title.lower().translate(str.maketrans("äöüß", "aous")))
    return "-".join(words[:6]) or "artikel"


def build_plan(urls: int, hosts: int, latency: float, *, per_article: int = 5, pages: str = "real",
               min_kb: int = 100, max_kb: int = 900, share_not_found: float = 0.05,
               share_gone: float = 0.01, share_redirect: float = 0.04, share_redirect_home: float = 0.02,
               share_rate_limited: float = 0.0, seed: int = 6, corpus: Path | None = None) -> Plan:
    """A deterministic test web: `urls` cited URLs spread evenly over `hosts` hosts."""
    corpus = corpus or corpus_dir()
    if pages == "tiny":
        infos = load_page_infos(corpus, 0, 10**9)
    else:
        infos = load_page_infos(corpus, min_kb * 1000, max_kb * 1000)
    if not infos:
        raise CorpusMissing(f"no corpus page between {min_kb} and {max_kb} KB in {corpus}")
    rng = random.Random(seed)
    rng.shuffle(infos)
    host_names = [host_address(i) for i in range(hosts)]
    plan = Plan(host_names, latency, pages, {i.key: i for i in infos}, [], [], {})
    kinds = [("not_found", share_not_found), ("gone", share_gone), ("redirect", share_redirect),
             ("redirect_home", share_redirect_home), ("rate_limited", share_rate_limited)]
    per_article = max(1, min(per_article, hosts))
    n_articles = math.ceil(urls / per_article)
    used: dict[str, PageInfo] = {}
    for a in range(n_articles):
        info = infos[a % len(infos)]
        used[info.key] = info
        cited = []
        for u in range(a * per_article, min(urls, (a + 1) * per_article)):
            host = u % hosts
            section = SECTIONS[u % len(SECTIONS)]
            path = f"/{section}/{_slug(info.title)}-{u}.html"
            kind, draw = "page", rng.random()
            for name, share in kinds:
                if draw < share:
                    kind = name
                    break
                draw -= share
            if kind == "redirect":
                target = f"/{section}/{_slug(info.title)}-{u}-neu.html"
                plan.routes.append(Route(host, target, "page", info.key))
                route = Route(host, path, "redirect", info.key, target)
            elif kind == "redirect_home":
                route = Route(host, path, "redirect", None, "/")
            else:
                route = Route(host, path, kind, info.key)
            plan.routes.append(route)
            url = f"http://{host_names[host]}:{{port}}{path}"
            cited.append(url)
            plan.url_routes[url] = route
        plan.articles.append((f"a{a:06d}.txt", info, cited))
    plan.pages = used
    return plan


def finalize(plan: Plan, port: int) -> None:
    """Put the server's port into every URL."""
    plan.port = port
    fill = {u: u.replace("{port}", str(port)) for u in plan.url_routes}
    plan.url_routes = {fill[u]: r for u, r in plan.url_routes.items()}
    plan.articles = [(name, info, [fill[u] for u in urls]) for name, info, urls in plan.articles]
    plan.urls = [u for _, _, urls in plan.articles for u in urls]


_URL_IN_TEXT = re.compile(r"(?:https?|ftp)://\S+|\bwww\.\S+", re.IGNORECASE)


def write_articles(plan: Plan, folder: Path, seed: int = 6) -> int:
    """One article file per plan article, in the seed format; returns how many were written."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    for name, info, urls in plan.articles:
        day = rng.randrange(1, 29)
        month = rng.randrange(1, 13)
        body, length = [], 0
        for paragraph in info.paragraphs:
            # Only the planned URLs are cited: a URL in the page's own text (a DOI, a shop link)
            # would send the checker off the test web.
            paragraph = _URL_IN_TEXT.sub("", paragraph).strip()
            if not paragraph:
                continue
            body.append(paragraph)
            length += len(paragraph)
            if length > 1200 or len(body) >= 4:
                break
        sources = " ".join(f"- {u}" for u in urls)
        text = (f"{day:02d}.{month:02d}.2024\n{info.title.replace(' ', '')}\n\n" + "\n\n".join(body)
                + f"\n\nQuellen: {sources}\n")
        (folder / name).write_text(text, encoding="utf-8")
    return len(plan.articles)


def write_lists(plan: Plan, folder: Path) -> tuple[Path, Path]:
    """urls.txt (one URL a line) and links.html (a page linking every URL) for other checkers."""
    folder.mkdir(parents=True, exist_ok=True)
    urls_txt = folder / "urls.txt"
    urls_txt.write_text("".join(u + "\n" for u in plan.urls), encoding="utf-8")
    links = folder / "links.html"
    links.write_bytes(links_html(plan.urls))
    return urls_txt, links


def links_html(urls: list[str]) -> bytes:
    items = "\n".join(f'<li><a href="{html.escape(u)}">{html.escape(u)}</a></li>' for u in urls)
    return f"<!doctype html><html><head><title>cited URLs</title></head><body><ul>\n{items}\n</ul></body></html>".encode()


# ---------------------------------------------------------------- the server (own process)

@dataclass
class Body:
    raw: bytes
    gz: bytes
    content_type: str


_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"   # deflate, no name, no mtime, unknown OS


@dataclass
class DistinctBody:
    """A page served with a marker naming its URL appended, so that every URL's body is distinct
    (hashing, snapshot dedup and compression cost what they cost on the real web) without
    compressing 400 KB per request: the page is deflated once, flushed to a byte boundary without a
    final block, and each answer appends one final stored block holding the marker and the gzip
    trailer (the CRC-32 continued over the marker)."""
    raw: bytes
    content_type: str
    deflated: bytes = b""
    crc: int = 0

    def __post_init__(self) -> None:
        deflater = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        self.deflated = deflater.compress(self.raw) + deflater.flush(zlib.Z_SYNC_FLUSH)
        self.crc = zlib.crc32(self.raw)

    def for_url(self, host: int, path: str) -> Body:
        marker = f"\n<!-- served for host {host} {path} -->\n".encode()
        stored = b"\x01" + struct.pack("<HH", len(marker), len(marker) ^ 0xFFFF) + marker
        trailer = struct.pack("<II", zlib.crc32(marker, self.crc), (len(self.raw) + len(marker)) & 0xFFFFFFFF)
        return Body(self.raw + marker, _GZIP_HEADER + self.deflated + stored + trailer, self.content_type)


class _Stats:
    def __init__(self, hosts: int) -> None:
        self.hosts = hosts
        self.reset()

    def reset(self) -> None:
        self.inflight = [0] * self.hosts
        self.max_inflight = [0] * self.hosts
        self.requests = [0] * self.hosts
        self.methods: dict[str, int] = defaultdict(int)
        self.statuses: dict[int, int] = defaultdict(int)
        self.robots = 0
        self.gzip = 0
        self.bytes_out = 0
        self.connections = 0
        self.inflight_total = 0
        self.max_inflight_total = 0
        self.started = time.monotonic()
        self.cpu_started = time.process_time()

    def as_json(self) -> dict:
        return {"requests": sum(self.requests), "robots": self.robots, "gzip": self.gzip,
                "methods": dict(self.methods), "statuses": {str(k): v for k, v in self.statuses.items()},
                "bytes_out": self.bytes_out, "connections": self.connections,
                "max_inflight_per_host": max(self.max_inflight, default=0),
                "max_inflight_total": self.max_inflight_total,
                "max_inflight_by_host": self.max_inflight, "requests_by_host": self.requests,
                "seconds": time.monotonic() - self.started,
                "cpu_seconds": time.process_time() - self.cpu_started}


class _Server:
    def __init__(self, spec: dict, corpus: Path, port: int, rate_limit_retry_after: int = 1) -> None:
        self.hosts: list[str] = spec["hosts"]
        self.latency: float = spec["latency"]
        self.port = port
        self.stats = _Stats(len(self.hosts))
        self.bodies = self._load_bodies(spec, corpus)
        self.routes: dict[tuple[int, str], tuple[str, str | None, str | None]] = {
            (h, path): (kind, page, location) for h, path, kind, page, location in spec["routes"]}
        self.urls = [u.replace("{port}", str(port)) for u in spec["urls"]]
        self.links = links_html(self.urls)
        self.homes = [self._home(h, spec) for h in range(len(self.hosts))]
        self.not_found = self.bodies["__404__"]
        self.retry_after = rate_limit_retry_after
        self.extra_headers: dict[str, str] = spec.get("extra_headers") or {}
        self.limited_seen: set[tuple[int, str]] = set()

    @staticmethod
    def _load_bodies(spec: dict, corpus: Path) -> dict[str, DistinctBody]:
        bodies: dict[str, DistinctBody] = {}
        for key, (source, page_id, lang, title, paragraphs) in spec["pages"].items():
            if spec["pages_mode"] == "tiny":
                info = PageInfo(key, source, page_id, 0, lang, title, tuple(paragraphs))
                bodies[key] = DistinctBody(tiny_html(info), "text/html; charset=utf-8")
                continue
            path = html_file(corpus, source, page_id)
            raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
            # trafilatura-de has 8 non-UTF-8 pages: their <meta charset> says which; send no charset.
            ctype = "text/html" if source == "trafilatura-de" else "text/html; charset=utf-8"
            bodies[key] = DistinctBody(raw, ctype)
        raw = html_file(corpus, *NOT_FOUND_PAGE).read_bytes()
        bodies["__404__"] = DistinctBody(raw, "text/html; charset=utf-8")
        return bodies

    def _home(self, host: int, spec: dict) -> Body:
        titles = [p[3] for p in list(spec["pages"].values())[host % 7::7][:25]]
        items = "".join(f'<li><a href="/politik/{_slug(t)}.html">{html.escape(t)}</a></li>' for t in titles)
        raw = (f'<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Nachrichten aus aller Welt'
               f" – Startseite</title></head><body><header><nav><a href=\"/\">Startseite</a> "
               f'<a href="/politik/">Politik</a> <a href="/wirtschaft/">Wirtschaft</a></nav></header>'
               f"<main><h1>Top-Themen</h1><ul>{items}</ul></main><footer>Impressum</footer></body></html>").encode()
        return Body(raw, gzip.compress(raw, 6), "text/html; charset=utf-8")

    async def serve(self) -> list[asyncio.base_events.Server]:
        servers = [await asyncio.start_server(self._control, "127.0.0.1", self.port, backlog=1024)]
        for index, address in enumerate(self.hosts):
            async def handler(reader, writer, index=index):
                await self._connection(reader, writer, index)
            servers.append(await asyncio.start_server(handler, address, self.port, backlog=1024,
                                                      reuse_address=True))
        return servers

    async def _requests(self, reader: asyncio.StreamReader):
        """Yield (method, path, headers) for each request on a keep-alive connection."""
        while True:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=60)
            except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                return
            lines = head.decode("latin-1").split("\r\n")
            parts = lines[0].split(" ")
            if len(parts) != 3:
                return
            headers = {}
            for line in lines[1:]:
                name, sep, value = line.partition(":")
                if sep:
                    headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length") or 0)
            if length:
                await reader.readexactly(length)
            yield parts[0], parts[1], parts[2], headers

    def _respond(self, writer, version: str, method: str, status: int, reason: str, headers: dict,
                 body: Body | bytes | None, request_headers: dict) -> bool:
        keep_alive = request_headers.get("connection", "").lower() != "close" and version == "HTTP/1.1"
        payload = b""
        if isinstance(body, Body):
            if "gzip" in request_headers.get("accept-encoding", ""):
                payload = body.gz
                headers["Content-Encoding"] = "gzip"
                self.stats.gzip += 1
            else:
                payload = body.raw
            headers["Content-Type"] = body.content_type
            headers["Vary"] = "Accept-Encoding"
        elif body is not None:
            payload = body
        headers.update(self.extra_headers)
        headers["Content-Length"] = str(len(payload))
        headers["Connection"] = "keep-alive" if keep_alive else "close"
        head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        writer.write(head.encode("latin-1"))
        if method != "HEAD" and payload:
            writer.write(payload)
            self.stats.bytes_out += len(payload)
        self.stats.statuses[status] += 1
        return keep_alive

    async def _connection(self, reader, writer, host: int) -> None:
        stats = self.stats
        stats.connections += 1
        try:
            async for method, target, version, headers in self._requests(reader):
                path = target.split("?", 1)[0]
                if "://" in path:
                    path = "/" + path.split("://", 1)[1].partition("/")[2]
                stats.requests[host] += 1
                stats.methods[method] += 1
                stats.inflight[host] += 1
                stats.max_inflight[host] = max(stats.max_inflight[host], stats.inflight[host])
                stats.inflight_total += 1
                stats.max_inflight_total = max(stats.max_inflight_total, stats.inflight_total)
                try:
                    if self.latency > 0:
                        await asyncio.sleep(self.latency)
                    keep = self._answer(writer, host, method, path, version, headers)
                    await writer.drain()
                finally:
                    stats.inflight[host] -= 1
                    stats.inflight_total -= 1
                if not keep:
                    break
        except ConnectionError:
            pass
        finally:
            writer.close()

    def _answer(self, writer, host: int, method: str, path: str, version: str, headers: dict) -> bool:
        if path == "/robots.txt":
            self.stats.robots += 1
            return self._respond(writer, version, method, 200, "OK", {"Content-Type": "text/plain"},
                                 ROBOTS_TXT, headers)
        if path == "/":
            return self._respond(writer, version, method, 200, "OK", {}, self.homes[host], headers)
        kind, page, location = self.routes.get((host, path), ("not_found", None, None))
        if kind == "page":
            return self._respond(writer, version, method, 200, "OK", {}, self.bodies[page].for_url(host, path), headers)
        if kind == "redirect":
            return self._respond(writer, version, method, 301, "Moved Permanently",
                                 {"Location": f"http://{self.hosts[host]}:{self.port}{location}"}, b"", headers)
        if kind == "rate_limited" and (host, path) not in self.limited_seen:
            self.limited_seen.add((host, path))
            return self._respond(writer, version, method, 429, "Too Many Requests",
                                 {"Retry-After": str(self.retry_after)}, b"slow down\n", headers)
        if kind == "rate_limited":
            return self._respond(writer, version, method, 200, "OK", {}, self.bodies[page].for_url(host, path), headers)
        if kind == "gone":
            return self._respond(writer, version, method, 410, "Gone", {}, self.not_found.for_url(host, path), headers)
        return self._respond(writer, version, method, 404, "Not Found", {}, self.not_found.for_url(host, path), headers)

    async def _control(self, reader, writer) -> None:
        try:
            async for method, target, version, headers in self._requests(reader):
                path = target.split("?", 1)[0]
                if path == "/__stats":
                    body, ctype = json.dumps(self.stats.as_json()).encode(), "application/json"
                elif path == "/__reset":
                    self.stats.reset()
                    self.limited_seen.clear()
                    body, ctype = b'{"reset": true}', "application/json"
                elif path == "/__urls.txt":
                    body, ctype = "".join(u + "\n" for u in self.urls).encode(), "text/plain"
                elif path in ("/__links.html", "/"):
                    body, ctype = self.links, "text/html; charset=utf-8"
                elif path == "/robots.txt":
                    body, ctype = ROBOTS_TXT, "text/plain"
                else:
                    self._respond(writer, version, method, 404, "Not Found", {}, b"", headers)
                    await writer.drain()
                    continue
                keep = self._respond(writer, version, method, 200, "OK", {"Content-Type": ctype}, body, headers)
                await writer.drain()
                if not keep:
                    break
        except ConnectionError:
            pass
        finally:
            writer.close()


def free_port(hosts: list[str]) -> int:
    """A port free on 127.0.0.1 and on every test host address."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        try:
            for address in hosts:
                with socket.socket() as s:
                    s.bind((address, port))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port on the 127.0.0.x test hosts")


def _serve_forever(spec_file: Path, port: int, corpus: Path) -> None:
    spec = json.loads(spec_file.read_text(encoding="utf-8"))
    try:
        import uvloop  # optional: a faster event loop when it is installed
        uvloop.install()
    except ImportError:
        pass

    async def main() -> None:
        server = _Server(spec, corpus, port)
        servers = await server.serve()
        print(f"READY {port}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        # Stop by ourselves when the parent is gone (no orphaned servers).
        parent = os.getppid()
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=1.0)
            except TimeoutError:
                if os.getppid() != parent:
                    break
        for s in servers:
            s.close()

    asyncio.run(main())


# ---------------------------------------------------------------- the handle other code uses

class TestWeb:
    """Runs the test web for a plan in a child process; a context manager that always stops it."""

    def __init__(self, plan: Plan, workdir: Path, corpus: Path | None = None) -> None:
        self.plan = plan
        self.workdir = Path(workdir)
        self.corpus = corpus or corpus_dir()
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> TestWeb:
        self.workdir.mkdir(parents=True, exist_ok=True)
        port = free_port(["127.0.0.1", *self.plan.hosts])
        spec_file = self.workdir / "plan.json"
        spec_file.write_text(json.dumps(self.plan.to_json()), encoding="utf-8")
        finalize(self.plan, port)
        self.articles_dir = self.workdir / "articles"
        write_articles(self.plan, self.articles_dir)
        self.urls_txt, self.links_file = write_lists(self.plan, self.workdir)
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "_serve", str(spec_file), str(port), str(self.corpus)],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, start_new_session=True, text=True)
        line = self.process.stdout.readline()  # blocks until the server is up (or died)
        if not line.startswith("READY"):
            self.stop()
            raise RuntimeError("the test web did not start")
        self.control = f"http://127.0.0.1:{port}"
        return self

    @property
    def urls(self) -> list[str]:
        return self.plan.urls

    @property
    def links_url(self) -> str:
        return f"{self.control}/__links.html"

    def stats(self) -> dict:
        with urlopen(f"{self.control}/__stats", timeout=10) as answer:
            return json.loads(answer.read())

    def reset_stats(self) -> None:
        with urlopen(f"{self.control}/__reset", timeout=10) as answer:
            answer.read()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_serve"]:
        _serve_forever(Path(argv[1]), int(argv[2]), Path(argv[3]))
        return 0
    parser = argparse.ArgumentParser(description="Serve a local test web of real news pages on 127.0.0.x.")
    parser.add_argument("--urls", type=int, default=200)
    parser.add_argument("--hosts", type=int, default=5)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds before each answer")
    parser.add_argument("--pages", choices=("real", "tiny"), default="real")
    parser.add_argument("--min-kb", type=int, default=100)
    parser.add_argument("--max-kb", type=int, default=900)
    parser.add_argument("--per-article", type=int, default=5, help="URLs cited per article")
    parser.add_argument("--rate-limited", type=float, default=0.0, help="share of URLs that answer 429 once")
    parser.add_argument("--seconds", type=float, default=3600, help="stop after this long")
    parser.add_argument("--out", type=Path, required=True, help="folder for articles/, urls.txt, links.html")
    args = parser.parse_args(argv)
    try:
        plan = build_plan(args.urls, args.hosts, args.latency, per_article=args.per_article, pages=args.pages,
                          min_kb=args.min_kb, max_kb=args.max_kb, share_rate_limited=args.rate_limited)
    except CorpusMissing as exc:
        print(f"testweb: skipped: {exc}", file=sys.stderr)
        return 0
    with TestWeb(plan, args.out) as web:
        print(json.dumps({"control": web.control, "links": web.links_url, "urls": str(web.urls_txt),
                          "articles": str(web.articles_dir), "hosts": len(plan.hosts)}), flush=True)
        try:
            deadline = time.monotonic() + args.seconds
            while time.monotonic() < deadline and web.process.poll() is None:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
