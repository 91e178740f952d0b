"""Output of a run: a table, JSON Lines or Markdown over one stream of citation rows."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table

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
            "checked_at": fetch.started_at.isoformat() if fetch else None,
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


def citation_order(row: dict[str, Any]) -> tuple[str, int]:
    """Articles in path order, each one's URLs in the order it cites them."""
    return row["article"], row["position"]


def write_json_line(row: dict[str, Any], out: TextIO) -> None:
    out.write(json.dumps(row, ensure_ascii=False) + "\n")
    out.flush()


def print_table(rows: list[dict[str, Any]], console: Console) -> None:
    table = Table(show_lines=False, expand=False)
    table.add_column("verdict", no_wrap=True)
    table.add_column("status", justify="right", no_wrap=True)
    table.add_column("url", overflow="fold", max_width=70)
    table.add_column("reason", overflow="fold")
    many_articles = len({row["article"] for row in rows}) > 1
    if many_articles:
        table.add_column("article", overflow="fold", max_width=30)
    for row in rows:
        style = facts(row["verdict"]).style
        reason = row["reason"] + (f"\n→ archived copy of {row['replacement']['captured_at'][:10]}: "
                                  f"{row['replacement']['url']}" if row.get("replacement") else "")
        cells = [f"[{style}]{row['verdict']}[/]", str(row["status"] or "-"), row["url"], reason]
        if many_articles:
            cells.append(row["article"])
        table.add_row(*cells)
    console.print(table)


def markdown(rows: Iterable[dict[str, Any]]) -> str:
    lines = ["| verdict | status | url | reason | replacement | article |", "|---|---|---|---|---|---|"]
    for row in rows:
        found = row.get("replacement")
        replacement = f"{found['url']} ({found['captured_at'][:10]})" if found else ""
        cells = [row["verdict"], str(row["status"] or "-"), row["url"], row["reason"], replacement, row["article"]]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def summary_line(counts: dict[str, int], articles: int, run_id: int | None, db: str,
                 skipped_recent: int = 0, network_up: bool = True) -> str:
    """One line for cron logs: what was checked and what came out."""
    total = sum(counts.values())
    parts = [f"{counts[v]} {v}" for v in Verdict if counts.get(v)]
    line = (f"linkcheck: {total} citation(s) in {articles} article(s): "
            f"{', '.join(parts) or 'nothing checked'}")
    if skipped_recent:
        line += f"; {skipped_recent} link(s) skipped (checked recently or earlier in this run)"
    if not network_up:
        line += "; NETWORK UNAVAILABLE: links not judged, no link state changed"
    return line + f" (run {run_id}, archive {db})"


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
