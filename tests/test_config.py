from pathlib import Path

import pytest

from linkcheck.config import Config, ConfigError, load_config


def test_defaults_without_config_file(tmp_path):
    assert load_config(tmp_path, environ={}) == Config()


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
