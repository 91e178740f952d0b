"""The `linkcheck` command: a thin typer layer over the library."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

from .config import (
    REPAIR_CHOICES,
    load_config,
    parse_accept,
    parse_duration,
    parse_header,
    range_problem,
    without_password,
)
from .errors import LinkcheckError, UsageError

if TYPE_CHECKING:
    from .verdict import LinkResult

# The library is imported inside the commands: multiprocessing's helper processes import this
# module again (it is the script's main module), and the page workers need none of it.

EXIT_OK, EXIT_NOT_OK, EXIT_INPUT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


class _Commands(typer.core.TyperGroup):
    """linkcheck's commands, with the one mapping from our errors to a message and an exit status."""

    def invoke(self, ctx: Any) -> Any:  # click's Context (typer carries its own click)
        try:
            return super().invoke(ctx)
        except LinkcheckError as exc:
            raise typer.Exit(_reported(exc)) from None

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        for param in getattr(command, "params", ()):
            if param.param_type_name == "argument" and param.metavar:
                # Its metavar says what it is; typer would add the Python type (<list[Path]>, <str>).
                param.display_type_rich = lambda ctx: None
        return command


def _reported(error: LinkcheckError) -> int:
    """Our one mapping of errors: one line on stderr, and the exit status (README: Exit status)."""
    typer.echo(f"linkcheck: error: {error}", err=True)
    return EXIT_INPUT_ERROR


app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None, cls=_Commands,
                  context_settings={"help_option_names": ["-h", "--help"]},
                  help="Check that the sources cited by articles are still there and still support them.")

VerifyFormat = Literal["table", "json", "markdown"]
RepairChoice = Literal["not-ok", "all", "off"]
VERIFY_FORMATS = get_args(VerifyFormat)
assert get_args(RepairChoice) == REPAIR_CHOICES
_DB_HELP = "SQLite archive [default: db_path of the config file, or archive/linkcheck.db]."
_CONFIG_HELP = "A linkcheck.toml to read options from [default: linkcheck.toml or pyproject.toml here or above]."

__all__ = ["UsageError", "app", "main", "parse_duration"]


def _show_version(value: bool) -> None:
    if value:
        from . import __version__

        print(f"linkcheck {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _main_options(
    version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                          help="Show linkcheck's version and exit.")] = False,
) -> None:
    """Check that the sources cited by articles are still there and still support them."""


@app.command()
def verify(
    paths: Annotated[list[Path], typer.Argument(help="Article files or folders of articles.", metavar="PATH")],
    db: Annotated[Path | None, typer.Option(help=_DB_HELP, metavar="FILE")] = None,
    output_format: Annotated[VerifyFormat, typer.Option(
        "--format",
        help="What stdout carries: a table, JSON Lines (one object per citation) or a Markdown table.")] = "table",
    only_failures: Annotated[bool, typer.Option(
        "--only-failures", help="List only the citations that are not ok.")] = False,
    concurrency: Annotated[int | None, typer.Option(
        metavar="N",
        help="Requests in flight, all hosts together [default: 32].")] = None,
    per_host: Annotated[int | None, typer.Option(
        metavar="N",
        help="Requests in flight to one host [default: 2].")] = None,
    timeout: Annotated[float | None, typer.Option(metavar="SECONDS",
        help="Seconds per request [default: 15].")] = None,
    retries: Annotated[int | None, typer.Option(
        metavar="N",
        help="Extra attempts after a retryable failure [default: 2].")] = None,
    max_age: Annotated[str | None, typer.Option(
        metavar="DURATION",
        help="Skip links checked more recently than this (90s, 15m, 6h, 2d).")] = None,
    allow_private: Annotated[bool, typer.Option(
        "--allow-private", help="Allow loopback, private and other non-public targets.")] = False,
    allow_link_local: Annotated[bool, typer.Option(
        "--allow-link-local", help="Allow link-local and cloud metadata targets such as 169.254.169.254.")] = False,
    include: Annotated[list[str] | None, typer.Option(
        metavar="REGEX",
        help="Check only URLs matching this regex (repeatable; wins over excludes).")] = None,
    exclude: Annotated[list[str] | None, typer.Option(
        metavar="REGEX",
        help="Do not check URLs matching this regex (repeatable).")] = None,
    ignore_file: Annotated[Path | None, typer.Option(
        metavar="FILE",
        help="File of regexes, one a line, of URLs not to check (default: '.linkcheckignore').")] = None,
    accept: Annotated[list[str] | None, typer.Option(
        metavar="CODES",
        help="Statuses that mean blocked, not failing: 403, 401,403, 200..=299 or host=403 (repeatable).")] = None,
    header: Annotated[list[str] | None, typer.Option(
        "--header", "-H", metavar="'NAME: VALUE'",
        help="Send this header with every request, 'Name: value' (repeatable).")] = None,
    cookie_file: Annotated[Path | None, typer.Option(metavar="FILE",
        help="Netscape cookies.txt whose cookies are sent.")] = None,
    proxy: Annotated[str | None, typer.Option(
        metavar="URL",
        help="Proxy for http and https URLs (default: http_proxy, https_proxy, all_proxy).")] = None,
    ca_bundle: Annotated[Path | None, typer.Option(
        metavar="FILE",
        help="PEM file of the CAs to trust instead of the built-in ones (default: SSL_CERT_FILE).")] = None,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="No progress and no table: one line per citation that is not ok, "
                              "then the summary.")] = False,
    repair: Annotated[RepairChoice | None, typer.Option(
        help="Look up archived replacements for the citations that are not ok, for all, or for none "
             "[default: not-ok].")] = None,
    config_file: Annotated[Path | None, typer.Option("--config", help=_CONFIG_HELP, metavar="FILE")] = None,
) -> None:
    """Check every URL cited by the articles and archive what was seen."""
    from . import report
    from .archive import Archive
    from .pipeline import verify as run_verify

    numbers = _in_range(concurrency=concurrency, per_host=per_host, timeout=timeout, retries=retries,
                        max_age=_duration("--max-age", max_age) if max_age is not None else None)
    config = load_config(explicit=config_file)
    config = config.with_overrides(
        db_path=db, **numbers, allow_private=allow_private or None, allow_link_local=allow_link_local or None,
        quiet=quiet or None, output_format=output_format, repair=repair,
        # Patterns, statuses and headers given here come on top of the config file's.
        include=(*config.include, *include) if include else None,
        exclude=(*config.exclude, *exclude) if exclude else None, ignore_file=ignore_file,
        accept=(*config.accept, *(pair for text in accept for pair in parse_accept(text))) if accept else None,
        headers=(*config.headers, *map(parse_header, header)) if header else None, cookie_file=cookie_file,
        http_proxy=proxy, https_proxy=proxy, ca_bundle=ca_bundle)
    stdout = sys.stdout  # the requested format and nothing else; progress and messages go to stderr
    err = Console(stderr=True, soft_wrap=True)
    rows: list[dict] = []
    progress = _progress(err) if err.is_terminal and not config.quiet and sys.stdin.isatty() else None

    def shown(row: dict) -> bool:
        # --quiet is about the terminal; JSON Lines for a script keep every row unless asked otherwise.
        quiet = config.quiet and config.output_format != "json"
        return report.is_failure(row) or not (only_failures or quiet)

    def on_result(result: LinkResult) -> None:
        for row in report.citation_rows(result):
            if not shown(row):
                continue
            if config.output_format == "json":
                report.write_json_line(row, stdout)
            else:
                rows.append(row)
        if progress is not None:
            progress.advance(progress.task_ids[0])

    def on_start(links: int) -> None:
        if progress is not None:
            progress.update(progress.task_ids[0], total=links)

    def on_error(message: str) -> None:
        err.print(f"linkcheck: {message}", markup=False, highlight=False)

    archive = Archive(config.db_path)
    try:
        with archive.lock():
            if progress is not None:
                progress.add_task("checking links", total=None)
                progress.start()
            try:
                outcome = asyncio.run(run_verify(paths, config, archive, on_result, on_error, on_start=on_start))
            finally:
                if progress is not None:
                    progress.stop()
    finally:
        archive.close()

    # Skipped links are listed (not ok ones, or all with the table) with their latest verdict.
    known = [row for row in outcome.skipped if shown(row)] if config.output_format != "json" else []
    rows = sorted([*rows, *known], key=report.citation_order)
    if config.quiet and config.output_format != "json":
        for line in report.quiet_lines(rows):
            print(line, file=stdout)
    elif config.output_format == "table" and rows:
        width = None if stdout.isatty() or "COLUMNS" in os.environ else 200
        report.print_table(rows, Console(file=stdout, soft_wrap=False, width=width))
    elif config.output_format == "markdown" and rows:
        print(report.markdown(rows), file=stdout)
    stdout.flush()
    if not outcome.network_up:
        proxies = sorted({config.http_proxy, config.https_proxy} - {""})
        behind = f" Requests went through the proxy {', '.join(map(without_password, proxies))}: is it up?" \
            if proxies else ""
        err.print("linkcheck: the network is unavailable (no host name resolves, not even well-known ones); "
                  f"links were not judged and no link state changed.{behind}", markup=False, highlight=False)
    line = report.summary_line(dict(outcome.counts), outcome.articles, outcome.run_id, str(config.db_path),
                               outcome.skipped_recent, outcome.network_up, dict(outcome.skipped_counts))
    err.print(line, markup=False, highlight=False)
    if outcome.input_errors or outcome.articles == 0:
        if outcome.articles == 0:
            err.print("linkcheck: no article found", markup=False, highlight=False)
        raise typer.Exit(EXIT_INPUT_ERROR)
    raise typer.Exit(EXIT_OK if outcome.all_ok and outcome.network_up else EXIT_NOT_OK)


@app.command()
def entities(
    file: Annotated[Path, typer.Argument(help="An article file.", metavar="FILE")],
    output_format: Annotated[Literal["table", "json"], typer.Option("--format", help="A table or JSON.")] = "table",
) -> None:
    """Show the key entities linkcheck finds in an article."""
    from . import report
    from .article import read_article
    from .entities import key_entities

    found = key_entities(read_article(file))
    if output_format == "json":
        print(report.entities_json(found))
    else:
        report.entities_table(found, Console())


@app.command()
def fix(
    articles: Annotated[list[Path], typer.Argument(help="Article files checked by `linkcheck verify`.",
                                                   metavar="ARTICLE...")],
    db: Annotated[Path | None, typer.Option(help=_DB_HELP, metavar="FILE")] = None,
    output_format: Annotated[Literal["text", "markdown", "json"], typer.Option(
        "--format", help="Text, Markdown or JSON.")] = "text",
    write: Annotated[bool, typer.Option(
        "--write", help="Rewrite the article files (atomically; the original is kept as FILE.orig).")] = False,
    config_file: Annotated[Path | None, typer.Option("--config", help=_CONFIG_HELP, metavar="FILE")] = None,
) -> None:
    """Print each article's sources with a verified archived copy after every broken or drifted one."""
    import hashlib

    from . import rewrite
    from .archive.reader import article_sources, open_archive

    config = load_config(explicit=config_file).with_overrides(db_path=db)
    database = open_archive(config.db_path)
    unknown = []
    for path in articles:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
        sources = article_sources(database, hashlib.sha256(raw).hexdigest())
        if sources is None:
            unknown.append(str(path))
            continue
        fixed = rewrite.rewrite_sources(raw.decode("utf-8", "replace"), sources)
        if output_format == "json":
            print(rewrite.as_json(str(path), fixed, sources))
        elif output_format == "markdown":
            print(rewrite.as_markdown(str(path), fixed, sources) + "\n")
        else:
            unrepaired = "".join(f"\n  no verified archived copy for {s.url} ({s.verdict}): "
                                 f"{s.repair_reason or 'not looked up yet'}" for s in fixed.unrepaired)
            print(f"== {path}\n{fixed.sources_section}{unrepaired}\n")
        if write and fixed.annotated:
            kept = rewrite.write_atomically(path, fixed.text)
            Console(stderr=True).print(f"linkcheck: rewrote {path} ({len(fixed.annotated)} source(s)); "
                                       f"the original is {kept}", markup=False, highlight=False)
    if unknown:
        raise UsageError(f"not in the archive as it is now (run `linkcheck verify` on it first): {', '.join(unknown)}")


@app.command()
def rules(
    output_format: Annotated[Literal["table", "json", "markdown"], typer.Option(
        "--format", help="A table, JSON or Markdown.")] = "table",
) -> None:
    """List every rule that can decide a verdict, with what it means."""
    from . import report

    if output_format == "json":
        print(report.rules_json())
    elif output_format == "markdown":
        print(report.verdicts_markdown() + "\n\n" + report.rules_markdown())
    else:
        report.rules_table(Console())


@app.command()
def diff(
    url: Annotated[str, typer.Argument(help="A checked URL.", metavar="URL")],
    db: Annotated[Path | None, typer.Option(help=_DB_HELP, metavar="FILE")] = None,
    config_file: Annotated[Path | None, typer.Option("--config", help=_CONFIG_HELP, metavar="FILE")] = None,
) -> None:
    """Show how the main text of a page changed between its two latest distinct snapshots."""
    from .archive.reader import diff_snapshots, open_archive

    config = load_config(explicit=config_file).with_overrides(db_path=db)
    changes = diff_snapshots(open_archive(config.db_path), url)
    if not changes:
        print(f"linkcheck: only one version archived of the text of {url}; nothing to compare", file=sys.stderr)
        raise typer.Exit(EXIT_NOT_OK)
    print(changes, end="")


@app.command()
def export(
    warc: Annotated[Path, typer.Option("--warc", help="WARC file to write (.warc.gz compresses).", metavar="FILE")],
    db: Annotated[Path | None, typer.Option(help=_DB_HELP, metavar="FILE")] = None,
    run: Annotated[int | None, typer.Option(min=1, metavar="N", help="Only this run [default: all runs].")] = None,
    config_file: Annotated[Path | None, typer.Option("--config", help=_CONFIG_HELP, metavar="FILE")] = None,
) -> None:
    """Write the archived snapshots as standard WARC request/response records."""
    from .archive.reader import open_archive, run_ids
    from .warc import export_warc

    config = load_config(explicit=config_file).with_overrides(db_path=db)
    database = open_archive(config.db_path)
    runs = run_ids(database)
    database.close()
    if run is not None and run not in runs:
        known = f"runs {min(runs)} to {max(runs)}" if runs else "no run yet"
        raise UsageError(f"there is no run {run} in {config.db_path} ({known})")
    if warc.is_dir():
        raise UsageError(f"--warc {warc} is a folder; give a file name")
    if warc.exists() and warc.resolve() == config.db_path.resolve():
        raise UsageError(f"--warc {warc} is the archive itself; give another file name")
    try:
        count = export_warc(config.db_path, warc, run_id=run)
    except OSError as exc:
        raise UsageError(f"cannot write {warc}: {exc.strerror or exc}") from None
    Console(stderr=True).print(f"linkcheck: wrote {count} record(s) to {warc}", markup=False, highlight=False)


@app.command()
def serve(
    db: Annotated[Path | None, typer.Option(help=_DB_HELP, metavar="FILE")] = None,
    port: Annotated[int, typer.Option(min=1, max=65535, metavar="PORT", help="Port to listen on.")] = 8001,
    host: Annotated[str, typer.Option(metavar="ADDRESS", help="Interface to listen on.")] = "127.0.0.1",
    config_file: Annotated[Path | None, typer.Option("--config", help=_CONFIG_HELP, metavar="FILE")] = None,
) -> None:
    """Browse the archive in Datasette, with linkcheck's canned queries."""
    from .serve import serve as serve_archive

    config = load_config(explicit=config_file).with_overrides(db_path=db)
    serve_archive(config.db_path, port=port, host=host)


def _in_range(**values: float | None) -> dict[str, float | None]:
    """The numeric options given, each checked against its range (a UsageError otherwise)."""
    for name, value in values.items():
        if problem := range_problem(name, value):
            raise UsageError(f"--{name.replace('_', '-')} {problem}")
    return values


def _duration(option: str, text: str) -> float:
    try:
        return parse_duration(text)
    except UsageError as exc:
        raise UsageError(f"{option}: {exc}") from None


class _RateColumn(ProgressColumn):
    """Links checked per second (rich's estimate over the last half minute)."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:.1f} links/s" if task.speed else "… links/s", style="progress.data.speed")


def _progress(console: Console) -> Progress:
    # stdout is never redirected into the progress display: it carries the requested format only.
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), _RateColumn(),
                    TimeElapsedColumn(), console=console, transient=True, redirect_stdout=False,
                    redirect_stderr=False)


def main() -> None:
    """Console entry point: our errors are one line on stderr and exit status 2 (see _Commands)."""
    try:
        status = app(standalone_mode=False)
    except LinkcheckError as exc:  # raised outside a command (while its options are read)
        sys.exit(_reported(exc))
    except (KeyboardInterrupt, typer.Abort):
        print("linkcheck: interrupted", file=sys.stderr)
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # the parser's usage errors (of the click typer carries)
        show = getattr(exc, "show", None)
        if callable(show) and hasattr(exc, "exit_code"):
            show()
            sys.exit(EXIT_INPUT_ERROR)
        raise
    sys.exit(status if isinstance(status, int) else EXIT_OK)
