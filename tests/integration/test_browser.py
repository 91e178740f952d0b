"""What an editor sees in a real browser: `linkcheck serve` on an archive that two real
`linkcheck verify` runs made against a local server, opened in headless Chromium (Playwright).

Skipped where Playwright or a Chromium is missing. Chromium: Debian's (`apt-get install chromium`)
or Playwright's own (`python -m playwright install chromium`, which needs its download host).
With LINKCHECK_SCREENSHOTS=docs the README's screenshots are written there.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from .local_server import local_web, page, redirect
from .test_verify_e2e import html, scholz_article

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed "
                                     "(pip install -e '.[test]')")

HOSTS = ("127.0.0.9",)
STORY = "/politik/scholz-macron-paris-123.html"
SCRIPTED = "/politik/scholz-mit-skript.html"
WIDTH = 1400


def _scripted_story(beacon: str) -> bytes:
    """The story with a script that would mark the page and call home, and an image from the host."""
    trap = (f'<script>document.title = "pwned"; document.body.insertAdjacentHTML("beforeend", '
            f'"<p id=pwned>script ran</p>"); new Image().src = "{beacon}/beacon-script";</script>'
            f'<img src="{beacon}/beacon-image" alt="">'
            f'<link rel="stylesheet" href="{beacon}/beacon-style.css">')
    return html("story.html").replace(b"</article>", trap.encode() + b"</article>")


def _verify(folder: Path) -> subprocess.CompletedProcess[str]:
    """`linkcheck verify` run in `folder`, so that the archive names the article articles/scholz.txt."""
    return subprocess.run(
        [sys.executable, "-m", "linkcheck", "verify", "articles", "--db", "linkcheck.db", "--config", "linkcheck.toml",
         "--format", "json", "--allow-private", "--timeout", "5", "--retries", "1", "--repair", "off"],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, cwd=folder)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """Two runs: the story changes a sentence between them; one link is dead in both (broken: the
    config's failures_to_break is 2), one dies in the second run, one moved, one is blocked, one
    drifted, one carries scripts and subresources."""
    folder = tmp_path_factory.mktemp("browser")
    with local_web(HOSTS) as web:
        base = web.url("")
        web.routes.update({
            STORY: page(html("story.html")),
            "/politik/elbe-hochwasser.html": page(html("other-story.html")),
            "/politik/abo.html": page(b"<html><body><h1>Forbidden</h1></body></html>", 403),
            "/politik/gipfel.html": page(html("story.html")),
            "/politik/alter-artikel.html": redirect("/", 301),
            "/": page(html("home.html")),
            SCRIPTED: page(_scripted_story(base)),
        })
        paths = [STORY, "/politik/elbe-hochwasser.html", "/politik/geloescht.html", "/politik/abo.html", SCRIPTED,
                 "/politik/gipfel.html", "/politik/alter-artikel.html"]
        urls = [f"{base}{path}" for path in paths]
        scholz_article(folder / "articles", urls)
        (folder / "linkcheck.toml").write_text("failures_to_break = 2\nbroken_after_days = 0\n")
        first = _verify(folder)
        assert first.returncode == 1, first.stderr
        web.routes[STORY] = page(html("story.html").replace(
            b"Die EU-Kommission pr\xc3\xbcft den Vorschlag.", b"Die EU-Kommission hat den Vorschlag abgelehnt."))
        del web.routes["/politik/gipfel.html"]
        second = _verify(folder)
        assert second.returncode == 1, second.stderr
        web.hits.clear()
        yield folder / "linkcheck.db", urls, web


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def served(archive):
    db, urls, web = archive
    port = _free_port()
    # A session of its own, so that _stop can tell whether anything serve started is still running.
    process = subprocess.Popen([sys.executable, "-m", "linkcheck", "serve", "--db", str(db), "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/-/versions.json", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            _stop(process)
            pytest.fail(f"linkcheck serve did not start: {process.stdout.read().decode() if process.stdout else ''}")
        time.sleep(0.2)
    yield base, urls, web
    _stop(process)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to serve alone, as a service manager stops it: serve must stop its Datasette child
    itself. The group is killed only to clean up after a failure."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
        deadline = time.monotonic() + 30
        while _group_alive(process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _group_alive(process.pid), "linkcheck serve left its Datasette process running after SIGTERM"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _launch(playwright):
    try:
        return playwright.chromium.launch()
    except playwright_api.Error:
        pass
    for name in ("chromium", "chromium-browser", "google-chrome"):
        executable = shutil.which(name)
        if executable:
            return playwright.chromium.launch(executable_path=executable)
    pytest.skip("no Chromium for Playwright: apt-get install chromium (Debian), or "
                "python -m playwright install chromium")


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        launched = _launch(playwright)
        yield launched
        launched.close()


@pytest.fixture
def tab(browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": 1000})
    yield context.new_page()
    context.close()


def _screenshot(tab, name: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("LINKCHECK_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    tab.screenshot(path=str(path), full_page=False)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_database_page_leads_with_failing_citations(served, tab):
    base, _, _ = served
    tab.goto(f"{base}/linkcheck")
    queries = [link.inner_text() for link in tab.locator("a[href^='/linkcheck/']").all()]
    assert "Failing citations" in queries and "Broken citations" in queries and "Blocked citations" in queries
    assert queries.index("Failing citations") < queries.index("Broken citations")


def test_failing_list_shows_a_citation_from_its_first_failed_check_with_its_state(served, tab, tmp_path):
    base, urls, _ = served
    tab.goto(f"{base}/linkcheck/failing_citations")
    states = {url: tab.locator("table.rows-and-columns tbody tr", has_text=url).inner_text()
              for url in (urls[2], urls[5], urls[6])}
    assert "failing since today, 1 of 2 checks" in states[urls[5]]
    assert "broken since today" in states[urls[2]] and "moved" in states[urls[6]]
    assert tab.evaluate("document.documentElement.scrollWidth") <= WIDTH
    _screenshot(tab, "datasette-failing-citations.png", tmp_path)


def test_broken_list_shows_the_dead_citation_and_leads_to_its_evidence(served, tab):
    base, urls, _ = served
    dead = urls[2]
    tab.goto(f"{base}/linkcheck/broken_citations")
    row = tab.locator("table.rows-and-columns tbody tr", has_text=dead)
    assert row.count() == 1
    assert "dead" in row.inner_text()
    assert tab.locator("table.rows-and-columns tbody tr").count() == 2  # the dead link and the moved one
    row.locator("a", has_text="evidence").click()
    tab.wait_for_url(re.compile(r"/-/linkcheck/linkcheck/citation/\d+$"))
    assert tab.locator("span.verdict").inner_text() == "dead"
    assert "404" in tab.locator("dd.reason").inner_text()


def _citation_page(tab, base: str, url: str) -> None:
    tab.goto(f"{base}/linkcheck/latest_citation_verdicts?url={url}")
    tab.locator("table.rows-and-columns tbody tr").first.locator("a", has_text="evidence").click()
    tab.wait_for_url(re.compile(r"/citation/\d+$"))


def test_citation_page_shows_verdict_reason_rule_and_highlighted_hits(served, tab, tmp_path):
    base, urls, _ = served
    _citation_page(tab, base, urls[1])  # the other story: drifted
    assert tab.locator("span.verdict").inner_text() == "drifted"
    assert tab.locator("dd.reason").inner_text().strip()
    assert tab.locator(".rule-explained").inner_text().strip()
    assert tab.locator("section.missing li").count() >= 1
    _citation_page(tab, base, urls[0])  # the story: ok, changed since the first run
    assert tab.locator("span.verdict").inner_text() == "ok"
    marks = [m.inner_text() for m in tab.locator("section.found mark").all()]
    assert any("Scholz" in m for m in marks) and any("Macron" in m for m in marks)
    assert "abgelehnt" in tab.locator("pre.diff .diff-added").first.inner_text()
    assert tab.locator("a.previous").count() == 1
    assert tab.evaluate("document.documentElement.scrollWidth") <= WIDTH  # no sideways scrolling
    _screenshot(tab, "datasette-citation-check.png", tmp_path)


def test_archived_page_shows_the_page_but_runs_no_script_and_fetches_nothing(served, tab):
    base, urls, web = served
    _citation_page(tab, base, urls[4])
    framed = tab.frame_locator("iframe.archived")
    assert "Scholz trifft Macron in Paris" in framed.locator("h1").inner_text()
    assert framed.locator("#pwned").count() == 0
    archived = tab.locator("a.archived-link").get_attribute("href")
    response = tab.goto(f"{base}{archived}")  # returns after the load event: subresources asked for by then
    assert response is not None and "sandbox" in response.headers["content-security-policy"]
    assert "Scholz trifft Macron in Paris" in tab.locator("h1").inner_text()
    assert tab.locator("#pwned").count() == 0
    assert tab.title() != "pwned"
    assert not [path for path in web.hits if "beacon" in path]
