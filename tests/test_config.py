from pathlib import Path

import pytest

from linkcheck.config import Config, ConfigError, load_config, parse_accept, parse_header


def test_defaults_without_config_file(tmp_path):
    assert load_config(tmp_path, environ={}) == Config()


def test_linkcheck_toml_overrides_defaults(tmp_path):
    (tmp_path / "linkcheck.toml").write_text('per-host = 4\ndb_path = "x/y.db"\n')
    config = load_config(tmp_path)
    assert (config.per_host, config.db_path) == (4, tmp_path / "x/y.db")


def test_relative_paths_in_a_config_found_upwards_are_relative_to_its_folder(tmp_path):
    (tmp_path / "linkcheck.toml").write_text('db_path = "archive/news.db"\nignore_file = "/etc/ignore"\n')
    (tmp_path / "articles" / "2024").mkdir(parents=True)
    config = load_config(tmp_path / "articles" / "2024")
    assert (config.db_path, config.ignore_file) == (tmp_path / "archive/news.db", Path("/etc/ignore"))


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


def test_proxies_and_ca_certificates_come_from_the_standard_environment_variables(tmp_path):
    config = load_config(tmp_path, environ={"https_proxy": "http://proxy.corp:3128", "HTTP_PROXY": "http://p:8080",
                                            "NO_PROXY": "intranet.corp, .local", "SSL_CERT_FILE": "/etc/corp-ca.pem",
                                            "SSL_CERT_DIR": "/etc/certs"})
    assert (config.http_proxy, config.https_proxy) == ("http://p:8080", "http://proxy.corp:3128")
    assert config.no_proxy == ("intranet.corp", ".local")
    assert (config.ca_bundle, config.ca_dir) == (Path("/etc/corp-ca.pem"), Path("/etc/certs"))


def test_all_proxy_stands_in_for_both_and_the_file_wins_over_the_environment(tmp_path):
    assert load_config(tmp_path, environ={"ALL_PROXY": "http://all:1"}).http_proxy == "http://all:1"
    (tmp_path / "linkcheck.toml").write_text('proxy = "http://file:3128"\nca_bundle = "ca.pem"\n')
    config = load_config(tmp_path, environ={"https_proxy": "http://env:1", "SSL_CERT_FILE": "/env.pem"})
    assert (config.http_proxy, config.https_proxy, config.ca_bundle) == ("http://file:3128", "http://file:3128",
                                                                         tmp_path / "ca.pem")


def test_headers_accept_and_link_patterns_from_the_file(tmp_path):
    (tmp_path / "linkcheck.toml").write_text(
        'exclude = ["^https://twitter\\\\.com/"]\ninclude = ["example"]\naccept = [999, "200..=202"]\n'
        'cookie_file = "cookies.txt"\nallow_link_local = true\n'
        '[headers]\nX-Consent = "yes"\n[accept_hosts]\n')
    with pytest.raises(ConfigError, match="accept_hosts"):
        load_config(tmp_path, environ={})
    (tmp_path / "linkcheck.toml").write_text(
        'exclude = ["^https://twitter\\\\.com/"]\naccept = [999, "200..=202"]\ncookie_file = "cookies.txt"\n'
        '[headers]\nX-Consent = "yes"\n')
    config = load_config(tmp_path, environ={})
    assert config.exclude == ("^https://twitter\\.com/",) and config.headers == (("X-Consent", "yes"),)
    assert config.accept == (("", 999), ("", 200), ("", 201), ("", 202))
    assert config.cookie_file == tmp_path / "cookies.txt"


def test_accept_per_host_as_a_table(tmp_path):
    (tmp_path / "linkcheck.toml").write_text('[accept]\n"reuters.com" = [401, 403]\n"*" = "999"\n')
    assert load_config(tmp_path, environ={}).accept == (("reuters.com", 401), ("reuters.com", 403), ("", 999))


@pytest.mark.parametrize(("text", "pairs"), [
    ("403", (("", 403),)),
    ("401,403", (("", 401), ("", 403))),
    ("200..=202", (("", 200), ("", 201), ("", 202))),
    ("200..202", (("", 200), ("", 201))),
    ("Reuters.com=403", (("reuters.com", 403),)),
    ("www.reuters.com=200..=201", (("www.reuters.com", 200), ("www.reuters.com", 201))),
])
def test_accept_on_the_command_line(text, pairs):
    assert parse_accept(text) == pairs


@pytest.mark.parametrize("text", ["forbidden", "99", "1000", "403..=401", "host="])
def test_unusable_accept_is_an_error(text):
    with pytest.raises(ConfigError, match="accept"):
        parse_accept(text)


def test_headers_are_name_colon_value_without_line_breaks():
    assert parse_header("X-Consent:  yes ") == ("X-Consent", "yes")
    for bad in ("no colon", "Bad Name: x", "X-Injected: a\r\nHost: evil"):
        with pytest.raises(ConfigError, match="header"):
            parse_header(bad)


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
