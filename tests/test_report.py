"""The formatters over citation rows: the terminal table, Markdown and the --quiet lines."""

from __future__ import annotations

import io

from rich.console import Console

from linkcheck import report

URL = "https://www.example-zeitung.de/politik/deutschland/2024-03/scholz-macron-treffen-paris-ukraine-hilfe-123.html"


def row(verdict: str, url: str = URL, reason: str | None = None, article: str = "articles/a.txt",
        position: int = 1) -> dict:
    reason = reason if reason is not None else {"ok": f"HTTP 200 at {url}; mentions Olaf Scholz",
                                                "dead": f"HTTP 404 at {url}"}.get(verdict, f"HTTP 200 at {url} x")
    return {"article": article, "url": url, "final_url": url, "status": 404 if verdict == "dead" else 200,
            "verdict": verdict, "rule": "r", "reason": reason, "position": position, "replacement": None}


def table(rows: list[dict], width: int) -> list[str]:
    out = io.StringIO()
    report.print_table(sorted(rows, key=report.citation_order), Console(file=out, width=width, color_system=None))
    return out.getvalue().splitlines()


def fifty_rows() -> list[dict]:
    verdicts = ["ok"] * 40 + ["dead"] * 5 + ["drifted"] * 5
    return [row(v, URL.replace("123", str(i)), article=f"articles/{'ab'[i % 2]}.txt", position=i)
            for i, v in enumerate(verdicts)]


def test_short_reason_does_not_repeat_the_cited_url():
    assert report.short_reason(row("dead")) == "HTTP 404"
    assert report.short_reason(row("ok")) == "HTTP 200; mentions Olaf Scholz"
    assert report.short_reason(row("dead", reason=f"the connection timed out: {URL}")) == "the connection timed out"
    assert report.short_reason(row("moved", reason=f"{URL} now leads (HTTP 301) to the home page "
                                   "https://www.example-zeitung.de/")) == \
        "now leads (HTTP 301) to the home page https://www.example-zeitung.de/"


def test_failures_come_first_then_articles_in_order():
    ordered = sorted([row("ok", position=1), row("drifted", position=2), row("dead", position=3)],
                     key=report.citation_order)
    assert [r["verdict"] for r in ordered] == ["dead", "drifted", "ok"]


def test_table_at_80_columns_is_one_line_per_ok_citation_and_fits():
    lines = table(fifty_rows(), 80)
    assert max(map(len, lines)) <= 80
    assert sum(line.startswith("ok ") for line in lines) == 40
    assert len(lines) <= 1 + 40 + 10 * 3
    assert lines[1].startswith("dead")


def test_wide_table_puts_the_reason_beside_the_url_in_full():
    lines = table(fifty_rows(), 220)
    assert len(lines) == 1 + 50
    assert URL.replace("123", "40").removeprefix("https://") in lines[1]
    assert lines[1].rstrip().endswith("HTTP 404")


def test_shortened_url_keeps_the_host_and_the_end():
    short = report.shorten_url(URL, 40)
    assert len(short) == 40
    assert short.startswith("www.example-zeitung.de/…") and short.endswith("-hilfe-123.html")


def test_shortened_url_keeps_the_end_of_the_path_and_drops_the_query_first():
    url = "https://127.0.0.2:41151/politik/2024-03/scholz-macron-hilfe-dead-019.html?utm_source=newsletter&ref=front"
    assert report.shorten_url(url, 44) == "127.0.0.2:41151/…acron-hilfe-dead-019.html?…"  # 44 characters
    assert report.shorten_url("https://a.example/story-1.html?ref=x", 32) == "a.example/story-1.html?ref=x"
    assert report.shorten_url("https://a.example/s.html#" + "x" * 40, 24) == "a.example/s.html#…"


def test_markdown_cells_never_break_a_row_and_pipes_are_escaped():
    text = report.markdown([row("dead", reason="Christine \nLagarde | EZB", article="a|b.txt")])
    lines = text.splitlines()
    assert len(lines) == 3
    assert "Christine Lagarde \\| EZB" in lines[2] and "a\\|b.txt" in lines[2]


def test_quiet_lines_name_verdict_url_article_and_reason():
    lines = report.quiet_lines([row("ok"), row("dead")])
    assert lines == [f"dead: {URL} (cited in articles/a.txt): HTTP 404"]


def test_summary_counts_skipped_citations_as_last_checked():
    line = report.summary_line({"ok": 1}, 1, 3, "a.db", skipped_recent=2, skipped_counts={"dead": 1, "ok": 1})
    assert "2 link(s) skipped" in line and "their 2 citation(s) as last checked: 1 ok, 1 dead" in line


def test_markdown_reasons_do_not_repeat_the_cited_url():
    text = report.markdown([row("dead", reason=f"{URL} answered HTTP 404")])
    assert text.splitlines()[2].count(URL) == 1 and "| answered HTTP 404 |" in text


def test_quiet_lines_mark_citations_skipped_by_max_age():
    skipped = {**row("dead"), "skipped": True, "checked_at": "2026-12-01T10:00:00Z"}
    assert report.quiet_lines([skipped]) == [f"dead: {URL} (cited in articles/a.txt): HTTP 404 "
                                             "(not checked again; last checked 2026-12-01T10:00:00Z)"]
