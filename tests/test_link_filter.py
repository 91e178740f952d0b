"""Which cited URLs are checked: include and exclude patterns, the ignore file."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkcheck.config import Config
from linkcheck.errors import ConfigError
from linkcheck.link_filter import link_filter


def test_an_exclude_pattern_is_searched_anywhere_in_the_url(tmp_path: Path) -> None:
    checked = link_filter(Config(exclude=(r"twitter\.com/",)), tmp_path)
    assert checked.excluded_by("https://twitter.com/user/status/1") == r"exclude pattern: 'twitter\\.com/'"
    assert checked.excluded_by("https://mobile.twitter.com/x") is not None
    assert checked.excluded_by("https://news.example/") is None


def test_include_patterns_win_over_excludes_and_leave_the_rest_out(tmp_path: Path) -> None:
    checked = link_filter(Config(include=(r"^https://news\.example/",), exclude=("example",)), tmp_path)
    assert checked.excluded_by("https://news.example/a") is None
    assert checked.excluded_by("https://other.example/a") == "exclude pattern: 'example'"
    assert checked.excluded_by("https://third.org/") == "matches no include pattern"


def test_the_ignore_file_in_the_working_folder_is_read_when_there(tmp_path: Path) -> None:
    (tmp_path / ".linkcheckignore").write_text("# social media: not sources\n\n^https://(www\\.)?facebook\\.com/\n")
    checked = link_filter(Config(), tmp_path)
    assert checked.excluded_by("https://www.facebook.com/page") == (
        f"{tmp_path / '.linkcheckignore'} line 3: '^https://(www\\\\.)?facebook\\\\.com/'")
    assert link_filter(Config(), tmp_path / "elsewhere").excluded_by("https://facebook.com/") is None


def test_a_named_ignore_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ignore file"):
        link_filter(Config(ignore_file=tmp_path / "missing"), tmp_path)


@pytest.mark.parametrize("config", [Config(exclude=("(",)), Config(include=("[a-",))])
def test_a_pattern_that_is_not_a_regex_is_a_config_error(tmp_path: Path, config: Config) -> None:
    with pytest.raises(ConfigError, match="not a regular expression"):
        link_filter(config, tmp_path)
