"""Which cited URLs are checked: include and exclude patterns (regexes searched in the URL, as
lychee's --include / --exclude) and an ignore file of one regex per line (.linkcheckignore)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .config import Config
from .errors import ConfigError

IGNORE_FILE = Path(".linkcheckignore")


@dataclass(frozen=True)
class LinkFilter:
    """A URL matching an include pattern is checked; any other is excluded when it matches an exclude
    pattern or a line of the ignore file, or when include patterns were given (only those are checked)."""

    include: tuple[re.Pattern[str], ...] = ()
    exclude: tuple[tuple[re.Pattern[str], str], ...] = ()   # each with where it came from

    def excluded_by(self, url: str) -> str | None:
        """Why the URL is not checked ("exclude pattern '…'", "…/.linkcheckignore line 3: '…'"), or None."""
        if any(pattern.search(url) for pattern in self.include):
            return None
        for pattern, origin in self.exclude:
            if pattern.search(url):
                return f"{origin}: {pattern.pattern!r}"
        if self.include:
            return "matches no include pattern"
        return None


def link_filter(config: Config, cwd: Path | None = None) -> LinkFilter:
    """The filter of a run; `ignore_file` when given (it must exist), else .linkcheckignore in `cwd`
    when there. A pattern that is not a regex is a ConfigError."""
    include = tuple(_compile(p, "include pattern") for p in config.include)
    exclude = [(_compile(p, "exclude pattern"), "exclude pattern") for p in config.exclude]
    path = config.ignore_file or (cwd or Path.cwd()) / IGNORE_FILE
    if config.ignore_file is not None or path.is_file():
        exclude.extend(_ignore_lines(path))
    return LinkFilter(include, tuple(exclude))


def _ignore_lines(path: Path) -> list[tuple[re.Pattern[str], str]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the ignore file {path}: {exc}") from None
    found = []
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if line and not line.startswith("#"):
            origin = f"{path} line {number}"
            found.append((_compile(line, origin), origin))
    return found


def _compile(pattern: str, origin: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ConfigError(f"{origin} {pattern!r} is not a regular expression: {exc}") from None
