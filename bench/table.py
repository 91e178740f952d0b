"""The terminal table of a 50-link run, as an editor sees it in a terminal of a given width.

    .venv/bin/python bench/table.py [--columns 80] [--out table.txt] [-- extra verify options]

Two articles cite 50 URLs on loopback servers (ok, drifted, moved, soft-404 and dead pages);
`linkcheck verify` runs with its stdout on a pseudo-terminal of `--columns` columns. Prints the
table and how many lines it took.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import tempfile
import termios
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from integration.local_server import local_web, page, redirect  # noqa: E402

SITE = ROOT / "tests" / "fixtures" / "site"
ARTICLE = (ROOT / "tests" / "fixtures" / "article_fixture_site.txt").read_text()


def run_on_terminal(command: list[str], columns: int) -> str:
    """`command`'s stdout as written to a terminal `columns` wide (stderr and stdin are not terminals)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    process = subprocess.Popen(command, stdout=follower, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                               env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait()
    os.close(leader)
    text = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--columns", type=int, default=80)
    parser.add_argument("--out", type=Path)
    parser.add_argument("extra", nargs="*")
    args = parser.parse_args()
    with local_web(("127.0.0.2", "127.0.0.3")) as web, tempfile.TemporaryDirectory() as folder:
        a, b = web.url("", "127.0.0.2"), web.url("", "127.0.0.3")
        story, other, home = (SITE / "story.html").read_bytes(), (SITE / "other-story.html").read_bytes(), \
            (SITE / "home.html").read_bytes()
        web.routes["/"] = page(home)
        web.fallbacks["127.0.0.3"] = page((SITE / "not-found.html").read_bytes())
        urls = []
        for i in range(50):
            kind = ("ok", "ok", "ok", "ok", "ok", "drifted", "moved", "ok", "soft", "dead")[i % 10]
            path = f"/politik/deutschland/2024-03/scholz-macron-treffen-paris-ukraine-hilfe-{kind}-{i:03d}.html"
            if kind == "ok":
                web.routes[path] = page(story)
            elif kind == "drifted":
                web.routes[path] = page(other)
            elif kind == "moved":
                web.routes[path] = redirect("/", 301)
            urls.append((b if kind == "soft" else a) + path + ("?utm_source=newsletter&ref=front" if i % 3 == 0 else ""))
        articles = Path(folder) / "articles"
        articles.mkdir()
        for name, part in (("politik-scholz-macron-paris.txt", urls[:25]), ("ukraine-hilfe-analyse.txt", urls[25:])):
            (articles / name).write_text(ARTICLE.replace("{URLS}", " - ".join(part)))
        command = [sys.executable, "-m", "linkcheck", "verify", str(articles), "--db", str(Path(folder) / "a.db"),
                   "--allow-private", "--repair", "off", "--timeout", "5", "--retries", "0", *args.extra]
        table = run_on_terminal(command, args.columns)
    if args.out:
        args.out.write_text(table)
    print(table, end="")
    print(f"-- {len(table.splitlines())} lines at {args.columns} columns, widest line "
          f"{max(map(len, table.splitlines()), default=0)} characters")


if __name__ == "__main__":
    main()
