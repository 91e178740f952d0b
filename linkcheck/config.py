"""One typed configuration object: CLI flags over config file over defaults."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from . import __version__
from .errors import ConfigError

USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    f"Chrome/131.0 Safari/537.36 linkcheck/{__version__} (+https://github.com/linkcheck/linkcheck)"
)


@dataclass(frozen=True)
class Config:
    """Every option of a run, built once and passed down."""

    db_path: Path = Path("archive/linkcheck.db")
    concurrency: int = 32          # requests in flight, all hosts together
    per_host: int = 2              # requests in flight to one host
    timeout: float = 15.0          # seconds per request (connect, read, pool)
    retries: int = 2               # extra attempts after a retryable failure
    max_retry_after: float = 30.0  # longest Retry-After we wait for, seconds
    max_bytes: int = 10 * 1024 * 1024   # body cap; longer bodies are cut
    max_redirects: int = 10
    allow_private: bool = False    # allow loopback, private and link-local targets
    http2: bool = True
    workers: int = 0               # processes that read pages (and articles); 0 = one per CPU core
    user_agent: str = USER_AGENT
    max_age: float | None = None   # seconds; skip links checked more recently than this
    failures_to_break: int = 3     # failed runs before a link's state becomes broken
    broken_after_days: float = 3.0 # ... and the failures must span at least this long
    probe_soft_404: bool = True    # fetch one random path per host to learn its not-found page
    network_canaries: tuple[str, ...] = ("example.com", "wikipedia.org", "iana.org")
    quiet: bool = False
    output_format: str = "table"

    def with_overrides(self, **overrides: Any) -> Config:
        """A copy with the given options set; None means 'not given' and keeps the value."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


_OPTION_NAMES = {f.name for f in fields(Config)}


def load_config(start: Path | None = None, explicit: Path | None = None) -> Config:
    """Defaults overlaid with `linkcheck.toml` or `[tool.linkcheck]` of pyproject.toml."""
    table = _read_table(explicit) if explicit else _find_table(start or Path.cwd())
    if not table:
        return Config()
    unknown = set(table) - _OPTION_NAMES - {n.replace("_", "-") for n in _OPTION_NAMES}
    if unknown:
        raise ConfigError(f"unknown option(s) in config: {', '.join(sorted(unknown))}")
    defaults = Config()
    values: dict[str, Any] = {}
    for key, value in table.items():
        name = key.replace("-", "_")
        values[name] = _coerce(name, value, getattr(defaults, name))
    return replace(defaults, **values)


def _coerce(name: str, value: Any, default: Any) -> Any:
    """The config file's value in the option's type, or a ConfigError naming the option."""
    try:
        if isinstance(default, bool) or name == "allow_private":
            if not isinstance(value, bool):
                raise TypeError
            return value
        if isinstance(default, Path):
            return Path(value)
        if isinstance(default, tuple):
            return tuple(str(v) for v in value)
        if isinstance(default, (int, float)) or name == "max_age":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError
            return type(default)(value) if default is not None else float(value)
        return str(value)
    except (TypeError, ValueError):
        raise ConfigError(f"config option {name} has an unusable value: {value!r}") from None


def _find_table(start: Path) -> dict[str, Any]:
    for folder in (start, *start.parents):
        own = folder / "linkcheck.toml"
        if own.is_file():
            return _read_table(own)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            table = _read_table(pyproject, ("tool", "linkcheck"))
            if table:
                return table
    return {}


def _read_table(path: Path, keys: tuple[str, ...] = ()) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from exc
    for key in keys:
        data = data.get(key, {})
    return data
