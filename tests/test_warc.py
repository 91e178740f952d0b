"""WARC export: standard request/response/metadata records that pass warcio's own checker."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.checker import Checker

from linkcheck.archive import Archive
from linkcheck.config import Config
from linkcheck.fetch import Hop
from linkcheck.verdict import Verdict
from linkcheck.warc import export_warc

from archive_fakes import article, day, result

URL = "https://news.example/kim"
OLD = "http://old.example/story?id=7"
NEW = "https://new.example/story"


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "linkcheck.db"
    art = article(urls=(URL, OLD, "https://down.example/", "htp:/broken"))
    with Archive(path) as archive:
        archive.add_article(art, ())
        for n in (0, 1):
            run_id = archive.start_run(Config(), ["articles"])
            archive.record_link(run_id, result(URL, at=day(n), articles=(art,)))
            archive.record_link(run_id, result(
                OLD, at=day(n), articles=(art,), body=b"<p>moved story</p>",
                chain=(Hop(OLD, 301, NEW), Hop(NEW, 200))))
            archive.record_link(run_id, result("https://down.example/", Verdict.UNREACHABLE,
                                               at=day(n), articles=(art,)))
            archive.record_link(run_id, result("htp:/broken", Verdict.INVALID, articles=(art,)))
            archive.finish_run(run_id, None, True)
    return path


def records(path):
    with open(path, "rb") as stream:
        return [(r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read())
                for r in ArchiveIterator(stream)]


def warcio_check(path) -> int:
    return Checker(SimpleNamespace(inputs=[str(path)], verbose=False)).process_all()


@pytest.mark.parametrize("name", ["out.warc.gz", "out.warc"])
def test_export_passes_warcio_check(db, tmp_path, name):
    out = tmp_path / name
    count = export_warc(db, out)
    assert count == len(records(out)) > 1
    assert warcio_check(out) == 0
    warcio = Path(sys.executable).parent / "warcio"
    assert subprocess.run([str(warcio), "check", str(out)]).returncode == 0


def test_export_starts_with_warcinfo_then_request_response_metadata(db, tmp_path):
    out = tmp_path / "run1.warc.gz"
    export_warc(db, out, run_id=1)
    found = records(out)
    assert found[0][0] == "warcinfo"
    assert [r[0] for r in found[1:4]] == ["request", "response", "metadata"]
    request, response, metadata = found[1:4]
    assert request[1].get_header("WARC-Target-URI") == URL
    assert request[1].get_header("WARC-Concurrent-To") == response[1].get_header("WARC-Record-ID")
    assert metadata[1].get_header("WARC-Refers-To") == response[1].get_header("WARC-Record-ID")
    assert response[1].get_header("WARC-Date") == request[1].get_header("WARC-Date") \
        == "2026-01-05T06:00:00Z"
    assert response[1].get_header("WARC-IP-Address") == "192.0.2.10"
    assert request[2].protocol == "GET" and request[2].get_header("Host") == "news.example"
    assert b"verdict: ok" in metadata[3] and b'"found": ["Kim Jong Un", "Nordkorea"]' in metadata[3]


def test_response_headers_describe_the_stored_decoded_body(db, tmp_path):
    out = tmp_path / "out.warc"
    export_warc(db, out, run_id=1)
    rec_type, _, http_headers, body = records(out)[2]
    assert rec_type == "response" and http_headers.get_statuscode() == "200"
    assert body == b"<p>Kim Jong Un besucht Nordkorea.</p>"
    assert http_headers.get_header("Content-Length") == str(len(body))
    assert http_headers.get_header("Transfer-Encoding") is None
    assert http_headers.get_header("Content-Encoding") is None
    assert http_headers.get_header("Content-Type") == "text/html; charset=utf-8"


def test_every_hop_of_a_redirect_gets_request_and_response(db, tmp_path):
    out = tmp_path / "out.warc"
    export_warc(db, out, run_id=1)
    hops = [(r[0], r[1].get_header("WARC-Target-URI"), r[2] and r[2].get_statuscode())
            for r in records(out) if r[0] in ("request", "response")]
    assert ("response", OLD, "301") in hops and ("response", NEW, "200") in hops
    assert ("request", OLD, None) in [(t, u, None) for t, u, _ in hops]
    redirect = next(r for r in records(out) if r[0] == "response"
                    and r[1].get_header("WARC-Target-URI") == OLD)
    assert redirect[2].get_header("Location") == NEW


def test_repeated_body_becomes_a_revisit_record(db, tmp_path):
    out = tmp_path / "all.warc.gz"
    export_warc(db, out)
    kim = [r for r in records(out) if r[1].get_header("WARC-Target-URI") == URL
           and r[0] in ("response", "revisit")]
    assert [r[0] for r in kim] == ["response", "revisit"]
    assert kim[1][1].get_header("WARC-Refers-To-Target-URI") == URL
    assert kim[1][1].get_header("WARC-Payload-Digest") == kim[0][1].get_header("WARC-Payload-Digest")


def test_failed_fetch_gets_only_a_metadata_record(db, tmp_path):
    out = tmp_path / "out.warc"
    export_warc(db, out, run_id=1)
    down = [r for r in records(out) if r[1].get_header("WARC-Target-URI") == "https://down.example/"]
    assert [r[0] for r in down] == ["metadata"]
    assert b"verdict: unreachable" in down[0][3] and b"error: timeout" in down[0][3]
