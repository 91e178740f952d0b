"""The `linkcheck` command: a thin typer layer over the library."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .config import REPAIR_CHOICES, load_config, parse_accept, parse_header
from .errors import LinkcheckError, UsageError

if TYPE_CHECKING:
    from .verdict import LinkResult

# The library is imported inside the commands: multiprocessing's helper processes import this
# module again (it is the script's main module), and the page workers need none of it.

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Check that the sources cited by articles are still there and still support them.")

EXIT_OK, EXIT_NOT_OK, EXIT_INPUT_ERROR = 0, 1, 2

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> float:
    """'90', '90s', '15m', '6h', '2d', '1w' -> seconds."""
    found = _DURATION.match(text)
    if not found:
        raise UsageError(f"not a duration: {text!r} (use e.g. 90s, 15m, 6h, 2d)")
    return float(found.group(1)) * _SECONDS[found.group(2)]


@app.command()
def verify(
    paths: Annotated[list[Path], typer.Argument(help="Article files or folders of articles.")],
    db: Annotated[Path | None, typer.Option(help="SQLite archive [default: archive/linkcheck.db].")] = None,
    output_format: Annotated[str, typer.Option("--format", help="table, json (JSON Lines) or markdown.")] = "table",
    concurrency: Annotated[int | None, typer.Option(help="Requests in flight, all hosts together.")] = None,
    per_host: Annotated[int | None, typer.Option(help="Requests in flight to one host.")] = None,
    timeout: Annotated[float | None, typer.Option(help="Seconds per request.")] = None,
    retries: Annotated[int | None, typer.Option(help="Extra attempts after a retryable failure.")] = None,
    max_age: Annotated[str | None, typer.Option(help="Skip links checked more recently than this (6h, 2d).")] = None,
    allow_private: Annotated[bool, typer.Option(
        "--allow-private", help="Allow loopback, private and other non-public targets.")] = False,
    allow_link_local: Annotated[bool, typer.Option(
        "--allow-link-local", help="Allow link-local and cloud metadata targets (169.254.169.254 ...).")] = False,
    include: Annotated[list[str] | None, typer.Option(
        help="Check only URLs matching this regex (repeatable; wins over excludes).")] = None,
    exclude: Annotated[list[str] | None, typer.Option(
        help="Do not check URLs matching this regex (repeatable).")] = None,
    ignore_file: Annotated[Path | None, typer.Option(
        help="File of regexes, one a line, of URLs not to check (default: .linkcheckignore).")] = None,
    accept: Annotated[list[str] | None, typer.Option(
        help="Statuses that mean blocked, not failing: 403, 401,403, 200..=299 or host=403 (repeatable).")] = None,
    header: Annotated[list[str] | None, typer.Option(
        "--header", "-H", help="Send this header with every request, 'Name: value' (repeatable).")] = None,
    cookie_file: Annotated[Path | None, typer.Option(help="Netscape cookies.txt whose cookies are sent.")] = None,
    proxy: Annotated[str | None, typer.Option(
        help="Proxy for http and https URLs (default: http_proxy, https_proxy, all_proxy).")] = None,
    ca_bundle: Annotated[Path | None, typer.Option(
        help="PEM file of the CAs to trust instead of the built-in ones (default: SSL_CERT_FILE).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the summary line and errors.")] = False,
    repair: Annotated[str | None, typer.Option(
        help="Look up archived replacements for citations that are not ok (not-ok), for all, or off.")] = None,
    config_file: Annotated[Path | None, typer.Option("--config", help="A linkcheck.toml to read options from.")] = None,
) -> None:
    """Check every URL cited by the articles and archive what was seen."""
    from . import report
    from .archive import Archive
    from .pipeline import verify as run_verify

    if output_format not in report.FORMATS:
        raise UsageError(f"--format must be one of {', '.join(report.FORMATS)}")
    config = load_config(explicit=config_file)
    config = config.with_overrides(
        db_path=db, concurrency=concurrency, per_host=per_host, timeout=timeout, retries=retries,
        max_age=parse_duration(max_age) if max_age else None,
        allow_private=allow_private or None, allow_link_local=allow_link_local or None,
        quiet=quiet or None, output_format=output_format, repair=repair,
        # Patterns, statuses and headers given here come on top of the config file's.
        include=(*config.include, *include) if include else None,
        exclude=(*config.exclude, *exclude) if exclude else None, ignore_file=ignore_file,
        accept=(*config.accept, *(pair for text in accept for pair in parse_accept(text))) if accept else None,
        headers=(*config.headers, *map(parse_header, header)) if header else None, cookie_file=cookie_file,
        http_proxy=proxy, https_proxy=proxy, ca_bundle=ca_bundle)
    if config.repair not in REPAIR_CHOICES:
        raise UsageError(f"--repair must be one of {', '.join(REPAIR_CHOICES)}")
    _check_positive(concurrency=config.concurrency, per_host=config.per_host, timeout=config.timeout)
    out = Console(soft_wrap=False, width=None if sys.stdout.isatty() else 200)
    err = Console(stderr=True, soft_wrap=True)
    rows: list[dict] = []
    progress = _progress(err) if err.is_terminal and not config.quiet and sys.stdin.isatty() else None

    def on_result(result: LinkResult) -> None:
        if config.output_format == "json":
            for row in report.citation_rows(result):
                report.write_json_line(row, sys.stdout)
        elif not config.quiet:  # a table is printed at the end; under cron nothing is kept
            rows.extend(report.citation_rows(result))
        if progress is not None:
            progress.advance(progress.task_ids[0])

    def on_error(message: str) -> None:
        err.print(f"linkcheck: {message}", markup=False, highlight=False)

    archive = Archive(config.db_path)
    try:
        with archive.lock():
            if progress is not None:
                progress.add_task("checking links", total=None)
                progress.start()
            try:
                outcome = asyncio.run(run_verify(paths, config, archive, on_result, on_error))
            finally:
                if progress is not None:
                    progress.stop()
    finally:
        archive.close()

    rows.sort(key=report.citation_order)
    if config.output_format == "table" and not config.quiet and rows:
        report.print_table(rows, out)
    elif config.output_format == "markdown" and not config.quiet and rows:
        out.print(report.markdown(rows), markup=False, highlight=False)
    if not outcome.network_up:
        err.print("linkcheck: the network is unavailable (no host name resolves, not even well-known ones); "
                  "links were not judged and no link state changed.", markup=False, highlight=False)
    line = report.summary_line(dict(outcome.counts), outcome.articles, outcome.run_id, str(config.db_path),
                               outcome.skipped_recent, outcome.network_up)
    err.print(line, markup=False, highlight=False)
    if outcome.input_errors or outcome.articles == 0:
        if outcome.articles == 0:
            err.print("linkcheck: no article found", markup=False, highlight=False)
        raise typer.Exit(EXIT_INPUT_ERROR)
    raise typer.Exit(EXIT_OK if outcome.all_ok and outcome.network_up else EXIT_NOT_OK)


@app.command()
def entities(
    file: Annotated[Path, typer.Argument(help="An article file.")],
    output_format: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Show the key entities linkcheck finds in an article."""
    from . import report
    from .article import read_article
    from .entities import key_entities

    found = key_entities(read_article(file))
    if output_format == "json":
        print(report.entities_json(found))
    elif output_format == "table":
        report.entities_table(found, Console())
    else:
        raise UsageError("--format must be table or json")


@app.command()
def fix(
    articles: Annotated[list[Path], typer.Argument(help="Article files checked by `linkcheck verify`.")],
    db: Annotated[Path | None, typer.Option(help="SQLite archive [default: archive/linkcheck.db].")] = None,
    output_format: Annotated[str, typer.Option("--format", help="text, markdown or json.")] = "text",
    write: Annotated[bool, typer.Option(
        "--write", help="Rewrite the article files (atomically; the original is kept as <file>.orig).")] = False,
    config_file: Annotated[Path | None, typer.Option("--config", help="A linkcheck.toml to read options from.")] = None,
) -> None:
    """Print each article's sources with a verified archived copy after every broken or drifted one."""
    import hashlib

    from . import rewrite
    from .archive.reader import article_sources
    from .schema import open_database

    if output_format not in ("text", "markdown", "json"):
        raise UsageError("--format must be text, markdown or json")
    config = load_config(explicit=config_file).with_overrides(db_path=db)
    database = open_database(config.db_path, readonly=True)
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
    output_format: Annotated[str, typer.Option("--format", help="table, json or markdown.")] = "table",
) -> None:
    """List every rule that can decide a verdict, with what it means."""
    from . import report

    if output_format == "json":
        print(report.rules_json())
    elif output_format == "markdown":
        print(report.verdicts_markdown() + "\n\n" + report.rules_markdown())
    elif output_format == "table":
        report.rules_table(Console())
    else:
        raise UsageError("--format must be table, json or markdown")


@app.command()
def diff(
    url: Annotated[str, typer.Argument(help="A checked URL.")],
    db: Annotated[Path, typer.Option(help="SQLite archive.")] = Path("archive/linkcheck.db"),
) -> None:
    """Show how the main text of a page changed between its two latest distinct snapshots."""
    from .archive import diff_snapshots

    print(diff_snapshots(db, url))


@app.command()
def export(
    warc: Annotated[Path, typer.Option("--warc", help="WARC file to write (.warc.gz compresses).")],
    db: Annotated[Path, typer.Option(help="SQLite archive.")] = Path("archive/linkcheck.db"),
    run: Annotated[int | None, typer.Option(help="Only this run [default: all].")] = None,
) -> None:
    """Write the archived snapshots as standard WARC request/response records."""
    from .warc import export_warc

    count = export_warc(db, warc, run_id=run)
    Console(stderr=True).print(f"linkcheck: wrote {count} record(s) to {warc}", markup=False, highlight=False)


@app.command()
def serve(
    db: Annotated[Path, typer.Option(help="SQLite archive.")] = Path("archive/linkcheck.db"),
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8001,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
) -> None:
    """Browse the archive in Datasette, with linkcheck's canned queries."""
    from .serve import serve as serve_archive

    serve_archive(db, port=port, host=host)


def _check_positive(**values: float) -> None:
    for name, value in values.items():
        if value <= 0:
            raise UsageError(f"--{name.replace('_', '-')} must be positive, not {value}")


def _progress(console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=True)


def main() -> None:
    """Console entry point: our errors become one line on stderr and exit status 2."""
    try:
        status = app(standalone_mode=False)
    except LinkcheckError as exc:
        print(f"linkcheck: error: {exc}", file=sys.stderr)
        sys.exit(EXIT_INPUT_ERROR)
    except KeyboardInterrupt:
        print("linkcheck: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # the parser's usage errors: click's, or those of the click typer carries
        show = getattr(exc, "show", None)
        if callable(show) and hasattr(exc, "exit_code"):
            show()
            sys.exit(EXIT_INPUT_ERROR)
        raise
    sys.exit(status if isinstance(status, int) else EXIT_OK)
