"""One exception tree: every LinkcheckError reaches the user as one line and exit status 2."""

from __future__ import annotations

import sys

import pytest

from linkcheck import cli, errors
from linkcheck.archive import ArchiveBusy
from linkcheck.article import ArticleError
from linkcheck.config import ConfigError
from linkcheck.schema import ArchiveError

ERRORS = [ArticleError, errors.UsageError, ConfigError, ArchiveError, ArchiveBusy, errors.ServeError]


def test_input_config_and_archive_errors_share_one_root():
    for error in ERRORS:
        assert issubclass(error, errors.LinkcheckError)
    assert issubclass(ArticleError, errors.InputError) and issubclass(errors.UsageError, errors.InputError)


@pytest.mark.parametrize("command", [["verify", "x"], ["diff", "https://a.example/"], ["export", "--warc", "x.warc"],
                                     ["serve"], ["fix", "x.txt"]])
@pytest.mark.parametrize("error", ERRORS)
def test_cli_turns_each_error_into_one_line_and_status_2(error, command, monkeypatch, capsys):
    def failing(*args, **kwargs):
        raise error("what went wrong, and what to do")

    monkeypatch.setattr(cli, "load_config", failing)  # every one of these commands reads the config first
    monkeypatch.setattr(sys, "argv", ["linkcheck", *command])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == cli.EXIT_INPUT_ERROR
    assert capsys.readouterr().err == "linkcheck: error: what went wrong, and what to do\n"


def test_the_same_mapping_holds_in_the_cli_runner(monkeypatch):
    from typer.testing import CliRunner

    def failing(*args, **kwargs):
        raise ArchiveError("the archive is somewhere else")

    monkeypatch.setattr(cli, "load_config", failing)
    outcome = CliRunner().invoke(cli.app, ["diff", "https://a.example/"])
    assert (outcome.exit_code, outcome.stderr) == (2, "linkcheck: error: the archive is somewhere else\n")
