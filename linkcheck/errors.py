"""linkcheck's own exceptions: problems a user can act on, each with a message that says what to do.

The command line turns every LinkcheckError into one line on stderr and exit status 2 (cli.py's
one mapping, README's "Exit status"); anything else escaping is a bug.
"""

from __future__ import annotations


class LinkcheckError(Exception):
    """A problem with what linkcheck was given or where it keeps its archive."""


class InputError(LinkcheckError):
    """An article, a path or a command-line value cannot be used."""


class ArticleError(InputError):
    """An article file cannot be read or parsed; the message says why."""


class UsageError(InputError):
    """A command-line value is not usable."""


class ConfigError(LinkcheckError):
    """The configuration file or an option is not usable."""


class ArchiveError(LinkcheckError):
    """The archive cannot be opened, read or written; the message says why."""


class ServeError(LinkcheckError):
    """Datasette could not serve the archive (it did not start, or stopped with a failure)."""
