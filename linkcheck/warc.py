"""Export archived checks as standard WARC records (warcio), for replay tools such as pywb.

Per check: a request and a response record for every hop of the redirect chain (same WARC-Date,
linked by WARC-Concurrent-To), then a metadata record with the verdict and its evidence.
A body already written earlier in the same file becomes a revisit record (identical payload).
The HTTP header block is rebuilt from the stored status and headers: the stored body is decoded,
so Transfer-Encoding and Content-Encoding are dropped and Content-Length is set to its size.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from sqlite_utils import Database
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from . import __version__
from .config import USER_AGENT
from .schema import open_database, read_snapshot_body

_DROPPED_HEADERS = {"transfer-encoding", "content-encoding", "content-length"}
_IDENTICAL_PAYLOAD = "http://netpreserve.org/warc/1.0/revisit/identical-payload-digest"


def export_warc(db_path: Path | str, out_file: Path | str, run_id: int | None = None) -> int:
    """Write the archive's checks (all runs, or one) to `out_file`; return the records written.

    A name ending in .gz gets per-record gzip compression, the usual `.warc.gz` form. The file
    appears whole or not at all (written beside it, then renamed); an OSError if it cannot be.
    """
    out_file = Path(out_file)
    db = open_database(db_path, readonly=True)
    try:
        handle = tempfile.NamedTemporaryFile("wb", dir=out_file.parent, prefix=f".{out_file.name}.",
                                             suffix=".part", delete=False)
        try:
            with handle:
                written = _write_warc(handle, out_file.name, db, run_id)
            os.chmod(handle.name, 0o666 & ~_umask())  # as open() would have made it, not 0600
            os.replace(handle.name, out_file)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(handle.name)
            raise
    finally:
        db.close()
    return written


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_warc(handle: IO[bytes], name: str, db: Database, run_id: int | None) -> int:
    where, params = ("WHERE c.run_id = ?", [run_id]) if run_id is not None else ("", [])
    rows = db.execute(f"""
        SELECT c.*, l.url, r.options FROM checks c JOIN links l ON l.id = c.link_id
        JOIN runs r ON r.id = c.run_id {where} ORDER BY c.checked_at, c.id""", params)
    columns = [d[0] for d in rows.description]
    written = 0
    payload_records: dict[int, tuple[str, str, str]] = {}  # snapshot -> (digest, uri, date)
    writer = WARCWriter(handle, gzip=name.endswith(".gz"))
    writer.write_record(writer.create_warcinfo_record(name, {
        "software": f"linkcheck/{__version__} (warcio)",
        "format": "WARC File Format 1.0",
        "description": "Pages cited by news articles, as linkcheck saw them"
                       + (f" in run {run_id}" if run_id is not None else ""),
    }))
    written += 1
    for values in rows.fetchall():
        check = dict(zip(columns, values))
        written += _write_check(writer, db, check, payload_records)
    return written


def _write_check(writer: WARCWriter, db: Database, check: dict, payload_records: dict) -> int:
    date = check["checked_at"]
    user_agent = json.loads(check["options"] or "{}").get("user_agent", USER_AGENT)
    hops = json.loads(check["chain"] or "[]")
    if check["status"] is None:
        hops = []
    elif not hops:
        hops = [{"url": check["final_url"] or check["url"], "status": check["status"],
                 "location": None}]
    count = 0
    response_id = None
    for index, hop in enumerate(hops):
        final = index == len(hops) - 1
        warc_headers = {"WARC-Date": date}
        if final and check["remote_ip"]:
            warc_headers["WARC-IP-Address"] = check["remote_ip"]
        if final and check["truncated"]:
            warc_headers["WARC-Truncated"] = "length"
        if final:
            response = _final_response(writer, db, check, hop, warc_headers, payload_records)
        else:
            headers = [("Location", hop["location"] or ""), ("Content-Length", "0")]
            response = writer.create_warc_record(
                hop["url"], "response", payload=BytesIO(b""), length=0,
                http_headers=_status_headers(hop["status"], headers), warc_headers_dict=warc_headers)
        response_id = response.rec_headers.get_header("WARC-Record-ID")
        request = writer.create_warc_record(
            hop["url"], "request", payload=BytesIO(b""), length=0,
            http_headers=_request_headers(hop["url"], user_agent),
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": response_id})
        writer.write_record(request)
        writer.write_record(response)
        count += 2
    writer.write_record(_metadata(writer, db, check, response_id))
    return count + 1


def _final_response(writer: WARCWriter, db: Database, check: dict, hop: dict, warc_headers: dict,
                    payload_records: dict) -> ArcWarcRecord:
    body = read_snapshot_body(db, check["snapshot_id"]) if check["snapshot_id"] else b""
    stored = [tuple(pair) for pair in json.loads(check["headers"] or "[]")]
    headers = [(k, v) for k, v in stored if k.lower() not in _DROPPED_HEADERS]
    headers.append(("Content-Length", str(len(body))))
    http_headers = _status_headers(hop["status"], headers)
    earlier = payload_records.get(check["snapshot_id"])
    if earlier and body:
        digest, uri, date = earlier
        record = writer.create_revisit_record(hop["url"], digest, uri, date,
                                              http_headers=http_headers)
        record.rec_headers.replace_header("WARC-Date", warc_headers["WARC-Date"])
        record.rec_headers.replace_header("WARC-Profile", _IDENTICAL_PAYLOAD)
        for name, value in warc_headers.items():
            record.rec_headers.replace_header(name, value)
        return record
    record = writer.create_warc_record(hop["url"], "response", payload=BytesIO(body),
                                       length=len(body), http_headers=http_headers,
                                       warc_headers_dict=warc_headers)
    if check["snapshot_id"] and body:
        payload_records[check["snapshot_id"]] = (
            record.rec_headers.get_header("WARC-Payload-Digest"), hop["url"], check["checked_at"])
    return record


def _metadata(writer: WARCWriter, db: Database, check: dict, response_id: str | None) -> ArcWarcRecord:
    fields = [("linkcheck-check-id", check["id"]), ("linkcheck-run-id", check["run_id"]),
              ("verdict", check["verdict"]), ("rule", check["rule"]), ("reason", check["reason"]),
              ("score", check["score"]), ("link-state", check["link_state"]),
              ("final-url", check["final_url"]), ("error", check["error"]),
              ("main-text-sha256", check["main_text_hash"])]
    for article, verdict, reason, found, missing in db.execute("""
            SELECT a.path, cc.verdict, cc.reason, cc.found, cc.missing FROM citation_checks cc
            JOIN citations ci ON ci.id = cc.citation_id JOIN articles a ON a.id = ci.article_id
            WHERE cc.check_id = ? ORDER BY ci.id""", [check["id"]]):
        fields.append(("citation", json.dumps({"article": article, "verdict": verdict,
                                               "reason": reason, "found": json.loads(found or "[]"),
                                               "missing": json.loads(missing or "[]")},
                                              ensure_ascii=False)))
    text = "".join(f"{name}: {' '.join(str(value).split())}\r\n"
                   for name, value in fields if value is not None)
    payload = text.encode("utf-8")
    warc_headers = {"WARC-Date": check["checked_at"]}
    if response_id:
        warc_headers["WARC-Concurrent-To"] = response_id
        warc_headers["WARC-Refers-To"] = response_id
    return writer.create_warc_record(check["final_url"] or check["url"], "metadata",
                                     payload=BytesIO(payload), length=len(payload),
                                     warc_content_type="application/warc-fields",
                                     warc_headers_dict=warc_headers)


def _status_headers(status: int, headers: list[tuple[str, str]]) -> StatusAndHeaders:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    return StatusAndHeaders(f"{status} {phrase}", headers, protocol="HTTP/1.1")


def _request_headers(url: str, user_agent: str) -> StatusAndHeaders:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [("Host", parts.netloc), ("User-Agent", user_agent), ("Accept", "*/*"),
               ("Accept-Encoding", "gzip, deflate, br")]
    return StatusAndHeaders(f"GET {target} HTTP/1.1", headers, protocol="HTTP/1.1",
                            is_http_request=True)
