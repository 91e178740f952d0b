"""Output of a run: a table, JSON Lines or Markdown over one stream of citation rows."""

from __future__ import annotations

import json
import re
import textwrap
from collections import Counter
from collections.abc import Iterable
from pathlib import PurePath
from typing import Any, TextIO
from urllib.parse import urlsplit

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .entities import Entity
from .schema import utc_iso
from .verdict import VERDICT_FACTS, CitationResult, LinkResult, Rule, Verdict, facts

FORMATS = ("table", "json", "markdown")


def citation_rows(result: LinkResult) -> list[dict[str, Any]]:
    """One plain row per (article, cited URL): the keys DESIGN.md promises for --format json."""
    fetch = result.fetch
    rows = []
    for citation in result.citations:
        match = citation.match
        rows.append({
            "article": citation.article.path,
            "url": citation.cited.url,
            "final_url": fetch.final_url if fetch else None,
            "status": fetch.status if fetch else None,
            "verdict": str(citation.decision.verdict),
            "rule": citation.decision.rule,
            "reason": citation.decision.reason,
            "score": round(match.score, 3) if match else None,
            "found": list(match.found) if match else [],
            "missing": list(match.missing) if match else [],
            "checked_at": utc_iso(fetch.started_at) if fetch else None,
            "position": citation.position,
            "replacement": replacement_row(citation),
        })
    return rows


def replacement_row(citation: CitationResult) -> dict[str, Any] | None:
    """The verified archived copy offered for a citation, as JSON Lines and the tables show it."""
    repair = citation.repair
    if repair is None or repair.replacement is None:
        return None
    found = repair.replacement
    published = citation.article.date
    return {"url": found.capture.url, "archive": found.capture.archive,
            "captured_at": utc_iso(found.capture.captured_at),
            "found": list(found.match.found) if found.match else [],
            "days_from_article": found.days_from(published) if published else None,
            "status": found.capture.status}


def citation_order(row: dict[str, Any]) -> tuple[int, str, int]:
    """The worst verdicts first; within a verdict, articles in path order, each one's URLs in the
    order it cites them."""
    return facts(row["verdict"]).severity, row["article"], row["position"]


def is_failure(row: dict[str, Any]) -> bool:
    """Whether a row is one `--only-failures` and `--quiet` show: any verdict but ok."""
    return row["verdict"] != Verdict.OK


def short_reason(row: dict[str, Any]) -> str:
    """The reason without the cited URL it repeats (the row shows it already)."""
    url, reason = row["url"], row["reason"]
    if reason.startswith(f"{url} "):
        reason = reason[len(url) + 1:]
    reason = reason.replace(f" at {url}", "", 1).removesuffix(f": {url}")
    return reason or row["reason"]


def write_json_line(row: dict[str, Any], out: TextIO) -> None:
    out.write(json.dumps(row, ensure_ascii=False) + "\n")
    out.flush()


def print_table(rows: list[dict[str, Any]], console: Console) -> None:
    """One line per citation (verdict, status, URL, article), and for those that are not ok their
    reason: beside it on a wide terminal, on the lines below on a narrow one. URLs are shortened in
    the middle to fit; nothing wraps inside a column."""
    width = max(console.width, 40)
    labels = _article_labels(rows)
    verdict_width = max(len("verdict"), *(len(row["verdict"]) for row in rows))
    article_width = min(max(len("article"), *(len(label) for label in labels.values())),
                        32 if width >= 120 else 20) if len(labels) > 1 else 0
    lead = verdict_width + len("  code  ")
    room = width - lead - (article_width + 2 if article_width else 0)
    longest_url = max(len(row["url"]) for row in rows)
    wide = width >= 140
    reason_need = min(60, max(len(short_reason(row)) for row in rows))
    url_width = min(longest_url, max(40, room - 2 - reason_need)) if wide else room
    reason_width = room - url_width - 2 if wide else width - lead
    header = Text("verdict".ljust(verdict_width) + "  code  " + "url".ljust(url_width if article_width or wide else 0))
    if article_width:
        header.append("  " + "article".ljust(article_width if wide else 0))
    if wide:
        header.append("  reason")
    console.print(header, style="bold", highlight=False)
    for row in rows:
        failure = is_failure(row)
        line = Text(row["verdict"].ljust(verdict_width), style=facts(row["verdict"]).style)
        line.append(f"  {str(row['status'] or '-'):>4}  ")
        url = shorten_url(row["url"], url_width)
        line.append(url.ljust(url_width) if article_width or wide else url)
        if article_width:
            label = labels[row["article"]]
            label = label if len(label) <= article_width else label[: article_width - 1] + "…"
            line.append("  " + (label.ljust(article_width) if wide else label), style="dim")
        reason = short_reason(row)
        if row.get("replacement"):
            reason += f" → archived copy of {row['replacement']['captured_at'][:10]}: {row['replacement']['url']}"
        reason += _skipped_mark(row)
        if wide:
            pieces = textwrap.wrap(reason, reason_width) if failure else [_cut(reason, reason_width)]
            line.append("  " + (pieces[0] if pieces else ""))
            console.print(line, highlight=False, soft_wrap=True)
            for piece in pieces[1:]:
                console.print(" " * (width - reason_width) + piece, highlight=False, soft_wrap=True)
        else:
            console.print(line, highlight=False, soft_wrap=True)
            if failure:
                for piece in textwrap.wrap(reason, reason_width):
                    console.print(" " * lead + piece, highlight=False, soft_wrap=True)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def shorten_url(url: str, width: int) -> str:
    """`url` in at most `width` characters: the host and the end of the path, with … between."""
    if len(url) <= width:
        return url
    url = url.removeprefix("https://").removeprefix("http://")
    if len(url) <= width:
        return url
    parts = urlsplit("//" + url)
    head = f"{parts.netloc}/"
    rest = url[url.find(parts.netloc) + len(parts.netloc) + 1:] if parts.netloc else url
    if len(head) + 10 > width:
        return url[: width - 1] + "…"
    path, query = re.split(r"(?=[?#])", rest, maxsplit=1) if re.search(r"[?#]", rest) else (rest, "")
    if query and len(head) + len(rest) > width:
        rest = path + query[0] + "…"  # the end of the path tells pages apart, a tracking query does not
        if len(head) + len(rest) <= width:
            return head + rest
    return head + "…" + rest[-(width - len(head) - 1):]


def _article_labels(rows: list[dict[str, Any]]) -> dict[str, str]:
    """Each article's file name, or its path where two articles share a name."""
    paths = {row["article"] for row in rows}
    names = Counter(PurePath(p).name for p in paths)
    return {p: PurePath(p).name if names[PurePath(p).name] == 1 else p for p in paths}


def quiet_lines(rows: Iterable[dict[str, Any]]) -> list[str]:
    """One line per citation that is not ok, for cron mail: verdict, URL, article, short reason."""
    return [f"{row['verdict']}: {row['url']} (cited in {row['article']}): {short_reason(row)}{_skipped_mark(row)}"
            for row in rows if is_failure(row)]


def _skipped_mark(row: dict[str, Any]) -> str:
    """For a citation skipped by --max-age: that its row is the last check's, and when that was."""
    return f" (not checked again; last checked {row['checked_at']})" if row.get("skipped") else ""


def markdown(rows: Iterable[dict[str, Any]]) -> str:
    """A GitHub-flavoured Markdown table: one line per row whatever the cells hold."""
    lines = ["| verdict | status | url | reason | replacement | article |", "|---|---|---|---|---|---|"]
    for row in rows:
        found = row.get("replacement")
        replacement = f"{found['url']} ({found['captured_at'][:10]})" if found else ""
        cells = [row["verdict"], str(row["status"] or "-"), row["url"], short_reason(row), replacement, row["article"]]
        lines.append("| " + " | ".join(_markdown_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def _markdown_cell(text: str) -> str:
    return " ".join(text.split()).replace("\\", "\\\\").replace("|", "\\|")


def summary_line(counts: dict[str, int], articles: int, run_id: int | None, db: str,
                 skipped_recent: int = 0, network_up: bool = True,
                 skipped_counts: dict[str, int] | None = None) -> str:
    """One line for cron logs: what was checked, what came out, and what is known of the links
    not checked again."""
    total = sum(counts.values())
    line = (f"linkcheck: {total} citation(s) in {articles} article(s): "
            f"{_counted(counts) or 'nothing checked'}")
    if skipped_recent:
        line += f"; {skipped_recent} link(s) skipped (checked recently or earlier in this run)"
        if skipped_counts:
            line += f", their {sum(skipped_counts.values())} citation(s) as last checked: {_counted(skipped_counts)}"
    if not network_up:
        line += "; NETWORK UNAVAILABLE: links not judged, no link state changed"
    return line + f" (run {run_id}, archive {db})"


def _counted(counts: dict[str, int]) -> str:
    return ", ".join(f"{counts[v]} {v}" for v in Verdict if counts.get(v))


def entities_table(entities: tuple[Entity, ...], console: Console) -> None:
    table = Table()
    for column in ("name", "kind", "weight", "aliases"):
        table.add_column(column, overflow="fold")
    for entity in entities:
        table.add_row(entity.name, str(entity.kind), f"{entity.weight:.2f}", ", ".join(entity.aliases[:8]))
    console.print(table)


def entities_json(entities: tuple[Entity, ...]) -> str:
    return json.dumps([{"name": e.name, "kind": str(e.kind), "weight": round(e.weight, 3),
                        "aliases": list(e.aliases)} for e in entities], ensure_ascii=False, indent=2)


def verdicts_markdown() -> str:
    """The verdicts and what each means, as the README's table (from the verdict facts)."""
    lines = ["| verdict | meaning |", "|---|---|"]
    lines += [f"| `{v}` | {VERDICT_FACTS[v].meaning} |" for v in Verdict]
    return "\n".join(lines)


def rules_markdown() -> str:
    """Every rule with its verdict and explanation, as the README's table (from the registry)."""
    lines = ["| rule | verdict | why it fires |", "|---|---|---|"]
    lines += [f"| `{rule}` | `{rule.verdict}` | {rule.explanation} |" for rule in _rules_by_verdict()]
    return "\n".join(lines)


def rules_table(console: Console) -> None:
    table = Table()
    for column in ("rule", "verdict", "why it fires"):
        table.add_column(column, overflow="fold")
    for rule in _rules_by_verdict():
        table.add_row(rule.value, f"[{facts(rule.verdict).style}]{rule.verdict}[/]", rule.explanation)
    console.print(table)


def rules_json() -> str:
    return json.dumps([{"rule": r.value, "verdict": r.verdict.value, "explanation": r.explanation}
                       for r in _rules_by_verdict()], ensure_ascii=False, indent=2)


def _rules_by_verdict() -> list[Rule]:
    order = {verdict: i for i, verdict in enumerate(Verdict)}
    return sorted(Rule, key=lambda rule: order[rule.verdict])
