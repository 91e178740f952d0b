from pathlib import Path

import pytest

from linkcheck.config import Config, ConfigError, load_config


def test_defaults_without_config_file(tmp_path):
    assert load_config(tmp_path) == Config()


def test_linkcheck_toml_overrides_defaults(tmp_path):
    (tmp_path / "linkcheck.toml").write_text('per-host = 4\ndb_path = "x/y.db"\n')
    config = load_config(tmp_path)
    assert (config.per_host, config.db_path) == (4, Path("x/y.db"))


def test_pyproject_tool_table_is_read_from_a_parent_folder(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.linkcheck]\ntimeout = 3.5\n")
    (tmp_path / "articles").mkdir()
    assert load_config(tmp_path / "articles").timeout == 3.5


def test_command_line_flags_override_the_file(tmp_path):
    (tmp_path / "linkcheck.toml").write_text("retries = 5\n")
    config = load_config(tmp_path).with_overrides(retries=1, timeout=None)
    assert (config.retries, config.timeout) == (1, Config().timeout)


def test_unknown_option_is_an_error(tmp_path):
    (tmp_path / "linkcheck.toml").write_text("colour = 'blue'\n")
    with pytest.raises(ConfigError, match="colour"):
        load_config(tmp_path)


def test_broken_toml_is_an_error(tmp_path):
    (tmp_path / "linkcheck.toml").write_text("retries = = 5\n")
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path)


def test_value_of_the_wrong_type_is_an_error(tmp_path):
    (tmp_path / "linkcheck.toml").write_text('per_host = "many"\n')
    with pytest.raises(ConfigError, match="per_host"):
        load_config(tmp_path)


def test_max_age_takes_a_duration_as_on_the_command_line(tmp_path):
    (tmp_path / "linkcheck.toml").write_text('max_age = "2h"\n')
    assert load_config(tmp_path).max_age == 7200


def test_max_age_in_seconds_still_works(tmp_path):
    (tmp_path / "linkcheck.toml").write_text("max_age = 90\n")
    assert load_config(tmp_path).max_age == 90


@pytest.mark.parametrize("line, option", [
    ("retries = -5", "retries"), ("concurrency = 0", "concurrency"), ("timeout = 0", "timeout"),
    ("per_host = -1", "per_host"), ("max_bytes = 0", "max_bytes"), ("max_redirects = -1", "max_redirects"),
    ("workers = -2", "workers"), ("max_retry_after = -1", "max_retry_after"), ('max_age = "-1h"', "max_age"),
    ("failures_to_break = 0", "failures_to_break"), ("broken_after_days = -3", "broken_after_days"),
    ("max_captures = 0", "max_captures"), ("timeout = nan", "timeout"), ("retries = 2.5", "retries"),
])
def test_numbers_out_of_range_are_an_error_naming_the_option(tmp_path, line, option):
    (tmp_path / "linkcheck.toml").write_text(line + "\n")
    with pytest.raises(ConfigError, match=option):
        load_config(tmp_path)


def test_every_config_key_is_documented_in_the_readme():
    from dataclasses import fields

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    configuration = readme[readme.index("### Configuration"):]
    missing = [f.name for f in fields(Config) if f"`{f.name}`" not in configuration]
    assert missing == []
