"""One exception tree: every LinkcheckError reaches the user as one line and exit status 2."""

from __future__ import annotations

import sys

import pytest

from linkcheck import cli, errors
from linkcheck.archive import ArchiveBusy
from linkcheck.article import ArticleError
from linkcheck.config import ConfigError
from linkcheck.schema import ArchiveError


def test_input_config_and_archive_errors_share_one_root():
    for error in (ArticleError, errors.UsageError, ConfigError, ArchiveError, ArchiveBusy):
        assert issubclass(error, errors.LinkcheckError)
    assert issubclass(ArticleError, errors.InputError) and issubclass(errors.UsageError, errors.InputError)


@pytest.mark.parametrize("error", [ArticleError, errors.UsageError, ConfigError, ArchiveError, ArchiveBusy])
def test_cli_turns_each_error_into_one_line_and_status_2(error, monkeypatch, capsys):
    def failing_command(*args, **kwargs):
        raise error("what went wrong, and what to do")

    monkeypatch.setattr(cli, "app", failing_command)
    monkeypatch.setattr(sys, "argv", ["linkcheck", "verify", "x"])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == cli.EXIT_INPUT_ERROR
    assert capsys.readouterr().err == "linkcheck: error: what went wrong, and what to do\n"
