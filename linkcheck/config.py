"""One typed configuration object: CLI flags over config file over defaults."""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from . import __version__
from .errors import ConfigError, UsageError

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
    allow_private: bool = False    # allow loopback, private and other non-public targets
    allow_link_local: bool = False # allow link-local and cloud metadata targets (not implied by allow_private)
    http2: bool = True
    workers: int = 0               # processes that read pages (and articles); 0 = one per CPU core
    # What reading one page may cost (see page_budget.PageLimits); past it the link is unreachable.
    page_cpu_seconds: float = 30.0 # CPU time per page; the kernel ends the page worker past it
    page_seconds: float = 60.0     # time on the clock per page; the run kills the page worker past it
    page_memory_mb: int = 2048     # address space of each page worker
    pdf_seconds: float = 15.0      # CPU time for a PDF's text; the pages read by then are kept
    user_agent: str = USER_AGENT
    max_age: float | None = None   # seconds; skip links checked more recently than this
    failures_to_break: int = 3     # failed runs before a link's state becomes broken
    broken_after_days: float = 3.0 # ... and the failures must span at least this long
    probe_soft_404: bool = True    # fetch one random path per host to learn its not-found page
    network_canaries: tuple[str, ...] = ("example.com", "wikipedia.org", "iana.org")
    # What one article may cost the loader: file size, and CPU time to read it and find its entities.
    max_article_bytes: int = 5 * 1024 * 1024
    article_cpu_seconds: float = 10.0
    # Seconds without a heartbeat (the run's commits) after which a run holding the archive's lock
    # on this host is hung: the next run ends it and takes over.
    hung_run_after: float = 3600.0
    quiet: bool = False
    output_format: str = "table"
    # Which links are checked: regexes searched in each URL; an excluded link is not fetched.
    include: tuple[str, ...] = ()  # when given, only URLs matching one of these (unless excluded)
    exclude: tuple[str, ...] = ()
    ignore_file: Path | None = None   # one regex per line; default: .linkcheckignore when there
    # Statuses that mean 'blocked, not failing': (host or "" for every host, status).
    accept: tuple[tuple[str, int], ...] = ()
    # Requests: extra headers on every request, a Netscape cookies.txt, proxies, trusted CAs.
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False, metadata={"secret": True})
    cookie_file: Path | None = None
    http_proxy: str = field(default="", repr=False, metadata={"secret": True})   # may hold a password
    https_proxy: str = field(default="", repr=False, metadata={"secret": True})
    no_proxy: tuple[str, ...] = ()     # hosts (and their subdomains) reached without the proxy; "*" = all
    ca_bundle: Path | None = None      # PEM file of trusted CAs instead of the built-in bundle
    ca_dir: Path | None = None         # a directory of hashed CA certificates (c_rehash)
    # Repair: archived copies of sources that are not ok (see linkcheck/repair).
    repair: str = "not-ok"         # whose replacement to look up: "not-ok", "all" or "off"
    archives: tuple[str, ...] = ("wayback",)   # "wayback" and/or "memento" (the memento_timegates)
    wayback_api: str = "https://archive.org/wayback/available"
    wayback_cdx: str = "https://web.archive.org/cdx/search/cdx"
    wayback_web: str = "https://web.archive.org/web/"
    memento_timegates: tuple[str, ...] = ()    # TimeGate prefixes the cited URL is appended to
    max_captures: int = 3          # captures read per citation before giving up
    save_page_now: bool = False    # ask the Internet Archive to capture ok sources now
    save_page_now_endpoint: str = "https://web.archive.org/save/"
    # Save Page Now credentials (archive.org S3 keys); from here or LINKCHECK_IA_ACCESS_KEY and
    # LINKCHECK_IA_SECRET_KEY. Never written to the archive, the logs or the output.
    ia_access_key: str = field(default="", repr=False, metadata={"secret": True})
    ia_secret_key: str = field(default="", repr=False, metadata={"secret": True})

    def with_overrides(self, **overrides: Any) -> Config:
        """A copy with the given options set; None means 'not given' and keeps the value."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


_OPTION_NAMES = {f.name for f in fields(Config)}


# The range of each numeric option: its smallest value (and whether the bound itself is allowed)
# and its largest. The upper bounds are far beyond any sensible run; they stop a typo (a thousand
# times too many workers, a max_age of 10^20 weeks) before it costs memory or a traceback.
_DAY, _YEAR = 86_400, 365 * 86_400
_RANGES: dict[str, tuple[float, bool, float]] = {
    "concurrency": (1, True, 10_000), "per_host": (1, True, 1_000), "timeout": (0, False, _DAY),
    "retries": (0, True, 100), "max_retry_after": (0, True, _DAY), "max_bytes": (1, True, 2**31),
    "max_redirects": (0, True, 1_000), "workers": (0, True, 1_024), "max_age": (0, True, 100 * _YEAR),
    "failures_to_break": (1, True, 10_000), "broken_after_days": (0, True, 36_500),
    "max_captures": (1, True, 1_000), "hung_run_after": (0, False, 365 * _DAY),
    "max_article_bytes": (1, True, 2**30), "article_cpu_seconds": (0, False, _DAY),
    "page_cpu_seconds": (0, False, _DAY), "page_seconds": (0, False, _DAY),
    "page_memory_mb": (256, True, 1 << 20), "pdf_seconds": (0, False, _DAY),
}
_IN_SECONDS = {"timeout", "max_retry_after", "max_age", "hung_run_after", "article_cpu_seconds",
               "page_cpu_seconds", "page_seconds", "pdf_seconds"}


def range_problem(name: str, value: Any) -> str | None:
    """Why `value` is out of range for option `name` ("must be 1 or more, not -5"), or None."""
    if name not in _RANGES or value is None or isinstance(value, bool):
        return None
    if not isinstance(value, (int, float)):
        return None
    bound, inclusive, highest = _RANGES[name]
    if isinstance(value, float) and not math.isfinite(value):
        return f"must be a finite number, not {value}"
    unit = " s" if name in _IN_SECONDS else ""  # --max-age 2w arrives here in seconds
    given = f"{_shown(value)}{unit}"
    if value > highest:
        return f"must be at most {_shown(highest)}{unit}, not {given}"
    if value > bound or (inclusive and value == bound):
        return None
    shown = f"{_shown(bound)}{unit}"
    return f"must be {shown} or more, not {given}" if inclusive else f"must be more than {shown}, not {given}"


def _shown(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else str(bound)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> float:
    """'90', '90s', '15m', '6h', '2d', '1w' -> seconds."""
    found = _DURATION.match(text)
    if not found:
        raise UsageError(f"not a duration: {text!r} (use e.g. 90s, 15m, 6h, 2d)")
    return float(found.group(1)) * _SECONDS[found.group(2)]


REPAIR_CHOICES = ("not-ok", "all", "off")
ARCHIVE_CHOICES = ("wayback", "memento")
_SECRETS_FROM_ENVIRONMENT = {"ia_access_key": "LINKCHECK_IA_ACCESS_KEY", "ia_secret_key": "LINKCHECK_IA_SECRET_KEY"}
# Options the environment gives when the config file does not, as curl and most HTTP tools read them
# (the lower-case name first); ALL_PROXY stands in for either proxy.
_FROM_ENVIRONMENT = {
    "http_proxy": ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"),
    "https_proxy": ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"),
    "no_proxy": ("no_proxy", "NO_PROXY"),
    "ca_bundle": ("SSL_CERT_FILE",),
    "ca_dir": ("SSL_CERT_DIR",),
}


def public_options(config: Config) -> dict[str, Any]:
    """The options of a run as they may be shown and stored: secrets left out."""
    return {f.name: getattr(config, f.name) for f in fields(config) if not f.metadata.get("secret")}


def load_config(start: Path | None = None, explicit: Path | None = None,
                environ: Mapping[str, str] | None = None) -> Config:
    """Defaults overlaid with `linkcheck.toml` or `[tool.linkcheck]` of pyproject.toml; secrets the
    file does not give come from `environ` (the process environment by default)."""
    table, folder = (_read_table(explicit), explicit.parent) if explicit else _find_table(start or Path.cwd())
    environ = os.environ if environ is None else environ
    table = {key.replace("-", "_"): value for key, value in table.items()}
    if "proxy" in table:  # one proxy for both schemes
        proxy = table.pop("proxy")
        table = {"http_proxy": proxy, "https_proxy": proxy, **table}
    secrets: dict[str, Any] = {name: environ[variable] for name, variable in _SECRETS_FROM_ENVIRONMENT.items()
               if environ.get(variable) and name not in table}
    unknown = set(table) - _OPTION_NAMES
    if unknown:
        raise ConfigError(f"unknown option(s) in config: {', '.join(sorted(unknown))}")
    defaults = Config()
    values: dict[str, Any] = {}
    for name, value in table.items():
        values[name] = _coerce(name, value, getattr(defaults, name))
        if isinstance(values[name], Path) and folder is not None:
            # relative to the file that names it, as a config found in a parent folder means it
            values[name] = folder / values[name]
        if problem := range_problem(name, values[name]):
            raise ConfigError(f"config option {name} {problem}")
    for name, variables in _FROM_ENVIRONMENT.items():
        found = next((environ[v] for v in variables if environ.get(v)), None)
        if found is not None and name not in values:
            values[name] = _from_environment(name, found)
    config = replace(defaults, **values, **secrets)
    if config.repair not in REPAIR_CHOICES:
        raise ConfigError(f"config option repair must be one of {', '.join(REPAIR_CHOICES)}, not {config.repair!r}")
    if unknown_archives := set(config.archives) - set(ARCHIVE_CHOICES):
        raise ConfigError(f"config option archives: unknown archive(s) {', '.join(sorted(unknown_archives))} "
                          f"(known: {', '.join(ARCHIVE_CHOICES)})")
    return config


def _from_environment(name: str, value: str) -> Any:
    if name == "no_proxy":
        return tuple(host.strip() for host in value.split(",") if host.strip())
    if name in ("ca_bundle", "ca_dir"):
        return Path(value)
    return value


def _coerce(name: str, value: Any, default: Any) -> Any:
    """The config file's value in the option's type, or a ConfigError naming the option."""
    try:
        if name in _SPECIAL:
            return _SPECIAL[name](value)
        if isinstance(default, bool) or name == "allow_private":
            if not isinstance(value, bool):
                raise TypeError
            return value
        if isinstance(default, Path) or name in ("ignore_file", "cookie_file", "ca_bundle", "ca_dir"):
            if not isinstance(value, str):
                raise TypeError
            return Path(value)
        if isinstance(default, tuple):
            return tuple(str(v) for v in value)
        if name == "max_age" and isinstance(value, str):
            return parse_duration(value)
        if isinstance(default, (int, float)) or name == "max_age":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError
            if isinstance(default, int) and not isinstance(default, bool) and value != int(value):
                raise TypeError
            return type(default)(value) if default is not None else float(value)
        return str(value)
    except (TypeError, ValueError, UsageError):
        raise ConfigError(f"config option {name} has an unusable value: {value!r}") from None


def parse_accept(text: str) -> tuple[tuple[str, int], ...]:
    """'403', '401,403', '200..=299' (lychee's range) or 'host=401,403' -> (host, status) pairs."""
    head, equals, rest = text.partition("=")
    host, codes = (head, rest) if equals and not head.endswith("..") else ("", text)
    pairs: list[tuple[str, int]] = []
    for part in codes.split(","):
        part = part.strip()
        low, dots, high = part.partition("..=")
        if not dots:
            low, dots, high = part.partition("..")
            high = str(int(high) - 1) if dots and high.strip().isdigit() else high
        try:
            first, last = int(low), int(high) if dots else int(low)
        except ValueError:
            raise ConfigError(f"accept: not a status or range of statuses: {part!r}") from None
        if not 100 <= first <= last <= 999:
            raise ConfigError(f"accept: statuses run from 100 to 999, not {part!r}")
        pairs.extend((host.strip().lower(), status) for status in range(first, last + 1))
    return tuple(pairs)


def _accept_from_table(value: Any) -> tuple[tuple[str, int], ...]:
    """`accept = [403, "200..=204"]` for every host, or `[accept]` with a list per host ("*" = every host)."""
    if isinstance(value, dict):
        return tuple(pair for host, codes in value.items() for code in _as_list(codes)
                     for pair in parse_accept(f"{'' if host == '*' else host}={code}"))
    return tuple(pair for code in _as_list(value) for pair in parse_accept(str(code)))


def _headers_from_table(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise TypeError
    return tuple(check_header(str(name), str(content)) for name, content in value.items())


def parse_header(text: str) -> tuple[str, str]:
    """'Name: value' -> (name, value), as curl's and lychee's --header."""
    name, colon, value = text.partition(":")
    if not colon:
        raise ConfigError(f"header {text!r} is not 'Name: value'")
    return check_header(name.strip(), value.strip())


def check_header(name: str, value: str) -> tuple[str, str]:
    """The header as given, or a ConfigError when it could not be sent as one header."""
    if not _HEADER_NAME.fullmatch(name) or any(c in value for c in "\r\n\0"):
        raise ConfigError(f"header {name!r}: not a valid header name, or a value with a line break")
    return name, value


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_SPECIAL = {"accept": _accept_from_table, "headers": _headers_from_table}


def _find_table(start: Path) -> tuple[dict[str, Any], Path | None]:
    """The nearest config table from `start` upwards, and the folder of the file that holds it."""
    for folder in (start, *start.parents):
        own = folder / "linkcheck.toml"
        if own.is_file():
            return _read_table(own), folder
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            table = _read_table(pyproject, ("tool", "linkcheck"))
            if table:
                return table, folder
    return {}, None


def _read_table(path: Path, keys: tuple[str, ...] = ()) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from exc
    for key in keys:
        data = data.get(key, {})
    return data


def without_password(proxy: str) -> str:
    """A proxy URL as it may be shown: any user and password left out."""
    scheme, separator, rest = proxy.rpartition("://")
    return f"{scheme}{separator}{rest.rpartition('@')[2]}"
