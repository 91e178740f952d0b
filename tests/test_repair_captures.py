"""Archive lookups (repair.captures): what each API's answer means, malformed answers included,
on a mocked transport (respx) through the real fetcher."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import httpx
import pytest
import respx

from linkcheck.config import Config
from linkcheck.fetch import Fetcher
from linkcheck.repair.captures import (
    Lookup,
    memento,
    order_by_distance,
    parse_link_header,
    parse_timestamp,
    wayback_available,
    wayback_capture,
    wayback_cdx,
)

API = "https://archive.test/wayback/available"
CDX = "https://web.archive.test/cdx/search/cdx"
WEB = "https://web.archive.test/web/"
CITED = "https://news.example/politik/artikel-123.html"
PUBLISHED = datetime(2024, 10, 22, 12, tzinfo=UTC)


def ask(router: respx.Router, lookup) -> Lookup:
    async def run() -> Lookup:
        config = Config(retries=0, network_canaries=())
        async with Fetcher(config, httpx.MockTransport(router.async_handler)) as fetcher:
            return await lookup(lambda url, headers: fetcher.fetch(url, headers=headers))
    return asyncio.run(run())


def available(router: respx.Router, answer: object, status: int = 200, content_type: str = "application/json"):
    body = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
    router.get(url__startswith=API).mock(httpx.Response(status, content=body,
                                                        headers={"content-type": content_type}))
    return ask(router, lambda get: wayback_available(get, API, WEB, CITED, PUBLISHED, "before"))


def snapshot(timestamp: str, status: str = "200") -> dict:
    return {"archived_snapshots": {"closest": {"available": True, "status": status, "timestamp": timestamp,
                                               "url": f"http://web.archive.org/web/{timestamp}/{CITED}"}}}


@pytest.fixture
def router() -> respx.Router:
    return respx.Router(assert_all_called=False)


def test_availability_capture_before_the_date_is_found_with_raw_and_reader_urls(router):
    lookup = available(router, snapshot("20241020081500"))
    (capture,) = lookup.captures
    assert capture.url == f"{WEB}20241020081500/{CITED}"
    assert capture.raw_url == f"{WEB}20241020081500id_/{CITED}"
    assert capture.captured_at == datetime(2024, 10, 20, 8, 15, tzinfo=UTC) and capture.status == 200
    request = router.calls.last.request
    assert request.url.params["closest"] == "before" and request.url.params["timestamp"] == "20241022120000"
    assert request.url.params.get_list("statuscodes") == ["200", "203", "206"]


def test_availability_capture_after_the_date_does_not_count_as_before(router):
    lookup = available(router, snapshot("20241101000000"))
    assert lookup.captures == () and lookup.reached and "before" in lookup.problem


def test_availability_capture_with_a_404_or_302_is_skipped(router):
    for status in ("404", "302"):
        lookup = available(router, snapshot("20241020000000", status))
        assert lookup.captures == () and lookup.reached and status in lookup.problem


def test_availability_without_capture_is_no_capture(router):
    lookup = available(router, {"url": CITED, "archived_snapshots": {}})
    assert lookup.captures == () and lookup.reached


@pytest.mark.parametrize("body, content_type, why", [
    (b"{not json", "application/json", "not valid JSON"),
    (b"<html>maintenance</html>", "text/html", "not JSON"),
    (b"[1, 2]", "application/json", "knows no capture"),
    (json.dumps({"archived_snapshots": {"closest": {"available": True, "timestamp": "soon",
                                                     "status": "200"}}}).encode(),
     "application/json", "no usable timestamp"),
])
def test_malformed_availability_answers_are_a_reason_not_a_crash(router, body, content_type, why):
    lookup = available(router, body, content_type=content_type)
    assert lookup.captures == () and why in lookup.problem


def test_rate_limited_or_failing_archive_is_no_lookup(router):
    for status in (429, 503):
        lookup = available(router, {}, status=status)
        assert not lookup.reached and str(status) in lookup.problem


def test_unreachable_archive_is_no_lookup(router):
    router.get(url__startswith=API).mock(side_effect=httpx.ConnectError("refused"))
    lookup = ask(router, lambda get: wayback_available(get, API, WEB, CITED, PUBLISHED, "before"))
    assert not lookup.reached and "not reached" in lookup.problem


def cdx(router: respx.Router, body: str, status: int = 200) -> Lookup:
    router.get(url__startswith=CDX).mock(httpx.Response(status, text=body))
    return ask(router, lambda get: wayback_cdx(get, CDX, WEB, CITED, PUBLISHED))


def test_cdx_json_lists_200_class_captures_before_the_date_first_nearest_first(router):
    rows = [["timestamp", "original", "statuscode"],
            ["20241021000000", CITED, "200"], ["20241023000000", CITED, "200"],
            ["20240101000000", CITED, "200"], ["20241022060000", CITED, "404"]]
    lookup = cdx(router, json.dumps(rows))
    assert [c.captured_at.date().isoformat() for c in lookup.captures] == ["2024-10-21", "2024-01-01", "2024-10-23"]


def test_cdx_plain_text_output_is_read_too(router):
    lookup = cdx(router, f"20241021000000 {CITED} 200\n20241025000000 {CITED} 200\n")
    assert len(lookup.captures) == 2


@pytest.mark.parametrize("body", ["[[\"urlkey\", \"x\"], [\"a\", \"b\"]]", "garbage here\n", "{\"a\": 1}"])
def test_malformed_cdx_answers_are_a_reason_not_a_crash(router, body):
    lookup = cdx(router, body)
    assert lookup.captures == () and not lookup.reached and "cannot be read" in lookup.problem


def test_empty_cdx_answer_is_no_capture(router):
    lookup = cdx(router, "[]")
    assert lookup.captures == () and lookup.reached


TIMEGATE = "https://mementos.test/timegate/"


def test_memento_timegate_negotiates_with_accept_datetime(router):
    memento_url = f"https://mementos.test/memento/20241019/{CITED}"
    router.get(TIMEGATE + CITED).mock(httpx.Response(302, headers={
        "location": memento_url, "vary": "accept-datetime",
        "link": f'<{CITED}>; rel="original", '
                f'<{memento_url}>; rel="memento"; datetime="Sat, 19 Oct 2024 10:00:00 GMT"'}))
    router.get(memento_url).mock(httpx.Response(200, text="<p>old</p>", headers={
        "memento-datetime": "Sat, 19 Oct 2024 10:00:00 GMT"}))
    lookup = ask(router, lambda get: memento(get, TIMEGATE, CITED, PUBLISHED))
    (capture,) = lookup.captures
    assert capture.url == memento_url and capture.captured_at == datetime(2024, 10, 19, 10, tzinfo=UTC)
    assert capture.archive == "mementos.test" and capture.status == 200
    asked = router.calls[0].request
    assert asked.headers["accept-datetime"] == "Tue, 22 Oct 2024 12:00:00 GMT"


def test_memento_on_another_host_is_refused(router):
    router.get(TIMEGATE + CITED).mock(httpx.Response(302, headers={"location": f"https://elsewhere.test/{CITED}"}))
    router.get(url__startswith="https://elsewhere.test/").mock(httpx.Response(200, text="x", headers={
        "memento-datetime": "Sat, 19 Oct 2024 10:00:00 GMT"}))
    lookup = ask(router, lambda get: memento(get, TIMEGATE, CITED, PUBLISHED))
    assert lookup.captures == () and "not on the TimeGate's host" in lookup.problem


def test_timegate_without_memento_is_no_capture(router):
    router.get(TIMEGATE + CITED).mock(httpx.Response(200, text="nothing archived"))
    lookup = ask(router, lambda get: memento(get, TIMEGATE, CITED, PUBLISHED))
    assert lookup.captures == () and lookup.reached


def test_link_header_entries_with_relations_and_datetimes():
    entries = parse_link_header('<http://a/>; rel="original", <http://m/1>; rel="first memento"; '
                                'datetime="Sat, 19 Oct 2024 10:00:00 GMT"')
    assert entries[0] == ("http://a/", {"original"}, {})
    assert entries[1][1] == {"first", "memento"} and entries[1][2]["datetime"].startswith("Sat")


def test_timestamps_and_capture_order():
    assert parse_timestamp("20241022") == datetime(2024, 10, 22, tzinfo=UTC)
    assert parse_timestamp("2024") is None and parse_timestamp("20241399000000") is None
    before = wayback_capture(WEB, "20241001000000", CITED, 200)
    after = wayback_capture(WEB, "20241023000000", CITED, 200)
    assert order_by_distance([after, before, before], PUBLISHED) == (before, after)
