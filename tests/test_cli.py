import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkcheck.cli import UsageError, app, parse_duration

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_5d9ab7691511e32e.txt"
runner = CliRunner()


def linkcheck(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "linkcheck", *args], capture_output=True, text=True,
                          timeout=60, cwd=cwd, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("text, seconds", [("90", 90), ("90s", 90), ("15m", 900), ("6h", 21600), ("2d", 172800)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


def test_bad_duration_is_a_usage_error():
    with pytest.raises(UsageError):
        parse_duration("soon")


def test_entities_json_lists_the_seed_key_entities():
    result = runner.invoke(app, ["entities", str(SEED), "--format", "json"])
    assert result.exit_code == 0, result.output
    names = {entity["name"] for entity in json.loads(result.output)}
    assert {"Robert Wood", "Mark Rutte", "Nordkorea", "NATO"} <= names
    assert all({"name", "kind", "weight", "aliases"} <= set(e) for e in json.loads(result.output))


def test_folder_without_articles_is_an_input_error(tmp_path):
    (tmp_path / "empty").mkdir()
    completed = linkcheck("verify", str(tmp_path / "empty"), "--db", str(tmp_path / "a.db"))
    assert completed.returncode == 2
    assert "no article found" in completed.stderr


def test_missing_path_is_one_line_error_without_traceback(tmp_path):
    completed = linkcheck("verify", str(tmp_path / "nope"), "--db", str(tmp_path / "a.db"))
    assert completed.returncode == 2
    assert "no such file or folder" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_unknown_option_is_a_usage_error_without_traceback(tmp_path):
    completed = linkcheck("verify", str(SEED), "--archive", str(tmp_path / "a.db"))
    assert completed.returncode == 2
    assert "No such option" in completed.stderr and "--archive" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_unknown_format_is_a_usage_error(tmp_path):
    completed = linkcheck("verify", str(SEED), "--format", "xml", "--db", str(tmp_path / "a.db"))
    assert completed.returncode == 2
    assert "--format" in completed.stderr


def test_unknown_option_in_config_file_is_reported(tmp_path):
    (tmp_path / "linkcheck.toml").write_text("per_hots = 3\n")
    completed = linkcheck("verify", str(SEED), "--db", str(tmp_path / "a.db"), cwd=tmp_path)
    assert completed.returncode == 2
    assert "per_hots" in completed.stderr


def test_version_prints_the_version():
    from linkcheck import __version__

    completed = linkcheck("--version")
    assert completed.returncode == 0
    assert completed.stdout.strip() == f"linkcheck {__version__}"


def test_short_help_option_shows_the_choices_and_no_type_noise():
    completed = linkcheck("verify", "-h")
    assert completed.returncode == 0
    assert "<table|json|markdown>" in completed.stdout and "<not-ok|all|off>" in completed.stdout
    assert "<bool>" not in completed.stdout and " ." not in completed.stdout
    assert "[default: db_path of the config file, or archive/linkcheck.db]" in " ".join(completed.stdout.split())


def test_readme_usage_names_every_verify_option():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    usage = readme[readme.index("## Usage"):readme.index("## Usage") + 3000]
    options = re.findall(r"(--[a-z-]+)", linkcheck("verify", "-h").stdout)
    assert [o for o in dict.fromkeys(options) if o not in usage and o != "--help"] == []


@pytest.mark.parametrize("option, value", [("--retries", "-5"), ("--concurrency", "0"), ("--per-host", "0"),
                                           ("--timeout", "0"), ("--max-age", "-1h"), ("--max-age", "soon"),
                                           ("--max-age", "99999999999999999999w"), ("--concurrency", "100000"),
                                           ("--timeout", "inf")])
def test_numbers_out_of_range_on_the_command_line_exit_2(tmp_path, option, value):
    completed = linkcheck("verify", str(SEED), "--db", str(tmp_path / "a.db"), option, value)
    assert completed.returncode == 2
    assert option in completed.stderr and "Traceback" not in completed.stderr
    assert not (tmp_path / "a.db").exists()


def test_retries_out_of_range_in_the_config_file_exit_2(tmp_path):
    (tmp_path / "linkcheck.toml").write_text("retries = -5\n")
    completed = linkcheck("verify", str(SEED), "--db", str(tmp_path / "a.db"), cwd=tmp_path)
    assert completed.returncode == 2
    assert "retries must be 0 or more, not -5" in completed.stderr


@pytest.mark.parametrize("command, shows", [("diff", "URL"), ("export", "--run N"), ("serve", "--port PORT"),
                                            ("serve", "--host ADDRESS"), ("entities", "FILE")])
def test_help_of_the_other_commands_names_values_without_type_noise(command, shows):
    text = runner.invoke(app, [command, "-h"]).stdout
    assert shows in text
    assert not re.search(r"<(bool|int|int range|str|path)>", text), text
