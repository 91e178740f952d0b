"""The verdict facts and the rule registry: every consumer derives from them, so adding a verdict
is one row of facts plus its rules."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from linkcheck import history, report, schema
from linkcheck.archive import Archive
from linkcheck.fetch import FetchError
from linkcheck.verdict import (
    FETCH_ERROR_RULES,
    VERDICT_FACTS,
    Outcome,
    Rule,
    Verdict,
    by_severity,
    facts,
    failing_verdicts,
    worst,
)

from archive_fakes import result

REPO = Path(__file__).resolve().parent.parent


def test_every_verdict_has_facts_with_a_severity_of_its_own():
    assert set(VERDICT_FACTS) == set(Verdict)
    assert sorted(f.severity for f in VERDICT_FACTS.values()) == list(range(len(Verdict)))
    assert all(f.meaning and f.style for f in VERDICT_FACTS.values())


def test_every_rule_names_its_verdict_and_explains_itself():
    assert len({rule.value for rule in Rule}) == len(Rule)
    for rule in Rule:
        assert rule.verdict in Verdict
        assert rule.explanation[0].isupper() and rule.explanation.endswith("."), rule
    assert {rule.verdict for rule in Rule} == set(Verdict), "a verdict no rule can reach"


def test_every_fetch_error_has_a_rule():
    assert set(FETCH_ERROR_RULES) == set(FetchError)


def test_history_counts_each_verdict_as_its_facts_say():
    for verdict in Verdict:
        assert history.outcome(verdict) is facts(verdict).history
    assert history.outcome("blocked") is Outcome.INCONCLUSIVE


def test_failing_views_list_exactly_the_failing_verdicts():
    listed = {v.strip(" '") for v in schema.FAILING_VERDICTS_SQL.strip("()").split(",")}
    assert listed == {v.value for v in Verdict if facts(v).failing}
    assert failing_verdicts()[0] is by_severity()[0]


def test_report_styles_come_from_the_facts():
    for verdict in Verdict:
        assert facts(verdict.value).style == VERDICT_FACTS[verdict].style


def test_worst_citation_follows_severity():
    url = "https://news.example/kim"
    citations = [c for verdict in Verdict for c in result(url, verdict).citations]
    assert worst(citations).decision.verdict is by_severity()[0]
    assert worst([]) is None


def test_archive_knows_every_verdict_and_rule(tmp_path):
    with Archive(tmp_path / "linkcheck.db") as archive:
        columns = {c.name for c in archive.db["runs"].columns}
        assert {v.value for v in Verdict} <= columns
        assert {r[0] for r in archive.db.execute("SELECT name FROM verdicts")} == {v.value for v in Verdict}
        stored = dict(archive.db.execute("SELECT name, explanation FROM rules").fetchall())
        assert stored == {rule.value: rule.explanation for rule in Rule}


# A new verdict added to a copy of the package: one facts row and one rule, nothing else.
NEW_VERDICT = '    EXAMPLE = "example"\n'
NEW_FACTS = '    Verdict.EXAMPLE: VerdictFacts(-1, Outcome.FAILURE, True, "magenta", "an example verdict"),\n'
NEW_RULE = '    EXAMPLE_RULE = ("example_rule", Verdict.EXAMPLE, "An example rule.")\n'

CONSUMERS = textwrap.dedent('''
    import io, json, sys
    from rich.console import Console
    from archive_fakes import ENTITIES, article, day, result
    from linkcheck import history, report
    from linkcheck.archive import Archive
    from linkcheck.config import Config
    from linkcheck.verdict import LinkResult, Verdict, by_severity

    new = Verdict("example")
    url = "https://news.example/kim"
    a = article(urls=(url,))
    with Archive(sys.argv[1]) as archive:
        archive.add_article(a, ENTITIES)
        run_id = archive.start_run(Config(), ["articles"])
        archive.record_link(run_id, result(url, new, articles=(a,)))
        summary = archive.finish_run(run_id, None, True)
        assert summary.counts["example"] == 1, summary
        failing = archive.db.execute("SELECT verdict, rule_explained FROM failing_citations").fetchall()
        link = archive.db.execute("SELECT state, last_verdict FROM links").fetchone()
    assert failing == [("example", "An example rule.")], failing
    assert link == ("flaky", "example"), link
    assert history.outcome(new).value == "failure"
    rows = report.citation_rows(result(url, new, articles=(a,)))
    out = io.StringIO()
    report.print_table(rows, Console(file=out, width=200, force_terminal=True, color_system="standard"))
    assert "\x1b[35mexample" in out.getvalue(), "the table shows the verdict in its facts' style"
    assert "example" in report.markdown(rows)
    assert "1 example" in report.summary_line({"example": 1}, 1, run_id, "db")
    both = LinkResult(url, None, None, result(url, Verdict.OK).citations + result(url, new).citations)
    assert both.decision.verdict is new and by_severity()[0] is new
    print("every consumer knows the new verdict")
''')


def test_a_new_verdict_needs_one_row_of_facts_and_its_rules(tmp_path):
    package = tmp_path / "linkcheck"
    shutil.copytree(REPO / "linkcheck", package, ignore=shutil.ignore_patterns("__pycache__"))
    verdict_py = package / "verdict.py"
    source = verdict_py.read_text()
    for anchor in ('    INVALID = "invalid"\n', "    Verdict.OK: VerdictFacts(",
                   "    STATUS_ONLY = ("):
        assert source.count(anchor) == 1, f"verdict.py no longer has {anchor!r}: update this test"
    source = source.replace('    INVALID = "invalid"\n', '    INVALID = "invalid"\n' + NEW_VERDICT)
    source = source.replace("    Verdict.OK: VerdictFacts(", NEW_FACTS + "    Verdict.OK: VerdictFacts(")
    source = source.replace("    STATUS_ONLY = (", NEW_RULE + "    STATUS_ONLY = (")
    verdict_py.write_text(source)
    done = subprocess.run(
        [sys.executable, "-c", CONSUMERS, str(tmp_path / "archive.db")], capture_output=True, text=True,
        cwd=tmp_path, env={"PYTHONPATH": f"{tmp_path}:{REPO / 'tests'}", "PATH": "/usr/bin:/bin"},
        timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "every consumer knows the new verdict" in done.stdout


def _between(text: str, start: str, end: str) -> str:
    """The lines after the line holding `start`, up to `end`."""
    after_start = text.index("\n", text.index(start))
    return text[after_start:text.index(end)].strip()


def test_readme_lists_every_verdict_and_rule_as_the_code_states_them():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    hint = "README is out of date: paste the output of `linkcheck rules --format markdown`"
    assert _between(readme, "<!-- verdicts", "<!-- /verdicts -->") == report.verdicts_markdown(), hint
    assert _between(readme, "<!-- rules -->", "<!-- /rules -->") == report.rules_markdown(), hint


def test_rules_command_lists_every_rule():
    from typer.testing import CliRunner

    from linkcheck.cli import app

    listed = CliRunner().invoke(app, ["rules", "--format", "json"])
    assert listed.exit_code == 0
    assert {r["rule"] for r in json.loads(listed.stdout)} == {rule.value for rule in Rule}
